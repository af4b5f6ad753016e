package dev.bpf4j.emulator;

import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.UpdateFlag;
import dev.bpf4j.loader.MapSlot;
import dev.bpf4j.loader.MapType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.bpf4j.emulator.MapHelpers.*;
import static dev.bpf4j.emulator.MapTestKit.le;
import static dev.bpf4j.emulator.MapTestKit.load;
import static dev.bpf4j.emulator.MapTestKit.outer;
import static dev.bpf4j.emulator.MapTestKit.programs;
import static dev.bpf4j.emulator.MapTestKit.run;
import static dev.bpf4j.emulator.MapTestKit.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every mutating path of every map type reaches the {@link MapObserver}, once per change, and failed operations do not. */
class MapObserverTest {
    static final byte[] NO_KEY = new byte[0];

    /** Records "map:update:key:old:new" and "map:delete:key:old", the byte arrays as little-endian numbers (or their length). */
    static final class Recorder implements MapObserver {
        final List<String> events = new ArrayList<>();

        static String show(byte[] b) {
            if (b == null)
                return "-";
            return b.length == 4 || b.length == 8 ? Long.toString(le(b, 0, b.length)) : "[" + b.length + "]";
        }

        @Override
        public synchronized void onUpdate(EmulatorMap map, Change change, byte[] key, byte[] oldValue, byte[] newValue, long flags, VmState s) {
            events.add(map.name() + ":update:" + show(key) + ":" + show(oldValue) + ":" + show(newValue));
        }

        @Override
        public synchronized void onDelete(EmulatorMap map, Change change, byte[] key, byte[] oldValue, VmState s) {
            events.add(map.name() + ":delete:" + show(key) + ":" + show(oldValue));
        }

        List<String> take() {
            var out = List.copyOf(events);
            events.clear();
            return out;
        }
    }

    static Recorder observe(LoadedObject obj) {
        var r = new Recorder();
        for (MapHandle m : obj.maps())
            ((EmulatorMap) m).observe(r);
        return r;
    }

