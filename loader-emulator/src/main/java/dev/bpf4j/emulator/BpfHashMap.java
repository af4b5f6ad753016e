package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.loader.MapSpec;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * BPF_MAP_TYPE_HASH. As the kernel's preallocated hash map, it owns {@code max_entries}
 * value slots (one region) and a free list: a new key takes a free slot, a deleted key
 * returns it, so a pointer from an earlier lookup stays a valid address (and may see a
 * later element's value, as in the kernel). BPF_NOEXIST on a present key: {@code -EEXIST};
 * BPF_EXIST on an absent one: {@code -ENOENT}; a new key when full: {@code -E2BIG}.
 * Iteration is in insertion order (the kernel's is bucket order).
 */
final class BpfHashMap extends EmulatorMap {
    /** A key with value semantics. */
    private record Key(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key && Arrays.equals(bytes, ((Key) o).bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    private final Region values;
    private final LinkedHashMap<Key, Integer> slots = new LinkedHashMap<>();
    private final ArrayDeque<Integer> free = new ArrayDeque<>();

    BpfHashMap(EmulatorObject owner, MapSpec spec) {
        super(owner, spec);
        this.values = owner.memory.map(spec.name(), new byte[Math.multiplyExact(stride, spec.maxEntries())],
                (spec.flags() & MapSpec.F_RDONLY_PROG) == 0);
        for (int i = 0; i < spec.maxEntries(); i++)
            free.add(i);
    }

    @Override
    long lookupAddress(byte[] key) {
        Integer s = slots.get(new Key(key));
        return s == null ? 0 : values.base() + (long) s * stride;
    }

    @Override
    int update(byte[] key, byte[] value, long flags, boolean fromProgram) {
        if (checkFlags(flags) != 0)
            return -BackendException.EINVAL;
        if (fromProgram && !values.writable())
            return -BackendException.EPERM;
        long f = flags & ~F_LOCK;
        Key k = new Key(key.clone());
        Integer s = slots.get(k);
        if (s != null && f == 1)
            return -BackendException.EEXIST;
        if (s == null && f == 2)
            return -BackendException.ENOENT;
        if (s == null) {
            if (free.isEmpty())
                return -BackendException.E2BIG;
            s = free.poll();
            slots.put(k, s);
        }
        System.arraycopy(value, 0, values.bytes(), s * stride, spec.valueSize());
        return 0;
    }

    @Override
    int delete(byte[] key, boolean fromProgram) {
        Integer s = slots.remove(new Key(key));
        if (s == null)
            return -BackendException.ENOENT;
        free.add(s);
        return 0;
    }

    @Override
    List<byte[]> keyList() {
        var out = new ArrayList<byte[]>(slots.size());
        for (Key k : slots.keySet())
            out.add(k.bytes().clone());
        return out;
    }

    @Override
    List<Region> regions() {
        return List.of(handle, values);
    }
}
