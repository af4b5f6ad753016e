package dev.bpf4j.linux;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.UpdateFlag;
import dev.bpf4j.loader.MapSpec;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A map in the kernel, used through its file descriptor with the element commands of bpf(2).
 * Sizes and per-CPU values follow {@link MapHandle}'s conventions, which are the syscall's:
 * a per-CPU value is {@code round_up(value_size, 8)} bytes per possible CPU. Every operation
 * holds the object's lock against {@link LinuxObject#close()}, so that no operation reaches a
 * descriptor number the process may already have reused.
 *
 * <pre>{@code
 * LinuxMap counts = (LinuxMap) obj.map("pkt_count");
 * System.out.println("map id " + counts.id());       // as bpftool map show prints it
 * }</pre>
 */
public final class LinuxMap implements MapHandle {
    private final LinuxObject owner;
    private final MapSpec spec;
    private final int fd;
    private final int userValueSize;
    private final Path pinPath;
    private final boolean reused;

    LinuxMap(LinuxObject owner, MapSpec spec, int fd, int possibleCpus, Path pinPath, boolean reused) {
        this.owner = owner;
        this.spec = spec;
        this.fd = fd;
        this.pinPath = pinPath;
        this.reused = reused;
        this.userValueSize = perCpu(spec) ? (spec.valueSize() + 7) / 8 * 8 * possibleCpus : spec.valueSize();
    }

    static boolean perCpu(MapSpec spec) {
        return switch (spec.type()) {
            case PERCPU_ARRAY, PERCPU_HASH, LRU_PERCPU_HASH, PERCPU_CGROUP_STORAGE -> true;
            default -> false;
        };
    }

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public MapSpec spec() {
        return spec;
    }

    @Override
    public ByteOrder byteOrder() {
        return ByteOrder.nativeOrder();
    }

    @Override
    public int fd() {
        return owner.withOpen(this, () -> fd);
    }

    /** The fd without the open check, for the owner's own bookkeeping. */
    int rawFd() {
        return fd;
    }

    /** The kernel's id of the map, as {@code bpftool map show} lists it. */
    public int id() {
        return owner.kernelId(this, fd);
    }

    /** Where the map is pinned ({@code <pin root>/<name>} for {@code LIBBPF_PIN_BY_NAME} maps), or empty. */
    public Optional<Path> pinPath() {
        return Optional.ofNullable(pinPath);
    }

    /** Whether the load found the map pinned already and used that one instead of creating it. */
    public boolean reused() {
        return reused;
    }