    @Test
    void keyedMapsFromUserSpace() {
        try (LoadedObject obj = load(EmulatorConfig.defaults().withCpus(1), java.util.Map.of(),
                spec("a", MapType.ARRAY, 4, 8, 2), spec("h", MapType.HASH, 4, 8, 2), spec("lru", MapType.LRU_HASH, 4, 8, 1),
                spec("pa", MapType.PERCPU_ARRAY, 4, 8, 1), spec("lpm", MapType.LPM_TRIE, 8, 4, 2, MapChecks.F_NO_PREALLOC, 0),
                spec("dev", MapType.DEVMAP, 4, 4, 2), spec("devh", MapType.DEVMAP_HASH, 4, 4, 2), spec("cpu", MapType.CPUMAP, 4, 4, 1),
                spec("xsk", MapType.XSKMAP, 4, 4, 1), spec("in", MapType.ARRAY, 4, 8, 1),
                outer("aom", MapType.ARRAY_OF_MAPS, 4, 1, spec("t", MapType.ARRAY, 4, 8, 1), List.of()),
                outer("hom", MapType.HASH_OF_MAPS, 4, 1, spec("t", MapType.ARRAY, 4, 8, 1), List.of()),
                spec("perf", MapType.PERF_EVENT_ARRAY, 4, 4, 1))) {
            Recorder r = observe(obj);
            MapHandle a = obj.map("a"), h = obj.map("h"), lru = obj.map("lru");
            a.update(a.key(1), a.value(5));
            a.update(a.key(1), a.value(6));
            h.update(h.key(1), h.value(5));
            h.update(h.key(1), h.value(7), UpdateFlag.EXIST);
            h.lookupAndDelete(h.key(1));
            h.update(h.key(2), h.value(8));
            h.delete(h.key(2));
            lru.update(lru.key(1), lru.value(1));
            lru.update(lru.key(2), lru.value(2));                    // evicts 1
            obj.map("pa").update(a.key(0), a.value(3));
            assertEquals(List.of("a:update:1:0:5", "a:update:1:5:6", "h:update:1:-:5", "h:update:1:5:7", "h:delete:1:7",
                    "h:update:2:-:8", "h:delete:2:8", "lru:update:1:-:1", "lru:delete:1:1", "lru:update:2:-:2",
                    "pa:update:0:0:3"), r.take());
            MapHandle lpm = obj.map("lpm");
            lpm.update(MapTypesTest.lpmKey(8, 10, 0, 0, 0), le(4, 1));
            lpm.update(MapTypesTest.lpmKey(8, 10, 0, 0, 0), le(4, 2));
            lpm.delete(MapTypesTest.lpmKey(8, 10, 0, 0, 0));
            long k = 10L << 32 | 8; // the 8-byte key: prefixlen 8, data 10.0.0.0
            assertEquals(List.of("lpm:update:" + k + ":-:1", "lpm:update:" + k + ":1:2", "lpm:delete:" + k + ":2"), r.take());
            MapHandle dev = obj.map("dev"), devh = obj.map("devh"), cpu = obj.map("cpu"), xsk = obj.map("xsk");
            dev.update(dev.key(1), le(4, 9));
            dev.update(dev.key(1), le(4, 0));                        // ifindex 0: a delete
            dev.delete(dev.key(0));                                   // already empty: no event
            devh.update(devh.key(5), le(4, 9));
            devh.delete(devh.key(5));
            cpu.update(cpu.key(0), le(4, 64));
            cpu.delete(cpu.key(0));
            xsk.update(xsk.key(0), le(4, 3));
            xsk.delete(xsk.key(0));
            assertEquals(List.of("dev:update:1:-:9", "dev:delete:1:9", "devh:update:5:-:9", "devh:delete:5:9",
                    "cpu:update:0:-:64", "cpu:delete:0:64", "xsk:update:0:-:3", "xsk:delete:0:3"), r.take());
            int in = obj.map("in").fd();
            MapHandle aom = obj.map("aom"), hom = obj.map("hom"), perf = obj.map("perf");
            aom.update(aom.key(0), le(4, in));
            aom.delete(aom.key(0));
            hom.update(hom.key(3), le(4, in));
            hom.delete(hom.key(3));
            perf.delete(perf.key(0));
            perf.update(perf.key(0), le(4, 1));
            assertEquals(List.of("aom:update:0:-:" + in, "aom:delete:0:" + in, "hom:update:3:-:" + in, "hom:delete:3:" + in,
                    "perf:delete:0:-", "perf:update:0:-:1"), r.take());
        }
    }

    @Test
    void failedOperationsReportNothing() {
        try (LoadedObject obj = load(spec("h", MapType.HASH, 4, 8, 1), spec("a", MapType.ARRAY, 4, 8, 1),
                spec("q", MapType.QUEUE, 0, 4, 1))) {
            Recorder r = observe(obj);
            MapHandle h = obj.map("h"), a = obj.map("a"), q = obj.map("q");
            h.update(h.key(1), h.value(1));
            r.take();
            MapTestKit.errno(17, () -> h.update(h.key(1), h.value(1), UpdateFlag.NOEXIST));
            MapTestKit.errno(7, () -> h.update(h.key(2), h.value(1)));
            MapTestKit.errno(2, () -> h.delete(h.key(2)));
            MapTestKit.errno(17, () -> a.update(a.key(0), a.value(1), UpdateFlag.NOEXIST));
            MapTestKit.errno(22, () -> a.delete(a.key(0)));
            q.update(NO_KEY, le(4, 1));
            r.take();
            MapTestKit.errno(7, () -> q.update(NO_KEY, le(4, 2)));
            assertEquals(List.of(), r.take());
        }
    }

