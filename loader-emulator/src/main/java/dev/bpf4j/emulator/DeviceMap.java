package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.MapType;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * BPF_MAP_TYPE_DEVMAP, CPUMAP and XSKMAP: the arrays of redirect targets that
 * {@code bpf_redirect_map} reads. The emulator has no network devices, CPU kthreads or
 * AF_XDP sockets behind them: a slot holds what user space stored, and a redirect to it
 * is recorded in the test run's result. As in the kernel: BPF_NOEXIST is {@code -EEXIST}
 * (devmap, cpumap), an index past the end {@code -E2BIG}, a delete past the end
 * {@code -EINVAL} and otherwise 0 even for an empty slot. devmap: value
 * {@code struct bpf_devmap_val} (ifindex, program fd), ifindex 0 empties the slot;
 * cpumap: {@code struct bpf_cpumap_val} (qsize, program fd), qsize 0 empties the slot,
 * qsize over 16384 is {@code -EOVERFLOW}, a key that is not a CPU {@code -ENODEV}; xskmap:
 * any 4-byte "socket fd" (NOEXIST on a full slot {@code -EEXIST}, EXIST on an empty one
 * {@code -ENOENT}); a syscall lookup is {@code -EOPNOTSUPP}. Programs attached to devmap or
 * cpumap entries (a program fd above 0) are not supported: {@code -EINVAL}. Values are
 * read-only to programs.
 */
final class DeviceMap extends EmulatorMap {
    /** The cpumap's sanity limit on qsize. */
    static final int MAX_QSIZE = 16384;

    private final Region values;
    private final boolean[] present;
    private final MapType type;

    DeviceMap(EmulatorObject owner, MapSpec spec) {
        super(owner, spec);
        this.type = spec.type();
        this.present = new boolean[spec.maxEntries()];
        this.values = map(spec.name(), new byte[Math.multiplyExact(stride, spec.maxEntries())], false);
    }

    /** Whether slot {@code key} holds a target (for bpf_redirect_map). */
    boolean hasTarget(long key) {
        synchronized (lock) {
            return key < present.length && present[(int) key];
        }
    }

    @Override
    long lookupAddress(byte[] key, VmState s) {
        long i = u32(key);
        synchronized (lock) {
            return i < present.length && present[(int) i] ? values.base() + i * stride : 0;
        }
    }

    @Override
    byte[] userLookup(byte[] key) {
        if (type == MapType.XSKMAP)
            throw error(-BackendException.EOPNOTSUPP, "lookup");
        return super.userLookup(key);
    }

    @Override
    int update(byte[] key, byte[] value, long flags, VmState s) {
        if (flags < 0 || flags > 2)
            return -BackendException.EINVAL;
        long i = u32(key);
        if (i >= present.length)
            return -BackendException.E2BIG;
        ByteBuffer v = ByteBuffer.wrap(value).order(byteOrder());
        long first = v.getInt(0) & 0xffffffffL;
        int prog = value.length == 8 ? v.getInt(4) : 0;
        boolean empty;
        switch (type) {
            case DEVMAP -> {
                if (flags == 1)
                    return -BackendException.EEXIST;
                if (prog > 0)
                    return -BackendException.EINVAL;
                empty = first == 0;
            }
            case CPUMAP -> {
                if (flags == 1)
                    return -BackendException.EEXIST;
                if (first > MAX_QSIZE)
                    return -BackendException.EOVERFLOW;
                if (i >= cpus())
                    return -BackendException.ENODEV;
                if (prog > 0)
                    return -BackendException.EINVAL;
                empty = first == 0;
            }
            default -> empty = false;
        }
        synchronized (lock) {
            boolean had = present[(int) i];
            if (type == MapType.XSKMAP && had && flags == 1)
                return -BackendException.EEXIST;
            if (type == MapType.XSKMAP && !had && flags == 2)
                return -BackendException.ENOENT;
            byte[] old = had ? read(i) : null;
            if (empty) {
                present[(int) i] = false;
                if (had)
                    deleted(MapObserver.Change.DELETE_ELEM, key, old, s);
                return 0;
            }
            byte[] stored = value.length == 8 ? Arrays.copyOf(Arrays.copyOf(value, 4), 8) : value; // program id 0
            System.arraycopy(stored, 0, values.bytes(), (int) i * stride, spec.valueSize());
            present[(int) i] = true;
            updated(MapObserver.Change.UPDATE_ELEM, key, old, stored, flags, s);
        }
        return 0;
    }

    private byte[] read(long i) {
        return Arrays.copyOfRange(values.bytes(), (int) i * stride, (int) i * stride + spec.valueSize());
    }

    @Override
    int delete(byte[] key, VmState s) {
        long i = u32(key);
        if (i >= present.length)
            return -BackendException.EINVAL;
        synchronized (lock) {
            if (present[(int) i]) {
                byte[] old = read(i);
                present[(int) i] = false;
                deleted(MapObserver.Change.DELETE_ELEM, key, old, s);
            }
        }
        return 0;
    }

    @Override
    List<byte[]> keyList() {
        var out = new ArrayList<byte[]>(present.length);
        for (int i = 0; i < present.length; i++)
            out.add(key(i));
        return out;
    }

}