    /**
     * Removes the pin, as libbpf's {@code bpf_map__unpin}: the map then lives only as long as
     * descriptors and programs hold it. Does nothing for a map that is not pinned.
     */
    public void unpin() {
        if (pinPath == null)
            return;
        try {
            Files.deleteIfExists(pinPath);
        } catch (IOException e) {
            throw new BackendException(-BackendException.EACCES, this + ": cannot unpin " + pinPath + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int userValueSize() {
        return userValueSize;
    }

    @Override
    public Optional<byte[]> lookup(byte[] key) {
        return owner.withOpen(this, () -> {
            byte[] k = checkKey(key);
            byte[] v = new byte[userValueSize];
            long r = owner.bpf().lookup(fd, k, v, 0);
            if (r == -Errno.ENOENT)
                return Optional.<byte[]>empty();
            check(BpfCommand.MAP_LOOKUP_ELEM, r);
            return Optional.of(v);
        });
    }

    @Override
    public void update(byte[] key, byte[] value, UpdateFlag flag) {
        owner.withOpen(this, () -> {
            byte[] k = checkKey(key);
            if (value == null || value.length != userValueSize)
                throw new BackendException(-BackendException.EINVAL, "map '" + name() + "': value of "
                        + (value == null ? "null" : value.length + " bytes") + ", expected " + userValueSize);
            check(BpfCommand.MAP_UPDATE_ELEM, owner.bpf().update(fd, k, value, flag.value()), " with " + flag);
            return null;
        });
    }

    @Override
    public void delete(byte[] key) {
        owner.withOpen(this, () -> {
            check(BpfCommand.MAP_DELETE_ELEM, owner.bpf().delete(fd, checkKey(key)));
            return null;
        });
    }

    @Override
    public Optional<byte[]> lookupAndDelete(byte[] key) {
        return owner.withOpen(this, () -> {
            byte[] k = checkKey(key);
            byte[] v = new byte[userValueSize];
            long r = owner.bpf().lookupAndDelete(fd, k, v);
            if (r == -Errno.ENOENT)
                return Optional.<byte[]>empty();
            check(BpfCommand.MAP_LOOKUP_AND_DELETE_ELEM, r);
            return Optional.of(v);
        });
    }

    /** BPF_MAP_GET_NEXT_KEY from no key until {@code -ENOENT}. */
    @Override
    public List<byte[]> keys() {
        return owner.withOpen(this, () -> {
            List<byte[]> out = new ArrayList<>();
            byte[] prev = null;
            // a hash map may hand out at most max_entries keys; more means it changed under us, as bpftool stops too
            for (long n = 0; n <= Integer.toUnsignedLong(spec.maxEntries()); n++) {
                byte[] next = new byte[spec.keySize()];
                long r = owner.bpf().nextKey(fd, prev, next);
                if (r == -Errno.ENOENT)
                    break;
                check(BpfCommand.MAP_GET_NEXT_KEY, r);
                out.add(next);
                prev = next;
            }
            return out;
        });
    }

    /** Elements fetched per BPF_MAP_LOOKUP_BATCH call, at first; doubled when a hash bucket holds more. */
    static final int BATCH = 256;

    /**
     * The entries in iteration order, fetched with BPF_MAP_LOOKUP_BATCH (Linux 5.6) where the
     * map type has it, many per system call; else, as the default, key by key.
     */
    @Override
    public List<Entry> entries() {
        return owner.withOpen(this, () -> {
            List<Entry> batched = batchedEntries();
            return batched != null ? batched : MapHandle.super.entries();
        });
    }

    /** The entries by batches, or null when the map type (or kernel) has no batch lookup. */
    private List<Entry> batchedEntries() {
        int keySize = spec.keySize();
        if (keySize == 0)
            return null;
        List<Entry> out = new ArrayList<>();
        // the position token is a bucket index (hash maps) or a key (arrays): room for either
        byte[] position = null, next = new byte[Math.max(8, keySize)];
        int room = (int) Math.min(BATCH, Math.max(1, Integer.toUnsignedLong(spec.maxEntries())));
        int[] errno = new int[1];
        while (true) {
            byte[] keys = new byte[room * keySize];
            byte[] values = new byte[room * userValueSize];
            Bpf.Batch b = owner.bpf().lookupBatch(fd, position, next, keys, values, room, errno);
            if (b == null) {
                if (errno[0] == Errno.ENOSPC && room < (1 << 20)) {
                    room *= 2;                 // a hash bucket with more elements than room
                    continue;
                }
                boolean unsupported = errno[0] == Errno.EINVAL || errno[0] == Errno.ENOTSUPP || errno[0] == Errno.EOPNOTSUPP;
                if (unsupported && out.isEmpty())
                    return null;
                throw Bpf.failure(BpfCommand.MAP_LOOKUP_BATCH, toString(), -errno[0]);
            }
            for (int i = 0; i < b.count(); i++)
                out.add(new Entry(Arrays.copyOfRange(keys, i * keySize, (i + 1) * keySize),
                        Arrays.copyOfRange(values, i * userValueSize, (i + 1) * userValueSize)));
            if (b.last())
                return out;
            position = next.clone();
        }
    }

    private byte[] checkKey(byte[] key) {
        int n = key == null ? 0 : key.length;
        if (n != spec.keySize())
            throw new BackendException(-BackendException.EINVAL, "map '" + name() + "': key of "
                    + (key == null ? "null" : key.length + " bytes") + ", expected " + spec.keySize());
        return key == null ? new byte[0] : Arrays.copyOf(key, n);
    }

    private void check(BpfCommand cmd, long r) {
        check(cmd, r, "");
    }

    private void check(BpfCommand cmd, long r, String detail) {
        if (r < 0)
            throw Bpf.failure(cmd, this + detail, r);
    }

    @Override
    public String toString() {
        return spec.type().libbpfName() + " map '" + name() + "'";
    }
}
