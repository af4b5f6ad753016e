package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.loader.MapSpec;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY: slot {@code i} stands for a perf event buffer on CPU
 * {@code i}, as libbpf's perf_buffer opens them. The emulator has no perf events, so every
 * slot starts open (as if user space had opened them all); a syscall delete closes one
 * ({@code -ENOENT} if closed, {@code -E2BIG} past the end), an update (BPF_ANY only, any
 * 4-byte value) reopens it; a syscall lookup is {@code -ENOTSUPP}, as in the kernel.
 * bpf_perf_event_output to an index past the end is {@code -E2BIG}, to a closed slot
 * {@code -ENOENT}, to another CPU's slot {@code -EOPNOTSUPP}, and to a full buffer
 * ({@link #BUFFER_BYTES} per CPU, a record taking {@code round_up(4 + size, 8) + 8} bytes as
 * in perf's ring) {@code -ENOSPC}. {@link #consume()} takes the records of all CPUs in the
 * order they were written.
 */
final class PerfEventArrayMap extends EmulatorMap {
    /** Bytes of records one CPU's buffer holds before output fails: 64 pages. */
    static final long BUFFER_BYTES = 64 * 4096;

    private final boolean[] open;
    private final long[] used;
    private final ArrayDeque<TestRunResult.OutputRecord> pending = new ArrayDeque<>();

    PerfEventArrayMap(EmulatorObject owner, MapSpec spec) {
        super(owner, spec);
        this.open = new boolean[spec.maxEntries()];
        this.used = new long[spec.maxEntries()];
        java.util.Arrays.fill(open, true);
    }

    private static long recordBytes(int n) {
        return MapChecks.round8(4 + n) + 8;
    }

    /** bpf_perf_event_output to slot {@code index} from {@code cpu}: 0 or a negative errno. */
    int output(long index, byte[] record, VmState s) {
        int cpu = s.cpu();
        if (index >= open.length)
            return -BackendException.E2BIG;
        synchronized (lock) {
            if (!open[(int) index])
                return -BackendException.ENOENT;
            if (index != cpu)
                return -BackendException.EOPNOTSUPP;
            if (used[(int) index] + recordBytes(record.length) > BUFFER_BYTES)
                return -BackendException.ENOSPC;
            used[(int) index] += recordBytes(record.length);
            pending.addLast(new TestRunResult.OutputRecord(name(), cpu, record));
            updated(MapObserver.Change.RECORD, u32Bytes(index), null, record, index, s);
        }
        return 0;
    }

    @Override
    public List<TestRunResult.OutputRecord> consume() {
        owner.checkOpen();
        synchronized (lock) {
            var out = new ArrayList<>(pending);
            pending.clear();
            for (TestRunResult.OutputRecord r : out) {
                used[r.cpu()] -= recordBytes(r.data().length);
                deleted(MapObserver.Change.RECORD, u32Bytes(r.cpu()), r.data(), null);
            }
            return out;
        }
    }

    @Override
    long lookupAddress(byte[] key, VmState s) {
        return 0;
    }

    @Override
    byte[] userLookup(byte[] key) {
        throw error(-BackendException.ENOTSUPP, "lookup");
    }

    @Override
    int update(byte[] key, byte[] value, long flags, VmState s) {
        if (flags != 0)
            return -BackendException.EINVAL;
        long i = u32(key);
        if (i >= open.length)
            return -BackendException.E2BIG;
        synchronized (lock) {
            open[(int) i] = true;
            updated(MapObserver.Change.UPDATE_ELEM, key, null, value, flags, s);
        }
        return 0;
    }

    @Override
    int delete(byte[] key, VmState s) {
        long i = u32(key);
        if (i >= open.length)
            return -BackendException.E2BIG;
        synchronized (lock) {
            if (!open[(int) i])
                return -BackendException.ENOENT;
            open[(int) i] = false;
            deleted(MapObserver.Change.DELETE_ELEM, key, null, s);
        }
        return 0;
    }

    @Override
    List<byte[]> keyList() {
        var out = new ArrayList<byte[]>(open.length);
        for (int i = 0; i < open.length; i++)
            out.add(key(i));
        return out;
    }
}
