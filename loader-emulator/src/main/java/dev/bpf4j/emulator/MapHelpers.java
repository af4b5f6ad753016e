package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.loader.MapType;

import java.util.List;

/**
 * The map helpers: keys and values are read from the program's memory through its
 * pointers (a bad pointer is a {@link VmFault}); results follow the kernel (an address or
 * 0, 0 or a negative errno). A map of a type the helper does not accept (what the kernel's
 * verifier refuses in {@code check_map_func_compatibility}) faults with
 * {@link VmFault.Kind#HELPER_ARGUMENT}, naming the helper; what the kernel checks at run
 * time (flags, sizes, indices) answers its errno.
 *
 * <p>Also here: tail calls (prog arrays), bpf_for_each_map_elem, bpf_redirect_map, ring
 * buffer and perf event output. Outputs and redirections are also recorded in the test
 * run's {@link KernelRun}.
 */
final class MapHelpers {
    static final int MAP_LOOKUP_ELEM = 1, MAP_UPDATE_ELEM = 2, MAP_DELETE_ELEM = 3, TAIL_CALL = 12,
            PERF_EVENT_READ = 22, PERF_EVENT_OUTPUT = 25, REDIRECT_MAP = 51, PERF_EVENT_READ_VALUE = 55,
            MAP_PUSH_ELEM = 87, MAP_POP_ELEM = 88, MAP_PEEK_ELEM = 89, SKB_OUTPUT = 111, XDP_OUTPUT = 121,
            RINGBUF_OUTPUT = 130, RINGBUF_RESERVE = 131, RINGBUF_SUBMIT = 132, RINGBUF_DISCARD = 133, RINGBUF_QUERY = 134,
            FOR_EACH_MAP_ELEM = 164, MAP_LOOKUP_PERCPU_ELEM = 195;
    /** MAX_TAIL_CALL_CNT: tail calls one run may take. */
    static final int MAX_TAIL_CALL_CNT = 33;
    static final int XDP_REDIRECT = 4;
    static final long F_INDEX_MASK = 0xffffffffL, F_CURRENT_CPU = 0xffffffffL, F_CTXLEN_MASK = 0xfffffL << 32;
    static final long F_BROADCAST = 1 << 3, F_EXCLUDE_INGRESS = 1 << 4;
    /** XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX: the fallback actions of bpf_redirect_map. */
    static final long XDP_ACTION_MASK = 3;

    private MapHelpers() {
    }

    /**
     * Whether the kernel's verifier lets helper {@code helper} take a map of type {@code t}
     * (check_map_func_compatibility, both its map-side and helper-side tables, for the
     * helpers and maps the emulator has).
     */
    static boolean compatible(MapType t, int helper) {
        List<Integer> only = switch (t) {
            case PROG_ARRAY -> List.of(TAIL_CALL);
            case PERF_EVENT_ARRAY -> List.of(PERF_EVENT_READ, PERF_EVENT_OUTPUT, PERF_EVENT_READ_VALUE, SKB_OUTPUT, XDP_OUTPUT);
            case RINGBUF -> List.of(RINGBUF_OUTPUT, RINGBUF_RESERVE, RINGBUF_QUERY);
            case DEVMAP, DEVMAP_HASH, XSKMAP -> List.of(REDIRECT_MAP, MAP_LOOKUP_ELEM);
            case CPUMAP -> List.of(REDIRECT_MAP);
            case ARRAY_OF_MAPS, HASH_OF_MAPS -> List.of(MAP_LOOKUP_ELEM);
            case QUEUE, STACK -> List.of(MAP_PUSH_ELEM, MAP_POP_ELEM, MAP_PEEK_ELEM);
            case BLOOM_FILTER -> List.of(MAP_PUSH_ELEM, MAP_PEEK_ELEM);
            default -> null;
        };
        if (only != null && !only.contains(helper))
            return false;
        return switch (helper) {
            case TAIL_CALL -> t == MapType.PROG_ARRAY;
            case PERF_EVENT_OUTPUT -> t == MapType.PERF_EVENT_ARRAY;
            case RINGBUF_OUTPUT, RINGBUF_RESERVE, RINGBUF_QUERY -> t == MapType.RINGBUF;
            case REDIRECT_MAP -> t == MapType.DEVMAP || t == MapType.DEVMAP_HASH || t == MapType.CPUMAP || t == MapType.XSKMAP;
            case FOR_EACH_MAP_ELEM -> t == MapType.HASH || t == MapType.PERCPU_HASH || t == MapType.LRU_HASH
                    || t == MapType.LRU_PERCPU_HASH || t == MapType.ARRAY || t == MapType.PERCPU_ARRAY;
            case MAP_PUSH_ELEM, MAP_PEEK_ELEM -> t == MapType.QUEUE || t == MapType.STACK || t == MapType.BLOOM_FILTER;
            case MAP_POP_ELEM -> t == MapType.QUEUE || t == MapType.STACK;
            case MAP_LOOKUP_PERCPU_ELEM -> t == MapType.PERCPU_ARRAY || t == MapType.PERCPU_HASH || t == MapType.LRU_PERCPU_HASH;
            default -> true;
        };
    }