    @Test
    void queueStackBloomRingBufferAndPerfFromPrograms() {
        var push = new MapTestKit.Asm().stdw(10, -8, 7).map(1, "q").fp(2, -8).mov(3, 2).call(MAP_PUSH_ELEM).exit().build();
        var pop = new MapTestKit.Asm().map(1, "q").fp(2, -8).call(MAP_POP_ELEM).exit().build();
        var bloom = new MapTestKit.Asm().stdw(10, -8, 7).map(1, "b").fp(2, -8).mov(3, 0).call(MAP_PUSH_ELEM).exit().build();
        var submit = new MapTestKit.Asm().map(1, "rb").mov(2, 8).mov(3, 0).call(RINGBUF_RESERVE).jne(0, 0, 1).exit()
                .stdw(0, 0, 9).movx(1, 0).mov(2, 0).call(RINGBUF_SUBMIT).exit().build();
        var discard = new MapTestKit.Asm().map(1, "rb").mov(2, 8).mov(3, 0).call(RINGBUF_RESERVE).jne(0, 0, 1).exit()
                .stdw(0, 0, 4).movx(1, 0).mov(2, 0).call(RINGBUF_DISCARD).exit().build();
        var output = new MapTestKit.Asm().stdw(10, -8, 5).map(1, "rb").fp(2, -8).mov(3, 8).mov(4, 0).call(RINGBUF_OUTPUT).exit().build();
        var perf = new MapTestKit.Asm().movx(6, 1).stdw(10, -8, 6).movx(1, 6).map(2, "perf").ldImm(3, F_CURRENT_CPU).fp(4, -8)
                .mov(5, 8).call(PERF_EVENT_OUTPUT).exit().build();
        var update = new MapTestKit.Asm().stw(10, -4, 1).stdw(10, -16, 3).map(1, "pa").fp(2, -4).fp(3, -16).mov(4, 0)
                .call(MAP_UPDATE_ELEM).exit().build();
        var delete = new MapTestKit.Asm().stw(10, -4, 1).map(1, "h").fp(2, -4).call(MAP_DELETE_ELEM).exit().build();
        try (LoadedObject obj = load(EmulatorConfig.defaults().withCpus(2), programs("push", push, "pop", pop, "bloom", bloom,
                        "submit", submit, "discard", discard, "output", output, "perf", perf, "update", update, "delete", delete),
                spec("q", MapType.QUEUE, 0, 8, 1), spec("b", MapType.BLOOM_FILTER, 0, 8, 10), spec("rb", MapType.RINGBUF, 0, 0, 4096),
                spec("perf", MapType.PERF_EVENT_ARRAY, 4, 4, 2), spec("pa", MapType.PERCPU_ARRAY, 4, 8, 2),
                spec("h", MapType.HASH, 4, 8, 2))) {
            Recorder r = observe(obj);
            obj.map("h").update(obj.map("h").key(1), obj.map("h").value(2));
            r.take();
            run(obj, "push", 0);
            run(obj, "push", 0);                                     // full, BPF_EXIST: the oldest goes first
            run(obj, "pop", 0);
            run(obj, "bloom", 0);
            assertEquals(List.of("q:update:[0]:-:7", "q:delete:[0]:7", "q:update:[0]:-:7", "q:delete:[0]:7",
                    "b:update:[0]:-:7"), r.take());
            run(obj, "submit", 1);
            run(obj, "discard", 1);
            run(obj, "output", 1);
            obj.map("rb").consume();
            assertEquals(List.of("rb:update:0:-:0", "rb:update:0:-:9", "rb:update:16:-:0", "rb:delete:16:4",
                    "rb:update:32:-:0", "rb:update:32:-:5", "rb:delete:0:9", "rb:delete:32:5"), r.take());
            run(obj, "perf", 1);
            obj.map("perf").consume();
            run(obj, "update", 1);                                   // a program's per-CPU update: its CPU's value
            run(obj, "delete", 0);
            assertEquals(List.of("perf:update:1:-:6", "perf:delete:1:6", "pa:update:1:0:3", "h:delete:1:2"), r.take());
        }
    }

    @Test
    void tailCallProgramSlotsFromBtfInitialisersAreUpdatesToo() {
        var noop = new MapTestKit.Asm().mov(0, 2).exit().build();
        try (LoadedObject obj = load(EmulatorConfig.defaults(), programs("p", noop),
                outer("progs", MapType.PROG_ARRAY, 4, 2, null, List.of(new MapSlot(1, "p"))))) {
            Recorder r = observe(obj);
            MapHandle progs = obj.map("progs");
            int fd = obj.program("p").fd();
            progs.delete(progs.key(1));
            progs.update(progs.key(0), le(4, fd));
            assertEquals(List.of("progs:delete:1:" + fd, "progs:update:0:-:" + fd), r.take());
        }
    }
}
