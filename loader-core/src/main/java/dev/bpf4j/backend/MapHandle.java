package dev.bpf4j.backend;

import dev.bpf4j.loader.MapSpec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A map created by a backend. Keys and values are raw bytes in the object's byte order,
 * exactly {@link MapSpec#keySize()} and {@link MapSpec#valueSize()} long; the kernel's
 * rules and errors apply ({@link BackendException#errno()}).
 *
 * <pre>{@code
 * MapHandle counts = obj.map("ip_proto_count");               // HASH u32 -> u64
 * counts.update(counts.key(17), counts.value(1), UpdateFlag.NOEXIST);
 * long udp = counts.lookupLong(17).orElse(0);                 // integer keys and values
 * for (MapHandle.Entry e : counts.entries()) ...
 * counts.delete(counts.key(17));                              // -ENOENT when absent
 * }</pre>
 *
 * <p>Per-CPU maps (percpu_array, percpu_hash, lru_percpu_hash) take and give what the
 * kernel's syscall ABI does: the values of all CPUs concatenated, CPU 0 first, each padded
 * to a multiple of 8 bytes, {@link #userValueSize()} bytes in all. Prog arrays and maps of
 * maps take the {@link #fd()} of a program or map as their 4-byte value and give back its
 * id (in the emulator, the same number). Queues and stacks have no key (pass
 * {@code new byte[0]}): lookup peeks, update pushes, {@link #lookupAndDelete} pops. A
 * bloom filter's lookup takes the value to test in place of the key. Ring buffers and
 * perf event arrays are read with {@link #consume()}.
 */
public interface MapHandle {
    /** One key and its value. */
    record Entry(byte[] key, byte[] value) {
    }

    /** libbpf's name of the map. */
    String name();

    /** The definition it was created from. */
    MapSpec spec();

    /** The byte order of keys and values (the object's). */
    ByteOrder byteOrder();

    /** The value of {@code key}, or empty when absent. {@code -EINVAL} for a key of the wrong size. */
    Optional<byte[]> lookup(byte[] key);

    /**
     * Creates or replaces the value of {@code key}: {@code -EEXIST} (NOEXIST, key present),
     * {@code -ENOENT} (EXIST, key absent), {@code -E2BIG} (map full, or an array index out
     * of range), {@code -EINVAL} (wrong sizes), {@code -EPERM} (frozen map, e.g. .rodata).
     */
    void update(byte[] key, byte[] value, UpdateFlag flag);

    /** Removes {@code key}: {@code -ENOENT} when absent, {@code -EINVAL} for arrays. */
    void delete(byte[] key);

    /** The keys in iteration order (BPF_MAP_GET_NEXT_KEY order). */
    List<byte[]> keys();

    /**
     * BPF_MAP_LOOKUP_AND_DELETE_ELEM: removes {@code key} and returns the value it had, or
     * empty when absent; a queue or stack pops. The default looks up, then deletes (not
     * atomically); backends with the kernel's operation override it.
     */
    default Optional<byte[]> lookupAndDelete(byte[] key) {
        Optional<byte[]> v = lookup(key);
        if (v.isPresent())
            delete(key);
        return v;
    }

    /**
     * The map's file descriptor: the value that puts it into a map of maps. {@code -ENOTSUPP}
     * where the backend has none.
     */
    default int fd() {
        throw new BackendException(-BackendException.ENOTSUPP, "map '" + name() + "' has no file descriptor in this backend");
    }

    /**
     * Bytes of a value as user space reads and writes it: {@link MapSpec#valueSize()}, except
     * for per-CPU maps: {@code round_up(value_size, 8) * CPUs}.
     */
    default int userValueSize() {
        return spec().valueSize();
    }

    /**
     * Takes the records a ring buffer (or perf event array) holds, oldest first, as a
     * consumer would: each record once. {@code -EINVAL} for other maps.
     */
    default List<TestRunResult.OutputRecord> consume() {
        throw new BackendException(-BackendException.EINVAL, "map '" + name() + "' is not a ring buffer");
    }

    /** The keys with their values, in iteration order. */
    default List<Entry> entries() {
        var out = new ArrayList<Entry>();
        for (byte[] k : keys())
            lookup(k).ifPresent(v -> out.add(new Entry(k, v)));
        return out;
    }

    default void update(byte[] key, byte[] value) {
        update(key, value, UpdateFlag.ANY);
    }

    /**
     * This map seen through its BTF types, {@code spec} being the object it was loaded from:
     * {@code obj.map("flows").typed(open.spec()).lookup(Map.of("proto", 6))}. See {@link TypedMap}.
     *
     * @throws UntypedMapException when BTF does not type the map
     */
    default TypedMap typed(dev.bpf4j.loader.ObjectSpec spec) {
        return TypedMap.of(this, spec);
    }

    /** {@code n} as a key of the map's key size (1, 2, 4 or 8 bytes) in its byte order. */
    default byte[] key(long n) {
        return encode(n, spec().keySize(), byteOrder());
    }

    /** {@code n} as a value of the map's value size (1, 2, 4 or 8 bytes) in its byte order. */
    default byte[] value(long n) {
        return encode(n, spec().valueSize(), byteOrder());
    }

    /** The value of integer key {@code key} read as an unsigned integer, or empty. */
    default OptionalLong lookupLong(long key) {
        Optional<byte[]> v = lookup(key(key));
        return v.isPresent() ? OptionalLong.of(decode(v.get(), byteOrder())) : OptionalLong.empty();
    }

    /** The value of integer key {@code key}, or empty. */
    default Optional<byte[]> lookup(long key) {
        return lookup(key(key));
    }

    /** Encodes {@code n} in {@code size} (1, 2, 4 or 8) bytes. */
    static byte[] encode(long n, int size, ByteOrder order) {
        ByteBuffer b = ByteBuffer.allocate(size).order(order);
        switch (size) {
            case 1: b.put((byte) n); break;
            case 2: b.putShort((short) n); break;
            case 4: b.putInt((int) n); break;
            case 8: b.putLong(n); break;
            default: throw new IllegalArgumentException("not an integer size: " + size + " bytes");
        }
        return b.array();
    }

    /** Decodes a 1, 2, 4 or 8-byte unsigned integer. */
    static long decode(byte[] bytes, ByteOrder order) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(order);
        switch (bytes.length) {
            case 1: return b.get() & 0xffL;
            case 2: return b.getShort() & 0xffffL;
            case 4: return b.getInt() & 0xffffffffL;
            case 8: return b.getLong();
            default: throw new IllegalArgumentException("not an integer size: " + bytes.length + " bytes");
        }
    }
}
