package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.loader.MapSpec;

import java.util.List;

/**
 * BPF_MAP_TYPE_BLOOM_FILTER: push (helper 87, or a syscall update; BPF_ANY only, else
 * {@code -EINVAL}) adds a value, peek (helper 89, or a syscall lookup whose "key" is the
 * value) answers 0 for "maybe present" and {@code -ENOENT} for "certainly absent": no
 * false negatives, false positives at the rate of the kernel's sizing (a bit array of
 * {@code max_entries * k * 7 / 5} bits rounded up to a power of two, at least 64, with
 * {@code k = map_extra & 0xf} hash functions, 5 when 0). Deletes and key iteration are
 * {@code -EOPNOTSUPP}. The hash seed is the configuration's random seed (0 with
 * BPF_F_ZERO_SEED).
 */
final class BloomFilterMap extends EmulatorMap {
    private final long[] bits;
    private final long mask;
    private final int hashes;
    private final int seed;

    BloomFilterMap(EmulatorObject owner, MapSpec spec) {
        super(owner, spec);
        long n = bitCount(spec);
        this.bits = new long[(int) Math.max(1, n / 64)];
        this.mask = n - 1;
        this.hashes = hashCount(spec);
        this.seed = (spec.flags() & MapChecks.F_ZERO_SEED) != 0 ? 0 : (int) owner.config.randomSeed() ^ 0x5bd1e995;
    }

    static int hashCount(MapSpec spec) {
        int k = (int) (spec.mapExtra() & 0xf);
        return k == 0 ? 5 : k;
    }

    /** The kernel's bit array size: max_entries * k * 7 / 5, a power of two of at least 64, at most 2^32. */
    static long bitCount(MapSpec spec) {
        long n = (spec.maxEntries() & 0xffffffffL) * hashCount(spec);
        n = n / 5 * 7;
        if (n > 1L << 31)
            return 1L << 32;
        return n <= 64 ? 64 : Long.highestOneBit(n - 1) << 1;
    }

    private long hash(byte[] value, int i) {
        int h = seed + i;
        for (byte b : value) {
            h ^= b & 0xff;
            h *= 0x01000193;
        }
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        return (h & 0xffffffffL) & mask;
    }

    @Override
    long lookupAddress(byte[] key, VmState s) {
        return 0;
    }

    @Override
    int push(byte[] value, long flags, VmState s) {
        if (flags != 0)
            return -BackendException.EINVAL;
        synchronized (lock) {
            for (int i = 0; i < hashes; i++) {
                long b = hash(value, i);
                bits[(int) (b >>> 6)] |= 1L << b;
            }
            updated(MapObserver.Change.PUSH, new byte[0], null, value, flags, s);
        }
        return 0;
    }

    /** bpf_map_peek_elem: 0 when {@code value} may be present, {@code -ENOENT} when it is not. */
    int peek(byte[] value) {
        synchronized (lock) {
            for (int i = 0; i < hashes; i++) {
                long b = hash(value, i);
                if ((bits[(int) (b >>> 6)] & 1L << b) == 0)
                    return -BackendException.ENOENT;
            }
        }
        return 0;
    }

    @Override
    int pop(byte[] out, boolean remove, VmState s) {
        return remove ? -BackendException.EOPNOTSUPP : peek(out);
    }

    @Override
    int update(byte[] key, byte[] value, long flags, VmState s) {
        return push(value, flags, s);
    }

    @Override
    int delete(byte[] key, VmState s) {
        return -BackendException.EOPNOTSUPP;
    }

    /** The argument is the value to test (the syscall passes it in the value buffer, with no key). */
    @Override
    void checkKey(byte[] key) {
        if (key == null || key.length != spec.valueSize())
            throw new BackendException(-BackendException.EINVAL, "bloom filter '" + name() + "': lookups take a value of "
                    + spec.valueSize() + " bytes, got " + (key == null ? "null" : key.length + " bytes"));
    }

    @Override
    public void update(byte[] key, byte[] value, dev.bpf4j.backend.UpdateFlag flag) {
        super.update(value, value, flag);
    }

    @Override
    byte[] userLookup(byte[] value) {
        return peek(value) == 0 ? value.clone() : null;
    }

    @Override
    List<byte[]> keyList() {
        throw error(-BackendException.EOPNOTSUPP, "key iteration");
    }
}
