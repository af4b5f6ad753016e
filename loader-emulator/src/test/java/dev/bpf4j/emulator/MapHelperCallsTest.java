package dev.bpf4j.emulator;

import dev.bpf4j.Bpf4j;
import dev.bpf4j.asm.Instruction;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.loader.MapSlot;
import dev.bpf4j.loader.MapType;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static dev.bpf4j.backend.BackendException.E2BIG;
import static dev.bpf4j.backend.BackendException.EAGAIN;
import static dev.bpf4j.backend.BackendException.EBUSY;
import static dev.bpf4j.backend.BackendException.EINVAL;
import static dev.bpf4j.backend.BackendException.ENOENT;
import static dev.bpf4j.backend.BackendException.ENOSPC;
import static dev.bpf4j.backend.BackendException.EOPNOTSUPP;
import static dev.bpf4j.emulator.MapHelpers.*;
import static dev.bpf4j.emulator.MapTestKit.le;
import static dev.bpf4j.emulator.MapTestKit.load;
import static dev.bpf4j.emulator.MapTestKit.outer;
import static dev.bpf4j.emulator.MapTestKit.programs;
import static dev.bpf4j.emulator.MapTestKit.run;
import static dev.bpf4j.emulator.MapTestKit.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The map helpers called by hand-assembled programs on chosen CPUs: results, side effects and faults. */
class MapHelperCallsTest {
    static final EmulatorConfig TWO_CPUS = EmulatorConfig.defaults().withCpus(2);

    static MapTestKit.Asm asm() {
        return new MapTestKit.Asm();
    }

    /** *(u32 *)(fp-4) = key; r0 = lookup(map, fp-4); if r0 { lock *(u64 *)r0 += add; r0 = *(u64 *)r0 } else r0 = -1. */
    static List<Instruction> bump(String map, int key, int add, int helper, long extra) {
        var a = asm().stw(10, -4, key).map(1, map).fp(2, -4);
        if (helper == MAP_LOOKUP_PERCPU_ELEM)
            a.mov(3, extra);
        return a.call(helper).jne(0, 0, 2).mov(0, -1).exit()
                .mov(1, add).atomicAdd(0, 0, 1).ldxdw(0, 0, 0).exit().build();
    }

    @Test
    void perCpuMapsGiveEachCpuItsOwnValue() {
        try (LoadedObject obj = load(TWO_CPUS, programs(
                        "arr", bump("pa", 1, 1, MAP_LOOKUP_ELEM, 0),
                        "hash", asm().stw(10, -4, 9).stdw(10, -16, 5).map(1, "ph").fp(2, -4).fp(3, -16).mov(4, 0)
                                .call(MAP_UPDATE_ELEM).exit().build(),
                        "other", bump("pa", 1, 0, MAP_LOOKUP_PERCPU_ELEM, 1),
                        "nocpu", bump("pa", 1, 0, MAP_LOOKUP_PERCPU_ELEM, 2),
                        "hother", bump("ph", 9, 0, MAP_LOOKUP_PERCPU_ELEM, 1)),
                spec("pa", MapType.PERCPU_ARRAY, 4, 8, 2), spec("ph", MapType.PERCPU_HASH, 4, 8, 4))) {
            assertEquals(1, run(obj, "arr", 0).r0());
            assertEquals(1, run(obj, "arr", 1).r0());
            assertEquals(2, run(obj, "arr", 1).r0());
            byte[] v = obj.map("pa").lookup(1L).orElseThrow();
            assertEquals(1, le(v, 0, 8));
            assertEquals(2, le(v, 8, 8));
            assertEquals(2, run(obj, "other", 0).r0());        // CPU 1's value, read from CPU 0
            assertEquals(-1, run(obj, "nocpu", 0).r0());       // no CPU 2: NULL
            assertEquals(0, run(obj, "hash", 1).r0());
            byte[] h = obj.map("ph").lookup(obj.map("ph").key(9)).orElseThrow();
            assertEquals(0, le(h, 0, 8));                      // a new key: zero on the other CPUs
            assertEquals(5, le(h, 8, 8));
            assertEquals(5, run(obj, "hother", 0).r0());
        }
    }