    /** The map {@code r} points at, if {@code helper} accepts its type; else the fault the verifier's refusal becomes. */
    private static EmulatorMap map(EmulatorObject o, long r, int helper, VmState s) {
        EmulatorMap m = o.mapAt(r, helper, s);
        if (!compatible(m.spec.type(), helper))
            throw HelperTable.misuse(helper, s, "cannot take " + m + " (" + m.spec.type().libbpfName() + ")");
        return m;
    }

    private static int size(long n, int helper, VmState s) {
        if (n < 0 || n > Integer.MAX_VALUE)
            throw HelperTable.misuse(helper, s, "size " + n + " is not a valid memory size");
        return (int) n;
    }

    private static void record(VmState s, EmulatorMap m, byte[] data) {
        if (s.kernelRun != null)
            s.kernelRun.records.add(new TestRunResult.OutputRecord(m.name(), s.cpu(), data));
    }

    static void register(HelperTable.Builder b, EmulatorObject o) {
        b.add(MAP_LOOKUP_ELEM, (r1, r2, r3, r4, r5, s) -> { // void *bpf_map_lookup_elem(map, key)
            EmulatorMap m = map(o, r1, MAP_LOOKUP_ELEM, s);
            byte[] key = s.read(r2, m.spec.keySize());
            long a = m.lookupAddress(key, s);
            PointerWrites.lookedUp(s, m, key, a, s.cpu()); // map tracing sees writes through the pointer
            return a;
        });
        b.add(MAP_UPDATE_ELEM, (r1, r2, r3, r4, r5, s) -> { // long bpf_map_update_elem(map, key, value, flags)
            EmulatorMap m = map(o, r1, MAP_UPDATE_ELEM, s);
            byte[] key = s.read(r2, m.spec.keySize());
            byte[] value = s.read(r3, m.spec.valueSize());
            return m.update(key, value, r4, s);
        });
        b.add(MAP_DELETE_ELEM, (r1, r2, r3, r4, r5, s) -> { // long bpf_map_delete_elem(map, key)
            EmulatorMap m = map(o, r1, MAP_DELETE_ELEM, s);
            return m.delete(s.read(r2, m.spec.keySize()), s);
        });
        b.add(MAP_PUSH_ELEM, (r1, r2, r3, r4, r5, s) -> { // long bpf_map_push_elem(map, value, flags)
            EmulatorMap m = map(o, r1, MAP_PUSH_ELEM, s);
            return m.push(s.read(r2, m.spec.valueSize()), r3, s);
        });
        b.add(MAP_POP_ELEM, (r1, r2, r3, r4, r5, s) -> pop(o, r1, r2, true, MAP_POP_ELEM, s)); // long bpf_map_pop_elem(map, value)
        b.add(MAP_PEEK_ELEM, (r1, r2, r3, r4, r5, s) -> { // long bpf_map_peek_elem(map, value)
            EmulatorMap m = map(o, r1, MAP_PEEK_ELEM, s);
            if (m instanceof BloomFilterMap bloom)
                return bloom.peek(s.read(r2, m.spec.valueSize()));
            return pop(o, r1, r2, false, MAP_PEEK_ELEM, s);
        });
        b.add(MAP_LOOKUP_PERCPU_ELEM, (r1, r2, r3, r4, r5, s) -> { // void *bpf_map_lookup_percpu_elem(map, key, cpu)
            EmulatorMap m = map(o, r1, MAP_LOOKUP_PERCPU_ELEM, s);
            byte[] key = s.read(r2, m.spec.keySize());
            long cpu = r3 & 0xffffffffL;
            if (cpu >= m.cpus())
                return 0;
            long a = m instanceof ArrayMap am ? am.lookupAddress(key, (int) cpu) : ((BpfHashMap) m).peekAddress(key, (int) cpu);
            PointerWrites.lookedUp(s, m, key, a, (int) cpu);
            return a;
        });
        b.add(TAIL_CALL, (r1, r2, r3, r4, r5, s) -> tailCall(o, r1, r2, r3, s)); // long bpf_tail_call(ctx, prog_array, index)
        b.add(FOR_EACH_MAP_ELEM, (r1, r2, r3, r4, r5, s) -> forEach(o, r1, r2, r3, r4, s));
        b.add(REDIRECT_MAP, (r1, r2, r3, r4, r5, s) -> redirect(o, r1, r2, r3, s)); // long bpf_redirect_map(map, key, flags)
        b.add(PERF_EVENT_OUTPUT, (r1, r2, r3, r4, r5, s) -> { // long bpf_perf_event_output(ctx, map, flags, data, size)
            PerfEventArrayMap m = (PerfEventArrayMap) map(o, r2, PERF_EVENT_OUTPUT, s);
            if ((r3 & ~(F_INDEX_MASK | F_CTXLEN_MASK)) != 0)
                return -BackendException.EINVAL;
            if ((r3 & F_CTXLEN_MASK) != 0) // bpf_xdp/skb_event_output's packet bytes: not supported
                return -BackendException.EOPNOTSUPP;
            long index = r3 & F_INDEX_MASK;
            if (index == F_CURRENT_CPU)
                index = s.cpu();
            byte[] data = s.read(r4, size(r5, PERF_EVENT_OUTPUT, s));
            int e = m.output(index, data, s);
            if (e == 0)
                record(s, m, data);
            return e;
        });
        b.add(RINGBUF_OUTPUT, (r1, r2, r3, r4, r5, s) -> { // long bpf_ringbuf_output(ringbuf, data, size, flags)
            RingBufMap rb = (RingBufMap) map(o, r1, RINGBUF_OUTPUT, s);
            if ((r4 & ~(RingBufMap.RB_NO_WAKEUP | RingBufMap.RB_FORCE_WAKEUP)) != 0)
                return -BackendException.EINVAL;
            byte[] data = s.read(r2, size(r3, RINGBUF_OUTPUT, s));
            long a = rb.reserve(data.length, s);
            if (a == 0)
                return -BackendException.EAGAIN;
            s.write(a, data);
            rb.commit(a, false, r4, s);
            record(s, rb, data);
            return 0;
        });
        b.add(RINGBUF_RESERVE, (r1, r2, r3, r4, r5, s) -> { // void *bpf_ringbuf_reserve(ringbuf, size, flags)
            RingBufMap rb = (RingBufMap) map(o, r1, RINGBUF_RESERVE, s);
            return r3 != 0 ? 0 : rb.reserve(r2, s);
        });
        b.add(RINGBUF_SUBMIT, (r1, r2, r3, r4, r5, s) -> commit(o, r1, r2, false, RINGBUF_SUBMIT, s)); // void bpf_ringbuf_submit(data, flags)
        b.add(RINGBUF_DISCARD, (r1, r2, r3, r4, r5, s) -> commit(o, r1, r2, true, RINGBUF_DISCARD, s)); // void bpf_ringbuf_discard(data, flags)
        b.add(RINGBUF_QUERY, (r1, r2, r3, r4, r5, s) -> { // u64 bpf_ringbuf_query(ringbuf, flags)
            RingBufMap rb = (RingBufMap) map(o, r1, RINGBUF_QUERY, s);
            return rb.query(r2);
        });
    }

