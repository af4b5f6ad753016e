package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.loader.MapKind;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.MapType;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * BPF_MAP_TYPE_ARRAY and PERCPU_ARRAY, and libbpf's internal maps for global data (.data,
 * .rodata, .bss, .kconfig: one-element arrays whose value is the section). All values sit
 * in one region, {@code stride} bytes apart (a per-CPU array: CPU {@code c}'s values from
 * {@code c * max_entries * stride}); every index always exists: updates with BPF_NOEXIST
 * fail with {@code -EEXIST}, deletes with {@code -EINVAL}, an index past the end gives
 * {@code -E2BIG}. .rodata and .kconfig maps are frozen (user updates: {@code -EPERM}) and
 * read-only to programs, as libbpf leaves them; so is any map with BPF_F_RDONLY_PROG.
 * Lookups take no lock: an index is an address.
 */
final class ArrayMap extends EmulatorMap {
    private final Region values;
    private final boolean frozen;
    private final boolean percpu;
    private final int max;

    ArrayMap(EmulatorObject owner, MapSpec spec) {
        super(owner, spec);
        this.percpu = spec.type() == MapType.PERCPU_ARRAY;
        this.max = spec.maxEntries();
        this.frozen = spec.kind() == MapKind.RODATA || spec.kind() == MapKind.KCONFIG;
        boolean programWritable = !frozen && (spec.flags() & MapSpec.F_RDONLY_PROG) == 0;
        byte[] bytes = new byte[Math.multiplyExact(Math.multiplyExact(stride, max), percpu ? cpus() : 1)];
        byte[] init = spec.initialData();
        if (init != null)
            System.arraycopy(init, 0, bytes, 0, Math.min(init.length, spec.valueSize()));
        this.values = map(spec.name(), bytes, programWritable);
    }

    /** The offset of element {@code i} of CPU {@code cpu} in the region. */
    private int offset(long i, int cpu) {
        return (int) (((long) cpu * max + i) * stride);
    }

    @Override
    boolean perCpu() {
        return percpu;
    }

    @Override
    long lookupAddress(byte[] key, VmState s) {
        long i = u32(key);
        return i < max ? values.base() + offset(i, s == null || !percpu ? 0 : s.cpu()) : 0;
    }

    /** bpf_map_lookup_percpu_elem. */
    long lookupAddress(byte[] key, int cpu) {
        long i = u32(key);
        return i < max && cpu < cpus() ? values.base() + offset(i, cpu) : 0;
    }

    @Override
    long elementAddress(byte[] key, int cpu) {
        return lookupAddress(key, percpu ? cpu : 0);
    }

    @Override
    byte[] userLookup(byte[] key) {
        long i = u32(key);
        if (i >= max)
            return null;
        if (!percpu)
            return Arrays.copyOfRange(values.bytes(), offset(i, 0), offset(i, 0) + spec.valueSize());
        byte[] out = new byte[userValueSize()];
        for (int c = 0; c < cpus(); c++)
            System.arraycopy(values.bytes(), offset(i, c), out, c * stride, spec.valueSize());
        return out;
    }

    @Override
    int update(byte[] key, byte[] value, long flags, VmState s) {
        if (checkFlags(flags) != 0)
            return -BackendException.EINVAL;
        if (s != null && !values.writable())
            return -BackendException.EPERM;
        long i = u32(key);
        if (i >= max)
            return -BackendException.E2BIG;
        if ((flags & ~F_LOCK) == 1) // BPF_NOEXIST: every element of an array exists
            return -BackendException.EEXIST;
        synchronized (lock) {
            byte[] old = observed() ? (s == null ? userLookup(key) : read(i, s.cpu())) : null;
            if (!percpu) {
                System.arraycopy(value, 0, values.bytes(), offset(i, 0), spec.valueSize());
            } else if (s != null) {
                System.arraycopy(value, 0, values.bytes(), offset(i, s.cpu()), spec.valueSize());
            } else {
                for (int c = 0; c < cpus(); c++)
                    System.arraycopy(value, c * stride, values.bytes(), offset(i, c), spec.valueSize());
            }
            updated(MapObserver.Change.UPDATE_ELEM, key, old, value, flags, s);
        }
        return 0;
    }

    private byte[] read(long i, int cpu) {
        int o = offset(i, percpu ? cpu : 0);
        return Arrays.copyOfRange(values.bytes(), o, o + spec.valueSize());
    }

    /** For bpf_for_each_map_elem: every index. */
    @Override
    List<byte[]> keyList() {
        var out = new ArrayList<byte[]>(max);
        for (int i = 0; i < max; i++)
            out.add(key(i));
        return out;
    }

    @Override
    long valueAddress(int offset) {
        if (percpu)
            return super.valueAddress(offset);
        if (offset < 0 || offset >= spec.valueSize())
            throw new BackendException(-BackendException.EINVAL, "offset " + offset + " is outside the value of map '"
                    + spec.name() + "' (" + spec.valueSize() + " bytes)");
        return values.base() + offset;
    }

    @Override
    boolean frozen() {
        return frozen;
    }

}