    static List<Instruction> push(String map, long value, long flags) {
        return asm().stdw(10, -8, value).map(1, map).fp(2, -8).mov(3, flags).call(MAP_PUSH_ELEM).exit().build();
    }

    /** pop or peek into fp-8: the value, or the negative errno (and then the buffer's first byte must be zero). */
    static List<Instruction> pop(String map, int helper) {
        return asm().stdw(10, -8, -1).map(1, map).fp(2, -8).call(helper).jeq(0, 0, 3).ldxdw(1, 10, -8).addx(0, 1).exit()
                .ldxdw(0, 10, -8).exit().build();
    }

    @Test
    void queueStackAndBloomFromPrograms() {
        try (LoadedObject obj = load(TWO_CPUS, programs(
                        "push1", push("q", 1, 0), "push2", push("q", 2, 0), "push3", push("q", 3, 0),
                        "push3x", push("q", 3, 2), "pushBad", push("q", 3, 1),
                        "pop", pop("q", MAP_POP_ELEM), "peek", pop("q", MAP_PEEK_ELEM),
                        "spush", push("s", 7, 0), "spop", pop("s", MAP_POP_ELEM),
                        "badd", push("b", 42, 0), "baddx", push("b", 42, 2), "bpeek42", bloomPeek(42), "bpeek43", bloomPeek(43),
                        "bpop", pop("b", MAP_POP_ELEM)),
                spec("q", MapType.QUEUE, 0, 8, 2), spec("s", MapType.STACK, 0, 8, 2),
                spec("b", MapType.BLOOM_FILTER, 0, 8, 100))) {
            assertEquals(-ENOENT, run(obj, "pop", 0).r0());      // empty; the buffer was cleared (-ENOENT + 0)
            assertEquals(-ENOENT, run(obj, "peek", 0).r0());
            assertEquals(0, run(obj, "push1", 0).r0());
            assertEquals(0, run(obj, "push2", 1).r0());
            assertEquals(-E2BIG, run(obj, "push3", 0).r0());
            assertEquals(-EINVAL, run(obj, "pushBad", 0).r0());
            assertEquals(0, run(obj, "push3x", 0).r0());         // BPF_EXIST: the oldest (1) goes
            assertEquals(2, run(obj, "peek", 0).r0());
            assertEquals(2, run(obj, "pop", 0).r0());
            assertEquals(3, run(obj, "pop", 1).r0());
            assertEquals(0, run(obj, "spush", 0).r0());
            assertEquals(7, run(obj, "spop", 0).r0());
            assertEquals(-ENOENT, run(obj, "bpeek42", 0).r0());
            assertEquals(-EINVAL, run(obj, "baddx", 0).r0());
            assertEquals(0, run(obj, "badd", 0).r0());
            assertEquals(0, run(obj, "bpeek42", 1).r0());
            assertEquals(-ENOENT, run(obj, "bpeek43", 1).r0());
            var f = assertThrows(VmFault.class, () -> run(obj, "bpop", 0));   // the verifier refuses pop on a bloom filter
            assertEquals(VmFault.Kind.HELPER_ARGUMENT, f.kind());
            assertTrue(f.getMessage().contains("bpf_map_pop_elem#88"), f.getMessage());
        }
    }

    static List<Instruction> bloomPeek(long value) {
        return asm().stdw(10, -8, value).map(1, "b").fp(2, -8).call(MAP_PEEK_ELEM).exit().build();
    }

