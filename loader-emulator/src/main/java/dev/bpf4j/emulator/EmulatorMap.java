package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.UpdateFlag;
import dev.bpf4j.loader.MapSpec;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A map of the emulator kernel. Values live in {@link Memory} regions, so the pointer
 * that {@code bpf_map_lookup_elem} returns is a real address a program can load from and
 * store to. Each map also owns a small read-only "handle" region whose base address is
 * what an ld_imm64 with src 1 (BPF_PSEUDO_MAP_FD) loads: helpers find the map from it.
 *
 * <p>Every mutation, from user space ({@link MapHandle}) or a program (helpers), goes
 * through {@link #update(byte[], byte[], long, boolean)} and {@link #delete(byte[], boolean)}:
 * the one place map tracing will hook into. Errors are negative errno values, as in the
 * kernel. All access is serialized on the owning {@link EmulatorObject}.
 */
abstract class EmulatorMap implements MapHandle {
    /** BPF_F_LOCK: accepted and ignored (no spin locks yet). */
    static final long F_LOCK = 4;

    final EmulatorObject owner;
    final MapSpec spec;
    final Region handle;
    /** Bytes between the starts of consecutive values: the value size rounded up to 8, as in the kernel. */
    final int stride;

    EmulatorMap(EmulatorObject owner, MapSpec spec) {
        this.owner = owner;
        this.spec = spec;
        if (spec.keySize() <= 0 || spec.valueSize() <= 0 || spec.maxEntries() <= 0)
            throw new BackendException(-BackendException.EINVAL, "map '" + spec.name() + "': key size " + spec.keySize()
                    + ", value size " + spec.valueSize() + " and max entries " + spec.maxEntries() + " must all be positive");
        this.stride = (spec.valueSize() + 7) & ~7;
        this.handle = owner.memory.map("map " + spec.name(), new byte[8], false);
    }

    // ---- the kernel's operations (callers hold the owner's lock)

    /** The address of the value of {@code key}, or 0. */
    abstract long lookupAddress(byte[] key);

    /** Returns 0 or a negative errno. {@code fromProgram}: the bpf_map_update_elem helper. */
    abstract int update(byte[] key, byte[] value, long flags, boolean fromProgram);

    /** Returns 0 or a negative errno. */
    abstract int delete(byte[] key, boolean fromProgram);

    /** The keys in iteration order. */
    abstract List<byte[]> keyList();

    /** The address of the value of the first key, for BPF_PSEUDO_MAP_VALUE; arrays only. */
    long valueAddress(int offset) {
        throw new BackendException(-BackendException.EINVAL, "map '" + spec.name() + "' (" + spec.type().libbpfName()
                + ") has no direct value access (BPF_PSEUDO_MAP_VALUE)");
    }

    /** Regions to unmap on close. */
    abstract List<Region> regions();

    /** Whether user space may not change it (a frozen .rodata or .kconfig map). */
    boolean frozen() {
        return false;
    }

    static int checkFlags(long flags) {
        long f = flags & ~F_LOCK;
        return f > UpdateFlag.EXIST.value() ? -BackendException.EINVAL : 0;
    }

    // ---- MapHandle

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
        return owner.memory.byteOrder();
    }

    @Override
    public Optional<byte[]> lookup(byte[] key) {
        synchronized (owner) {
            owner.checkOpen();
            checkKey(key);
            long a = lookupAddress(key);
            if (a == 0)
                return Optional.empty();
            Region r = owner.memory.regionAt(a);
            int off = (int) (a - r.base());
            byte[] v = new byte[spec.valueSize()];
            System.arraycopy(r.bytes(), off, v, 0, v.length);
            return Optional.of(v);
        }
    }

    @Override
    public void update(byte[] key, byte[] value, UpdateFlag flag) {
        synchronized (owner) {
            owner.checkOpen();
            checkKey(key);
            if (value == null || value.length != spec.valueSize())
                throw new BackendException(-BackendException.EINVAL, "map '" + name() + "': value of "
                        + (value == null ? "null" : value.length + " bytes") + ", expected " + spec.valueSize());
            if (frozen())
                throw new BackendException(-BackendException.EPERM, "map '" + name() + "' is frozen (read-only to user space)");
            int e = update(key, value, flag.value(), false);
            if (e != 0)
                throw new BackendException(e, "update of map '" + name() + "' with " + flag + " refused");
        }
    }

    @Override
    public void delete(byte[] key) {
        synchronized (owner) {
            owner.checkOpen();
            checkKey(key);
            if (frozen())
                throw new BackendException(-BackendException.EPERM, "map '" + name() + "' is frozen (read-only to user space)");
            int e = delete(key, false);
            if (e != 0)
                throw new BackendException(e, "delete from map '" + name() + "' refused");
        }
    }

    @Override
    public List<byte[]> keys() {
        synchronized (owner) {
            owner.checkOpen();
            return new ArrayList<>(keyList());
        }
    }

    private void checkKey(byte[] key) {
        if (key == null || key.length != spec.keySize())
            throw new BackendException(-BackendException.EINVAL, "map '" + name() + "': key of "
                    + (key == null ? "null" : key.length + " bytes") + ", expected " + spec.keySize());
    }

    @Override
    public String toString() {
        return spec.type().libbpfName() + " map '" + name() + "'";
    }
}