    private static long pop(EmulatorObject o, long r1, long r2, boolean remove, int helper, VmState s) {
        EmulatorMap m = map(o, r1, helper, s);
        byte[] out = new byte[m.spec.valueSize()];
        int e = m.pop(out, remove, s);
        s.write(r2, out); // zeros when empty, as the kernel clears the buffer
        return e;
    }

    private static long commit(EmulatorObject o, long data, long flags, boolean discard, int helper, VmState s) {
        RingBufMap rb = o.ringBufferAt(data);
        if (rb == null || !rb.commit(data, discard, flags, s))
            throw HelperTable.misuse(helper, s, String.format("0x%x is not a record reserved by bpf_ringbuf_reserve", data));
        if (!discard)
            record(s, rb, rb.committedAt(data));
        return 0;
    }

    /**
     * bpf_tail_call: as the kernel's interpreter, an index past the end fails before the
     * count is checked, and an empty slot after it was incremented. The kernel leaves r0
     * undefined after a failed tail call; the emulator answers {@code -E2BIG} (index),
     * {@code -EBUSY} (more than {@link #MAX_TAIL_CALL_CNT}) or {@code -ENOENT} (empty slot).
     */
    private static long tailCall(EmulatorObject o, long ctx, long r2, long r3, VmState s) {
        FdArrayMap array = (FdArrayMap) map(o, r2, TAIL_CALL, s);
        long index = r3 & 0xffffffffL;
        if (index >= array.spec.maxEntries())
            return -BackendException.E2BIG;
        if (s.tailCalls >= MAX_TAIL_CALL_CNT)
            return -BackendException.EBUSY;
        s.tailCalls++;
        EmulatorProgram target = array.program(index);
        if (target == null)
            return -BackendException.ENOENT;
        s.tailCall = target.vm();
        s.setRegister(1, ctx);
        s.stop(0);
        return 0;
    }