    @Test
    void helpersRefuseMapsTheVerifierWouldRefuse() {
        Object[][] cases = {
                {asm().stw(10, -4, 0).map(1, "q").fp(2, -4).call(MAP_LOOKUP_ELEM).exit(), "map_lookup_elem#1"},
                {asm().stdw(10, -8, 0).map(1, "h").fp(2, -8).mov(3, 0).call(MAP_PUSH_ELEM).exit(), "map_push_elem#87"},
                {asm().mov(6, 0).map(2, "a").mov(3, 0).movx(1, 6).call(TAIL_CALL).exit(), "tail_call#12"},
                {asm().stw(10, -4, 0).stdw(10, -16, 0).map(1, "o").fp(2, -4).fp(3, -16).mov(4, 0).call(MAP_UPDATE_ELEM).exit(),
                        "map_update_elem#2"},
                {asm().map(1, "l").mov(2, 0).mov(3, 0).mov(4, 0).call(FOR_EACH_MAP_ELEM).exit(), "for_each_map_elem#164"},
                {asm().stw(10, -4, 0).map(1, "a").fp(2, -4).mov(3, 0).call(MAP_LOOKUP_PERCPU_ELEM).exit(),
                        "map_lookup_percpu_elem#195"},
                {asm().map(1, "h").mov(2, 8).mov(3, 0).call(RINGBUF_RESERVE).exit(), "ringbuf_reserve#131"},
                {asm().map(1, "a").mov(2, 0).mov(3, 0).call(REDIRECT_MAP).exit(), "redirect_map#51"},
                {asm().mov(6, 0).map(2, "r").mov(3, 0).movx(1, 6).mov(4, 0).mov(5, 0).call(PERF_EVENT_OUTPUT).exit(),
                        "perf_event_output#25"},
        };
        for (Object[] c : cases) {
            try (LoadedObject obj = load(TWO_CPUS, programs("p", ((MapTestKit.Asm) c[0]).build()),
                    spec("q", MapType.QUEUE, 0, 4, 2), spec("h", MapType.HASH, 8, 8, 2), spec("a", MapType.ARRAY, 4, 8, 2),
                    spec("l", MapType.LPM_TRIE, 8, 8, 2, MapChecks.F_NO_PREALLOC, 0), spec("r", MapType.RINGBUF, 0, 0, 4096),
                    outer("o", MapType.ARRAY_OF_MAPS, 4, 1, spec("i", MapType.ARRAY, 4, 8, 2), List.of()))) {
                var f = assertThrows(VmFault.class, () -> run(obj, "p", 0), (String) c[1]);
                assertEquals(VmFault.Kind.HELPER_ARGUMENT, f.kind());
                assertTrue(f.getMessage().contains("bpf_" + c[1]), f.getMessage());
            }
        }
    }

