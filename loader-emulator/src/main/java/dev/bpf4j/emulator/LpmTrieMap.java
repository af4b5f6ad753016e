package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.loader.MapSpec;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * BPF_MAP_TYPE_LPM_TRIE: keys are {@code struct bpf_lpm_trie_key_u8} (a u32 prefix length
 * in the object's byte order, then {@code key_size - 4} bytes of data, most significant bit
 * first). A lookup returns the value of the longest stored prefix that matches the key's
 * first {@code prefixlen} bits; updates and deletes name a prefix exactly. As in the kernel:
 * a prefix length past {@code 8 * data size} is {@code -EINVAL}, a new prefix when full
 * {@code -ENOSPC}, BPF_NOEXIST/BPF_EXIST {@code -EEXIST}/{@code -ENOENT}; the bits past the
 * prefix are kept as last written (the kernel copies the whole key) but never compared.
 *
 * <p>Prefixes are indexed by (length, masked data), lookups try the stored lengths from the
 * longest down; iteration follows the kernel's trie_get_next_key: a post-order walk of the
 * trie, so a longer prefix comes before the shorter prefixes that contain it, and where two
 * prefixes first differ, the one with a 0 bit comes first.
 */
final class LpmTrieMap extends EmulatorMap {
    /** A prefix: its length and its data with the bits past the length cleared. */
    private record Prefix(int length, byte[] masked) implements Comparable<Prefix> {
        @Override
        public boolean equals(Object o) {
            return o instanceof Prefix p && p.length == length && Arrays.equals(p.masked, masked);
        }

        @Override
        public int hashCode() {
            return length * 31 + Arrays.hashCode(masked);
        }

        /** Post-order of the binary trie. */
        @Override
        public int compareTo(Prefix o) {
            int common = Math.min(length, o.length);
            for (int i = 0; i < common; i++) {
                int a = bit(masked, i), b = bit(o.masked, i);
                if (a != b)
                    return a - b;
            }
            return Integer.compare(o.length, length); // the descendant (longer) first
        }
    }

    private record Entry(byte[] key, int slot) {
    }

    private final int dataSize;
    private final Region values;
    private final Map<Prefix, Entry> index = new HashMap<>();
    private final TreeMap<Prefix, Entry> order = new TreeMap<>();
    /** How many stored prefixes have each length. */
    private final int[] lengths;
    private final BitSet usedLengths = new BitSet();
    private final ArrayDeque<Integer> free = new ArrayDeque<>();

    LpmTrieMap(EmulatorObject owner, MapSpec spec) {
        super(owner, spec);
        this.dataSize = spec.keySize() - 4;
        this.lengths = new int[dataSize * 8 + 1];
        this.values = map(spec.name(), new byte[Math.multiplyExact(stride, spec.maxEntries())],
                (spec.flags() & MapSpec.F_RDONLY_PROG) == 0);
        for (int i = 0; i < spec.maxEntries(); i++)
            free.add(i);
    }

    static int bit(byte[] data, int i) {
        return (data[i >>> 3] >>> (7 - (i & 7))) & 1;
    }

    private long prefixLength(byte[] key) {
        return ByteBuffer.wrap(key).order(byteOrder()).getInt(0) & 0xffffffffL;
    }

    private static Prefix prefix(byte[] key, int length) {
        byte[] d = Arrays.copyOfRange(key, 4, key.length);
        for (int i = 0; i < d.length * 8; i++)
            if (i >= length)
                d[i >>> 3] &= (byte) ~(0x80 >>> (i & 7));
        return new Prefix(length, d);
    }

    @Override
    long lookupAddress(byte[] key, VmState s) {
        long len = prefixLength(key);
        if (len > dataSize * 8L)
            return 0;
        synchronized (lock) {
            for (int l = usedLengths.previousSetBit((int) len); l >= 0; l = usedLengths.previousSetBit(l - 1)) {
                Entry e = index.get(prefix(key, l));
                if (e != null)
                    return values.base() + (long) e.slot * stride;
            }
        }
        return 0;
    }

    /** The stored key of the prefix whose value is at {@code address}: a lookup returns the longest matching prefix's value. */
    @Override
    byte[] elementKey(long address, byte[] lookupKey) {
        synchronized (lock) {
            long slot = (address - values.base()) / stride;
            for (Entry e : index.values())
                if (e.slot == slot)
                    return e.key.clone();
        }
        return lookupKey;
    }

    @Override
    int update(byte[] key, byte[] value, long flags, VmState s) {
        if (flags < 0 || flags > 2)
            return -BackendException.EINVAL;
        if (s != null && !values.writable())
            return -BackendException.EPERM;
        long len = prefixLength(key);
        if (len > dataSize * 8L)
            return -BackendException.EINVAL;
        Prefix p = prefix(key, (int) len);
        synchronized (lock) {
            Entry e = index.get(p);
            if (e != null && flags == 1)
                return -BackendException.EEXIST;
            if (e == null && flags == 2)
                return -BackendException.ENOENT;
            byte[] old = null;
            int slot;
            if (e == null) {
                if (free.isEmpty())
                    return -BackendException.ENOSPC;
                slot = free.poll();
                if (lengths[(int) len]++ == 0)
                    usedLengths.set((int) len);
            } else {
                slot = e.slot;
                old = read(slot);
            }
            Entry n = new Entry(key.clone(), slot);
            index.put(p, n);
            order.put(p, n);
            System.arraycopy(value, 0, values.bytes(), slot * stride, spec.valueSize());
            updated(MapObserver.Change.UPDATE_ELEM, key, old, value, flags, s);
        }
        return 0;
    }

    private byte[] read(int slot) {
        return Arrays.copyOfRange(values.bytes(), slot * stride, slot * stride + spec.valueSize());
    }

    @Override
    int delete(byte[] key, VmState s) {
        long len = prefixLength(key);
        if (len > dataSize * 8L)
            return -BackendException.EINVAL;
        Prefix p = prefix(key, (int) len);
        synchronized (lock) {
            Entry e = index.remove(p);
            if (e == null)
                return -BackendException.ENOENT;
            order.remove(p);
            if (--lengths[(int) len] == 0)
                usedLengths.clear((int) len);
            free.add(e.slot);
            deleted(MapObserver.Change.DELETE_ELEM, e.key, read(e.slot), s);
        }
        return 0;
    }

    @Override
    List<byte[]> keyList() {
        synchronized (lock) {
            var out = new ArrayList<byte[]>(order.size());
            for (Entry e : order.values())
                out.add(e.key.clone());
            return out;
        }
    }

}