    /**
     * long bpf_for_each_map_elem(map, callback, ctx, flags): calls {@code callback(map, &key,
     * &value, ctx)} for each element (every index of an array; the keys present when the call
     * began, still present when reached, for a hash), this CPU's value for per-CPU maps; a
     * non-zero return stops. Returns the number of calls. The key is a read-only copy.
     */
    private static long forEach(EmulatorObject o, long r1, long fn, long ctx, long flags, VmState s) {
        EmulatorMap m = map(o, r1, FOR_EACH_MAP_ELEM, s);
        if (flags != 0)
            return -BackendException.EINVAL;
        List<byte[]> keys = m.keyList();
        Region scratch = m.keyScratch(s);
        long n = 0;
        for (byte[] key : keys) {
            long value = m instanceof BpfHashMap h ? h.peekAddress(key, m.perCpu() ? s.cpu() : 0) : m.lookupAddress(key, s);
            if (value == 0)
                continue;
            System.arraycopy(key, 0, scratch.bytes(), 0, key.length);
            PointerWrites.lookedUp(s, m, key, value, s.cpu()); // the callback may write the value
            n++;
            if (s.vm.callback(s, fn, r1, scratch.base(), value, ctx, 0) != 0)
                break;
        }
        return n;
    }

    /** bpf_redirect_map (XDP): XDP_REDIRECT with the target recorded, or the low bits of {@code flags} when the slot is empty. */
    private static long redirect(EmulatorObject o, long r1, long key, long flags, VmState s) {
        EmulatorMap m = map(o, r1, REDIRECT_MAP, s);
        MapType t = m.spec.type();
        long allowed = XDP_ACTION_MASK | (t == MapType.DEVMAP || t == MapType.DEVMAP_HASH ? F_BROADCAST | F_EXCLUDE_INGRESS : 0);
        if ((flags & ~allowed) != 0)
            return 0; // XDP_ABORTED
        long k = key & 0xffffffffL;
        boolean present = m instanceof DeviceMap d ? d.hasTarget(k) : ((DevmapHashMap) m).hasTarget(k);
        if (!present && (flags & F_BROADCAST) == 0)
            return flags & XDP_ACTION_MASK;
        if (s.kernelRun != null)
            s.kernelRun.redirects.add(new TestRunResult.Redirect("redirect_map", m.name(), k, flags));
        return XDP_REDIRECT;
    }
}