    @Test
    void ringBufferRecordsFromPrograms() {
        var reserveSubmit = asm().map(1, "rb").mov(2, 12).mov(3, 0).call(RINGBUF_RESERVE).jne(0, 0, 1).exit()
                .stw(0, 0, 0x11).stw(0, 8, 0x22).movx(1, 0).mov(2, 0).call(RINGBUF_SUBMIT).mov(0, 1).exit().build();
        var reserveDiscard = asm().map(1, "rb").mov(2, 4).mov(3, 0).call(RINGBUF_RESERVE).jne(0, 0, 1).exit()
                .stw(0, 0, 0x33).movx(1, 0).mov(2, 0).call(RINGBUF_DISCARD).mov(0, 1).exit().build();
        var output = asm().stdw(10, -8, 0x44).map(1, "rb").fp(2, -8).mov(3, 8).mov(4, 0).call(RINGBUF_OUTPUT).exit().build();
        var outputBadFlags = asm().stdw(10, -8, 0x44).map(1, "rb").fp(2, -8).mov(3, 8).mov(4, 4).call(RINGBUF_OUTPUT).exit().build();
        var reserveFlags = asm().map(1, "rb").mov(2, 8).mov(3, 1).call(RINGBUF_RESERVE).exit().build();
        var reserveHuge = asm().map(1, "rb").mov(2, 5000).mov(3, 0).call(RINGBUF_RESERVE).exit().build();
        var reserveOnly = asm().map(1, "rb").mov(2, 2000).mov(3, 0).call(RINGBUF_RESERVE).exit().build();
        var avail = asm().map(1, "rb").mov(2, 0).call(RINGBUF_QUERY).exit().build();
        var size = asm().map(1, "rb").mov(2, 1).call(RINGBUF_QUERY).exit().build();
        var bogus = asm().movx(1, 10).addi(1, -8).mov(2, 0).call(RINGBUF_SUBMIT).exit().build();
        try (LoadedObject obj = load(TWO_CPUS, programs("rs", reserveSubmit, "rd", reserveDiscard, "out", output,
                "outBad", outputBadFlags, "rf", reserveFlags, "rh", reserveHuge, "ro", reserveOnly, "avail", avail,
                "size", size, "bogus", bogus), spec("rb", MapType.RINGBUF, 0, 0, 4096))) {
            MapHandle rb = obj.map("rb");
            var r = run(obj, "rs", 1);
            assertEquals(1, r.r0());
            assertEquals(1, r.kernel().records.size());
            assertEquals(1, run(obj, "rd", 0).r0());
            var o = run(obj, "out", 0);
            assertEquals(0, o.r0());
            assertEquals(1, o.kernel().records.size());
            assertEquals(-EINVAL, run(obj, "outBad", 0).r0());
            assertEquals(0, run(obj, "rf", 0).r0());
            assertEquals(0, run(obj, "rh", 0).r0());
            assertEquals(24 + 16 + 16, run(obj, "avail", 0).r0());      // headers + data, 8-aligned, discarded included
            assertEquals(4096, run(obj, "size", 0).r0());
            List<TestRunResult.OutputRecord> got = rb.consume();
            assertEquals(2, got.size());                                 // the discarded record is skipped
            assertEquals(1, got.get(0).cpu());
            assertEquals(12, got.get(0).data().length);
            assertEquals(0x11, le(got.get(0).data(), 0, 4));
            assertEquals(0x22, le(got.get(0).data(), 8, 4));
            assertEquals(0x44, le(got.get(1).data(), 0, 8));
            assertTrue(rb.consume().isEmpty());
            assertEquals(0, run(obj, "avail", 0).r0());
            // fill it: 2008-byte records; the kernel keeps used space below the size
            assertTrue(run(obj, "ro", 0).r0() != 0);
            assertTrue(run(obj, "ro", 0).r0() != 0);
            assertEquals(0, run(obj, "ro", 0).r0());                    // full: NULL
            for (int i = 0; i < 4; i++)                                  // 4016 + 4 * 16 = 4080 bytes: fits
                assertEquals(0, run(obj, "out", 0).r0());
            assertEquals(-EAGAIN, run(obj, "out", 0).r0());              // 4096 would fill the ring completely
            assertTrue(rb.consume().isEmpty());                          // the first record is still reserved
            var f = assertThrows(VmFault.class, () -> run(obj, "bogus", 0));
            assertEquals(VmFault.Kind.HELPER_ARGUMENT, f.kind());
            assertTrue(f.getMessage().contains("bpf_ringbuf_submit#132"), f.getMessage());
        }
    }

