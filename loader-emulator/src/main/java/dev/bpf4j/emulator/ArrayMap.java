package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.loader.MapKind;
import dev.bpf4j.loader.MapSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * BPF_MAP_TYPE_ARRAY, and libbpf's internal maps for global data (.data, .rodata, .bss,
 * .kconfig: one-element arrays whose value is the section). All values sit in one region,
 * {@code stride} bytes apart; every index always exists: updates with BPF_NOEXIST fail with
 * {@code -EEXIST}, deletes with {@code -EINVAL}, an index past the end gives {@code -E2BIG}.
 * .rodata and .kconfig maps are frozen (user updates: {@code -EPERM}) and read-only to
 * programs, as libbpf leaves them; so is any map with BPF_F_RDONLY_PROG.
 */
final class ArrayMap extends EmulatorMap {
    private final Region values;
    private final boolean frozen;

    ArrayMap(EmulatorObject owner, MapSpec spec) {
        super(owner, spec);
        if (spec.keySize() != 4)
            throw new BackendException(-BackendException.EINVAL, "array map '" + spec.name() + "': key size "
                    + spec.keySize() + ", must be 4");
        this.frozen = spec.kind() == MapKind.RODATA || spec.kind() == MapKind.KCONFIG;
        boolean programWritable = !frozen && (spec.flags() & MapSpec.F_RDONLY_PROG) == 0;
        byte[] bytes = new byte[Math.multiplyExact(stride, spec.maxEntries())];
        byte[] init = spec.initialData();
        if (init != null)
            System.arraycopy(init, 0, bytes, 0, Math.min(init.length, spec.valueSize()));
        this.values = owner.memory.map(spec.name(), bytes, programWritable);
    }

    private long index(byte[] key) {
        return MapHandleCodec.u32(key, owner.memory.byteOrder());
    }

    @Override
    long lookupAddress(byte[] key) {
        long i = index(key);
        return i < spec.maxEntries() ? values.base() + i * stride : 0;
    }

    @Override
    int update(byte[] key, byte[] value, long flags, boolean fromProgram) {
        if (checkFlags(flags) != 0)
            return -BackendException.EINVAL;
        if (fromProgram && !values.writable())
            return -BackendException.EPERM;
        long i = index(key);
        if (i >= spec.maxEntries())
            return -BackendException.E2BIG;
        if ((flags & ~F_LOCK) == 1) // BPF_NOEXIST: every element of an array exists
            return -BackendException.EEXIST;
        System.arraycopy(value, 0, values.bytes(), (int) (i * stride), spec.valueSize());
        return 0;
    }

    @Override
    int delete(byte[] key, boolean fromProgram) {
        return -BackendException.EINVAL;
    }

    @Override
    List<byte[]> keyList() {
        var out = new ArrayList<byte[]>(spec.maxEntries());
        for (int i = 0; i < spec.maxEntries(); i++)
            out.add(key(i));
        return out;
    }

    @Override
    long valueAddress(int offset) {
        if (offset < 0 || offset >= spec.valueSize())
            throw new BackendException(-BackendException.EINVAL, "offset " + offset + " is outside the value of map '"
                    + spec.name() + "' (" + spec.valueSize() + " bytes)");
        return values.base() + offset;
    }

    @Override
    boolean frozen() {
        return frozen;
    }

    @Override
    List<Region> regions() {
        return List.of(handle, values);
    }
}
