package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.MapType;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH and LRU_PERCPU_HASH (and, through subclasses,
 * HASH_OF_MAPS and DEVMAP_HASH). As the kernel's preallocated hash map, it owns
 * {@code max_entries} value slots (one region; per-CPU maps: one value per CPU per slot)
 * and a free list: a new key takes a free slot, a deleted key returns it, so a pointer from
 * an earlier lookup stays a valid address (and may see a later element's value, as in the
 * kernel). BPF_NOEXIST on a present key: {@code -EEXIST}; BPF_EXIST on an absent one:
 * {@code -ENOENT}; a new key when full: {@code -E2BIG}, except in LRU maps, which evict
 * the least recently used element (a program's lookup or update is a use; a syscall
 * lookup is not, as in the kernel). Iteration is in insertion order, LRU maps' least
 * recently used first (the kernel's is bucket order).
 *
 * <p>Per-CPU maps: a program's update of an existing key writes its CPU's value only; a new
 * key gets the value on the program's CPU and zeros elsewhere, as {@code pcpu_init_value}.
 */
class BpfHashMap extends EmulatorMap {
    /** A key with value semantics. */
    record Key(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key && Arrays.equals(bytes, ((Key) o).bytes);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(bytes);
        }
    }

    final Region values;
    private final boolean percpu;
    private final boolean lru;
    private final int copies;
    private final LinkedHashMap<Key, Integer> slots = new LinkedHashMap<>();
    private final ArrayDeque<Integer> free = new ArrayDeque<>();

    BpfHashMap(EmulatorObject owner, MapSpec spec) {
        this(owner, spec, (spec.flags() & MapSpec.F_RDONLY_PROG) == 0);
    }

    BpfHashMap(EmulatorObject owner, MapSpec spec, boolean programWritable) {
        super(owner, spec);
        MapType t = spec.type();
        this.percpu = t == MapType.PERCPU_HASH || t == MapType.LRU_PERCPU_HASH;
        this.lru = t == MapType.LRU_HASH || t == MapType.LRU_PERCPU_HASH;
        this.copies = percpu ? cpus() : 1;
        this.values = map(spec.name(), new byte[Math.multiplyExact(Math.multiplyExact(stride, spec.maxEntries()), copies)],
                programWritable);
        for (int i = 0; i < spec.maxEntries(); i++)
            free.add(i);
    }

    @Override
    boolean perCpu() {
        return percpu;
    }

    private int offset(int slot, int cpu) {
        return (slot * copies + cpu) * stride;
    }

    /** Checks (and may normalise in place) a value before it is stored; 0 or a negative errno. */
    int checkValue(byte[] value, VmState s) {
        return 0;
    }

    /** The slot of {@code key}, or null; a program's use refreshes an LRU element. Callers hold the lock. */
    private Integer slot(byte[] key, boolean use) {
        Key k = new Key(key);
        Integer s = slots.get(k);
        if (s != null && use && lru) {
            slots.remove(k);
            slots.put(k, s);
        }
        return s;
    }

    @Override
    long lookupAddress(byte[] key, VmState s) {
        synchronized (lock) {
            Integer slot = slot(key, s != null);
            return slot == null ? 0 : values.base() + offset(slot, s == null || !percpu ? 0 : s.cpu());
        }
    }

    /** The address of {@code key}'s value on {@code cpu} without counting a use (for_each, lookup_percpu_elem), or 0. */
    long peekAddress(byte[] key, int cpu) {
        if (cpu >= copies)
            return 0;
        synchronized (lock) {
            Integer slot = slots.get(new Key(key));
            return slot == null ? 0 : values.base() + offset(slot, cpu);
        }
    }

    @Override
    long elementAddress(byte[] key, int cpu) {
        return peekAddress(key, percpu ? cpu : 0);
    }

    @Override
    byte[] userLookup(byte[] key) {
        synchronized (lock) {
            Integer slot = slots.get(new Key(key));
            return slot == null ? null : userValue(slot);
        }
    }

    private byte[] userValue(int slot) {
        if (!percpu)
            return Arrays.copyOfRange(values.bytes(), offset(slot, 0), offset(slot, 0) + spec.valueSize());
        byte[] out = new byte[userValueSize()];
        for (int c = 0; c < copies; c++)
            System.arraycopy(values.bytes(), offset(slot, c), out, c * stride, spec.valueSize());
        return out;
    }

    private byte[] cpuValue(int slot, int cpu) {
        return Arrays.copyOfRange(values.bytes(), offset(slot, cpu), offset(slot, cpu) + spec.valueSize());
    }

    @Override
    int update(byte[] key, byte[] value, long flags, VmState s) {
        if (checkFlags(flags) != 0)
            return -BackendException.EINVAL;
        if (s != null && !values.writable())
            return -BackendException.EPERM;
        int bad = checkValue(value, s);
        if (bad != 0)
            return bad;
        long f = flags & ~F_LOCK;
        synchronized (lock) {
            Integer slot = slot(key, false);
            if (slot != null && f == 1)
                return -BackendException.EEXIST;
            if (slot == null && f == 2)
                return -BackendException.ENOENT;
            if (slot != null)
                slot(key, true); // a successful update is a use, from user space too (the kernel sets the new node's ref bit)
            byte[] old = null;
            if (slot == null) {
                if (free.isEmpty()) {
                    if (!lru)
                        return -BackendException.E2BIG;
                    evictOldest(s);
                }
                slot = free.poll();
                slots.put(new Key(key.clone()), slot);
                if (percpu)
                    Arrays.fill(values.bytes(), offset(slot, 0), offset(slot, copies), (byte) 0);
            } else if (observed()) {
                old = s == null || !percpu ? userValue(slot) : cpuValue(slot, s.cpu());
            }
            if (!percpu)
                System.arraycopy(value, 0, values.bytes(), offset(slot, 0), spec.valueSize());
            else if (s != null)
                System.arraycopy(value, 0, values.bytes(), offset(slot, s.cpu()), spec.valueSize());
            else
                for (int c = 0; c < copies; c++)
                    System.arraycopy(value, c * stride, values.bytes(), offset(slot, c), spec.valueSize());
            updated(MapObserver.Change.UPDATE_ELEM, key, old, value, flags, s);
            return 0;
        }
    }

    private void evictOldest(VmState s) {
        Iterator<Map.Entry<Key, Integer>> it = slots.entrySet().iterator();
        Map.Entry<Key, Integer> e = it.next();
        byte[] old = observed() ? userValue(e.getValue()) : null;
        it.remove();
        free.add(e.getValue());
        deleted(MapObserver.Change.EVICT, e.getKey().bytes(), old, s);
    }

    @Override
    int delete(byte[] key, VmState s) {
        synchronized (lock) {
            return remove(key, s) == null ? -BackendException.ENOENT : 0;
        }
    }

    /** Removes {@code key}; returns its user-space value, or null when absent. Callers hold the lock. */
    private byte[] remove(byte[] key, VmState s) {
        Integer slot = slots.remove(new Key(key));
        if (slot == null)
            return null;
        byte[] old = userValue(slot);
        free.add(slot);
        deleted(MapObserver.Change.DELETE_ELEM, key, old, s);
        return old;
    }

    @Override
    byte[] userLookupAndDelete(byte[] key) {
        synchronized (lock) {
            return remove(key, null);
        }
    }

    @Override
    List<byte[]> keyList() {
        synchronized (lock) {
            var out = new ArrayList<byte[]>(slots.size());
            for (Key k : slots.keySet())
                out.add(k.bytes().clone());
            return out;
        }
    }

    /** The number of elements. */
    int size() {
        synchronized (lock) {
            return slots.size();
        }
    }

}