    @Test
    void ringBufferRecordsWrapAroundContiguously() {
        // 1000-byte records (1008 with the header) in a 4096-byte ring: records keep crossing the end
        var write = asm().map(1, "rb").mov(2, 1000).mov(3, 0).call(RINGBUF_RESERVE).jne(0, 0, 1).exit()
                .stdw(0, 0, 0x55).stdw(0, 992, 0x66).movx(1, 0).mov(2, 0).call(RINGBUF_SUBMIT).mov(0, 1).exit().build();
        try (LoadedObject obj = load(TWO_CPUS, programs("w", write), spec("rb", MapType.RINGBUF, 0, 0, 4096))) {
            MapHandle rb = obj.map("rb");
            int total = 0;
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < 3; i++)
                    assertEquals(1, run(obj, "w", 0).r0(), "round " + round);
                for (TestRunResult.OutputRecord rec : rb.consume()) {
                    assertEquals(0x55, le(rec.data(), 0, 8));
                    assertEquals(0x66, le(rec.data(), 992, 8));
                    total++;
                }
            }
            assertEquals(15, total);
        }
    }

    static List<Instruction> perfOut(long flags, long value) {
        return asm().movx(6, 1).stdw(10, -8, value).movx(1, 6).map(2, "perf").ldImm(3, flags).fp(4, -8).mov(5, 8)
                .call(PERF_EVENT_OUTPUT).exit().build();
    }

    @Test
    void perfEventOutputOnTheCurrentCpu() {
        try (LoadedObject obj = load(TWO_CPUS, programs("cur", perfOut(F_CURRENT_CPU, 7), "idx0", perfOut(0, 8),
                "idx5", perfOut(5, 9), "bad", perfOut(1L << 60, 9), "ctxlen", perfOut(1L << 33, 9)),
                spec("perf", MapType.PERF_EVENT_ARRAY, 4, 4, 0))) {
            var r = run(obj, "cur", 1);
            assertEquals(0, r.r0());
            assertEquals(List.of(1), r.kernel().records.stream().map(TestRunResult.OutputRecord::cpu).toList());
            assertEquals(0, run(obj, "idx0", 0).r0());
            assertEquals(-EOPNOTSUPP, run(obj, "idx0", 1).r0());        // CPU 0's buffer, written from CPU 1
            assertEquals(-E2BIG, run(obj, "idx5", 0).r0());
            assertEquals(-EINVAL, run(obj, "bad", 0).r0());
            assertEquals(-EOPNOTSUPP, run(obj, "ctxlen", 0).r0());
            MapHandle perf = obj.map("perf");
            var got = perf.consume();
            assertEquals(2, got.size());
            assertEquals(7, le(got.get(0).data(), 0, 8));
            assertEquals(8, le(got.get(1).data(), 0, 8));
            perf.delete(perf.key(0));
            assertEquals(-ENOENT, run(obj, "idx0", 0).r0());
            perf.update(perf.key(0), perf.value(0));
            int n = 0;
            long e;
            while ((e = run(obj, "idx0", 0).r0()) == 0)
                n++;
            assertEquals(-ENOSPC, e);
            assertEquals(PerfEventArrayMap.BUFFER_BYTES / 24, n);        // 4 + 8 bytes rounded to 16, plus 8 of header
            assertEquals(n, perf.consume().size());
            assertEquals(0, run(obj, "idx0", 0).r0());
        }
    }

    @Test
    void tailCallsFollowTheKernelsLimitAndContinueOnFailure() {
        // count[0] += 1, then tail-call progs[slot]: itself (slot 0), an empty slot (1), or past the end (9)
        java.util.function.IntFunction<List<Instruction>> loop = slot -> asm().movx(6, 1)
                .stw(10, -4, 0).map(1, "count").fp(2, -4).call(MAP_LOOKUP_ELEM).jne(0, 0, 2).mov(0, -1).exit()
                .mov(1, 1).atomicAdd(0, 0, 1)
                .movx(1, 6).map(2, "progs").mov(3, slot).call(TAIL_CALL).exit().build();
        try (LoadedObject obj = load(TWO_CPUS, programs("self", loop.apply(0), "empty", loop.apply(1), "past", loop.apply(9)),
                spec("count", MapType.ARRAY, 4, 8, 1),
                outer("progs", MapType.PROG_ARRAY, 4, 2, null, List.of(new MapSlot(0, "self"))))) {
            MapHandle count = obj.map("count");
            assertEquals(-EBUSY, run(obj, "self", 0).r0());
            assertEquals(1 + MAX_TAIL_CALL_CNT, count.lookupLong(0).orElseThrow()); // the first run and 33 tail calls
            count.update(count.key(0), count.value(0));
            assertEquals(-ENOENT, run(obj, "empty", 0).r0());
            assertEquals(-E2BIG, run(obj, "past", 0).r0());
            assertEquals(2, count.lookupLong(0).orElseThrow());
        }
    }

    @Test
    void tailCallsAndMapsOfMapsOfTheTestdataObject() throws Exception {
        try (LoadedObject obj = Bpf4j.open("tail_calls.o", TestObjects.object("tail_calls", Target.BPFEL)).load()) {
            var entry = obj.program("tail_entry");
            assertEquals(2, entry.testRun(TestRun.ofData(new byte[64])).retval());   // len & 3 = 0: tail_a, XDP_PASS
            assertEquals(1, entry.testRun(TestRun.ofData(new byte[66])).retval());   // 2: tail_b, XDP_DROP
            assertEquals(0, entry.testRun(TestRun.ofData(new byte[65])).retval());   // 1: empty, XDP_ABORTED
            MapHandle a = obj.map("inner_a"), b = obj.map("inner_b");
            assertEquals(3, a.lookupLong(3).orElseThrow());       // count(0, 3) on every entry run
            assertEquals(1, a.lookupLong(0).orElseThrow());       // tail_a
            assertEquals(1, b.lookupLong(2).orElseThrow());       // tail_b: count(1, 2)
            assertEquals(1, b.lookupLong(1).orElseThrow());       // tail_b through outer_hash[3]
            assertEquals(obj.program("tail_b").fd(), le(obj.map("jmp_table").lookup(2L).orElseThrow(), 0, 4));
        }
    }

    /** main: *(u64 *)(fp-8) = 0; n = for_each(h, cb, fp-8, flags); return sum << 8 | n.
     *  cb(map, key, value, ctx): *ctx += *(u32 *)key + *(u64 *)value; return *(u32 *)key == stopAt. */
    static List<Instruction> forEach(long stopAt, long flags) {
        var main = asm().stdw(10, -8, 0).map(1, "h").func(2, 0).fp(3, -8).mov(4, flags).call(FOR_EACH_MAP_ELEM)
                .ldxdw(1, 10, -8).lsh(1, 8).orx(0, 1).exit();
        int cb = main.slots();
        var a = asm().stdw(10, -8, 0).map(1, "h");
        a.func(2, cb);
        a.fp(3, -8).mov(4, flags).call(FOR_EACH_MAP_ELEM).ldxdw(1, 10, -8).lsh(1, 8).orx(0, 1).exit();
        a.ldxw(5, 2, 0).ldxdw(6, 3, 0).addx(6, 5).ldxdw(7, 4, 0).addx(7, 6).stxdw(4, 0, 7)
                .mov(0, 0).jne(5, stopAt, 1).mov(0, 1).exit();
        return a.build();
    }

    @Test
    void forEachMapElemCallsBackWithKeyAndValuePointers() {
        try (LoadedObject obj = load(TWO_CPUS, programs("all", forEach(99, 0), "stop", forEach(2, 0), "flags", forEach(99, 1)),
                spec("h", MapType.HASH, 4, 8, 8))) {
            MapHandle h = obj.map("h");
            for (int k = 1; k <= 3; k++)
                h.update(h.key(k), h.value(k * 100L));
            long r = run(obj, "all", 0).r0();
            assertEquals(3, r & 0xff);
            assertEquals(1 + 2 + 3 + 100 + 200 + 300, r >> 8);
            r = run(obj, "stop", 0).r0();
            assertEquals(2, r & 0xff);                              // keys 1 and 2 (insertion order); 2 stops
            assertEquals(1 + 2 + 100 + 200, r >> 8);
            assertEquals(-EINVAL, (int) run(obj, "flags", 0).r0());
        }
    }

    static List<Instruction> redirect(long key, long flags) {
        return asm().map(1, "dev").mov(2, key).ldImm(3, flags).call(REDIRECT_MAP).exit().build();
    }

    @Test
    void redirectMapRecordsTheTargetOrFallsBack() {
        try (LoadedObject obj = load(TWO_CPUS, programs("hit", redirect(1, 0), "miss", redirect(2, 2),
                "bcast", redirect(2, F_BROADCAST), "bad", redirect(1, 1 << 5)), spec("dev", MapType.DEVMAP, 4, 4, 4))) {
            obj.map("dev").update(obj.map("dev").key(1), le(4, 7));
            var r = run(obj, "hit", 0);
            assertEquals(XDP_REDIRECT, r.r0());
            assertEquals(List.of(new TestRunResult.Redirect("redirect_map", "dev", 1, 0)), r.kernel().redirects);
            r = run(obj, "miss", 0);
            assertEquals(2, r.r0());                                 // XDP_PASS from the flags' low bits
            assertTrue(r.kernel().redirects.isEmpty());
            assertEquals(XDP_REDIRECT, run(obj, "bcast", 0).r0());
            assertEquals(0, run(obj, "bad", 0).r0());                // unknown flag: XDP_ABORTED
        }
    }

    @Test
    void mapsOfMapsHandInnerMapsToPrograms() {
        // inner = lookup(outer, 0); v = lookup(inner, 1); *v += 5
        var p = asm().stw(10, -4, 0).map(1, "outer").fp(2, -4).call(MAP_LOOKUP_ELEM).jne(0, 0, 2).mov(0, -1).exit()
                .movx(1, 0).stw(10, -4, 1).fp(2, -4).call(MAP_LOOKUP_ELEM).jne(0, 0, 2).mov(0, -2).exit()
                .mov(1, 5).atomicAdd(0, 0, 1).mov(0, 0).exit().build();
        try (LoadedObject obj = load(TWO_CPUS, programs("p", p), spec("in1", MapType.ARRAY, 4, 8, 2),
                spec("in2", MapType.ARRAY, 4, 8, 2),
                outer("outer", MapType.HASH_OF_MAPS, 4, 2, spec("t", MapType.ARRAY, 4, 8, 2), List.of()))) {
            assertEquals(-1, run(obj, "p", 0).r0());
            MapHandle outerMap = obj.map("outer");
            outerMap.update(outerMap.key(0), le(4, obj.map("in2").fd()));
            assertEquals(0, run(obj, "p", 0).r0());
            assertEquals(5, obj.map("in2").lookupLong(1).orElseThrow());
            assertEquals(0, obj.map("in1").lookupLong(1).orElseThrow());
        }
    }

    @Test
    void theMapsOfTheTestdataObjectMapsBtf() throws Exception {
        for (Target t : Target.values())
            try (LoadedObject obj = Bpf4j.open("maps_btf.o", TestObjects.object("maps_btf", t)).load(new EmulatorBackend(TWO_CPUS))) {
                MapHandle prefixes = obj.map("prefixes");
                byte[] key = java.nio.ByteBuffer.allocate(8).order(prefixes.byteOrder()).putInt(8).put((byte) 10).array();
                prefixes.update(key, prefixes.value(1));                            // 10.0.0.0/8: class 1, dropped
                TestRunResult r = obj.program("xdp_maps").testRun(TestRun.ofData(new byte[64]));
                assertEquals(1, r.retval(), t.toString());                          // XDP_DROP: the LPM lookup matched
                assertEquals(64, obj.map("slots").lookupLong(0).orElseThrow());
                MapHandle counts = obj.map("counts");
                assertEquals(1, counts.keys().size());
                assertEquals(1, MapHandle.decode(counts.entries().get(0).value(), counts.byteOrder()));
                MapHandle stats = obj.map("cpu_stats");                             // per-CPU {packets, bytes}
                byte[] v = stats.lookup(0L).orElseThrow();
                assertEquals(32, v.length);
                var b = java.nio.ByteBuffer.wrap(v).order(stats.byteOrder());
                assertEquals(1, b.getLong(0) + b.getLong(16));                      // one packet, on one of the CPUs
                assertEquals(64, b.getLong(8) + b.getLong(24));
                MapHandle flows = obj.map("flows");
                assertEquals(1, flows.keys().size());
                var f = java.nio.ByteBuffer.wrap(flows.entries().get(0).value()).order(flows.byteOrder());
                assertEquals(1, f.getLong(0));
                assertEquals(64, f.getLong(8));
                assertEquals(1, obj.map("cpu_hash").keys().size());
            }
    }

    @Test
    void theTracepointProgramOfMapsBtfFeedsItsQueuesAndBuffers() throws Exception {
        try (LoadedObject obj = Bpf4j.open("maps_btf.o", TestObjects.object("maps_btf", Target.BPFEL)).load(new EmulatorBackend(TWO_CPUS))) {
            var tp = obj.program("tp_maps");
            TestRunResult first = tp.testRun(new TestRun(null, new byte[64], 1));
            assertEquals(List.of("events", "perf_out"), first.records().stream().map(TestRunResult.OutputRecord::map).toList());
            int pid = EmulatorConfig.defaults().task().tgid();
            assertEquals(pid, le(first.records().get(0).data(), 0, 4));       // struct event: pid, fd (0: the queue was empty)
            assertEquals(0, le(first.records().get(0).data(), 4, 4));
            assertEquals(pid, le(obj.map("fd_queue").lookup(new byte[0]).orElseThrow(), 0, 4));
            assertTrue(obj.map("cnt_stack").lookup(new byte[0]).isPresent());
            assertTrue(obj.map("seen_pids").lookup(le(4, pid)).isPresent());
            assertEquals(1, obj.map("events").consume().size());
            assertEquals(1, obj.map("perf_out").consume().size());
            TestRunResult second = tp.testRun(new TestRun(null, new byte[64], 1));    // the bloom filter has seen the pid: returns early
            assertTrue(second.records().isEmpty());
            assertTrue(obj.map("events").consume().isEmpty());
        }
    }
}
