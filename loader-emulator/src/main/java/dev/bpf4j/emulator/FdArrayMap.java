package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.MapType;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * BPF_MAP_TYPE_PROG_ARRAY and ARRAY_OF_MAPS: arrays of programs or maps, filled from user
 * space with their {@link EmulatorMap#fd fds} (or at load from the BTF {@code .values}
 * initialisers). As the kernel's fd arrays: updates only with BPF_ANY ({@code -EINVAL}
 * otherwise), an index past the end is {@code -E2BIG}, deleting an empty slot {@code -ENOENT};
 * a syscall lookup returns the program's or map's id (here its fd); an fd that names
 * nothing is {@code -EBADF}, one of the wrong kind or an incompatible map {@code -EINVAL}.
 * A program's lookup in a map of maps returns the inner map (its handle address), which it
 * may pass to the map helpers. All programs of one prog array must have the same type.
 */
final class FdArrayMap extends EmulatorMap {
    private final AtomicReferenceArray<Object> slots;
    private final boolean programs;

    FdArrayMap(EmulatorObject owner, MapSpec spec) {
        super(owner, spec);
        this.programs = spec.type() == MapType.PROG_ARRAY;
        this.slots = new AtomicReferenceArray<>(spec.maxEntries());
    }

    /** bpf_map_meta_equal: an inner map must match the template's type, sizes and flags (and max_entries, without BPF_F_INNER_MAP). */
    static boolean compatible(MapSpec template, EmulatorMap m) {
        MapSpec s = m.spec;
        return s.type() == template.type() && s.keySize() == template.keySize() && s.valueSize() == template.valueSize()
                && s.flags() == template.flags()
                && ((template.flags() & MapChecks.F_INNER_MAP) != 0 || s.maxEntries() == template.maxEntries());
    }

    /** The map that a map of maps' value {@code fd} names, or a negative errno as an Integer. */
    static Object innerMap(EmulatorMap outer, byte[] value) {
        Object o = outer.owner.byFd((int) outer.u32(value));
        if (o == null)
            return -BackendException.EBADF;
        if (!(o instanceof EmulatorMap m) || !compatible(outer.spec.innerMap(), m))
            return -BackendException.EINVAL;
        return m;
    }

    /** The program at {@code index}, or null: what bpf_tail_call jumps to. */
    EmulatorProgram program(long index) {
        return index < slots.length() && programs ? (EmulatorProgram) slots.get((int) index) : null;
    }

    @Override
    long lookupAddress(byte[] key, VmState s) {
        long i = u32(key);
        if (i >= slots.length() || programs)
            return 0;
        Object o = slots.get((int) i);
        return o == null ? 0 : ((EmulatorMap) o).handle.base();
    }

    @Override
    byte[] userLookup(byte[] key) {
        long i = u32(key);
        Object o = i < slots.length() ? slots.get((int) i) : null;
        if (o == null)
            return null;
        return u32Bytes(o instanceof EmulatorMap m ? m.fd : ((EmulatorProgram) o).fd());
    }

    @Override
    int update(byte[] key, byte[] value, long flags, VmState s) {
        if (flags != 0)
            return -BackendException.EINVAL;
        long i = u32(key);
        if (i >= slots.length())
            return -BackendException.E2BIG;
        Object target;
        if (programs) {
            Object o = owner.byFd((int) u32(value));
            if (o == null)
                return -BackendException.EBADF;
            if (!(o instanceof EmulatorProgram p))
                return -BackendException.EINVAL;
            target = p;
        } else {
            target = innerMap(this, value);
            if (target instanceof Integer e)
                return e;
        }
        synchronized (lock) {
            if (programs)
                for (int j = 0; j < slots.length(); j++) {
                    Object o = slots.get(j);
                    if (o != null && ((EmulatorProgram) o).type() != ((EmulatorProgram) target).type())
                        return -BackendException.EINVAL;
                }
            byte[] old = observed() ? userLookup(key) : null;
            slots.set((int) i, target);
            updated(MapObserver.Change.UPDATE_ELEM, key, old, value, flags, s);
        }
        return 0;
    }

    @Override
    int delete(byte[] key, VmState s) {
        long i = u32(key);
        if (i >= slots.length())
            return -BackendException.E2BIG;
        synchronized (lock) {
            byte[] old = userLookup(key);
            if (old == null)
                return -BackendException.ENOENT;
            slots.set((int) i, null);
            deleted(MapObserver.Change.DELETE_ELEM, key, old, s);
        }
        return 0;
    }

    @Override
    List<byte[]> keyList() {
        var out = new ArrayList<byte[]>(slots.length());
        for (int i = 0; i < slots.length(); i++)
            out.add(key(i));
        return out;
    }
}
