package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.Link;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.loader.SectionTable.MapTraceTarget.Operation;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.bpf4j.emulator.TraceKit.attach;
import static dev.bpf4j.emulator.TraceKit.contents;
import static dev.bpf4j.emulator.TraceKit.errno;
import static dev.bpf4j.emulator.TraceKit.get;
import static dev.bpf4j.emulator.TraceKit.load;
import static dev.bpf4j.emulator.TraceKit.xdp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Map tracing in the emulator (the seeds' proposal): tracers run after the updates and
 * deletes of the map they are linked to, in attach order, with the seeds' context, from
 * programs and (optionally) user space; links detach; loops are refused.
 */
class MapTracingTest {
    static final Operation UPDATE = Operation.UPDATE_ELEM, DELETE = Operation.DELETE_ELEM;

    @ParameterizedTest
    @EnumSource(Target.class)
    void copyTracerKeepsTheMirrorEqualToTheTracedMap(Target target) {
        var backend = new EmulatorBackend();
        try (LoadedObject o = load(backend, "map_trace", target)) {
            MapHandle values = o.map("values"), mirror = o.map("mirror"), counts = o.map("trace_counts");
            attach(o, "trace_values_update", values, UPDATE, false);
            attach(o, "trace_values_delete", values, DELETE, false);
            // values_writer: key = len & 15; bit 4 of the length deletes, else values[key] = len
            for (int len : new int[] {14, 15, 20, 36, 46, 52, 31, 33})
                xdp(o, "values_writer", len);
            assertEquals(Map.of(14L, 46L, 1L, 33L), contents(values));
            assertEquals(contents(values), contents(mirror));
            assertEquals(5, get(counts, 0), "one tracer call per update: 14, 15, 36, 46, 33");
            assertEquals(2, get(counts, 1), "one per delete of a present key: 52 (key 4), 31 (key 15); not 20 (absent)");
        }
    }

    @Test
    void deletesOfAbsentKeysDoNotFire() {
        var backend = new EmulatorBackend();
        try (LoadedObject o = load(backend, "map_trace", Target.BPFEL)) {
            attach(o, "trace_values_delete", o.map("values"), DELETE, false);
            xdp(o, "values_writer", 16 + 3); // delete of key 3: absent, -ENOENT
            assertEquals(0, get(o.map("trace_counts"), 1));
        }
    }

    @Test
    void userSpaceChangesAreTracedOnlyWithTheOption() {
        var backend = new EmulatorBackend();
        try (LoadedObject o = load(backend, "map_trace", Target.BPFEL)) {
            MapHandle values = o.map("values"), mirror = o.map("mirror"), counts = o.map("trace_counts");
            Link up = attach(o, "trace_values_update", values, UPDATE, false);
            Link del = attach(o, "trace_values_delete", values, DELETE, false);
            values.update(values.key(1), values.value(100));
            values.delete(values.key(1));
            assertEquals(Map.of(), contents(mirror));
            assertEquals(0, get(counts, 0) + get(counts, 1));
            up.close();
            del.close();
            attach(o, "trace_values_update", values, UPDATE, true);
            attach(o, "trace_values_delete", values, DELETE, true);
            values.update(values.key(1), values.value(100));
            values.update(values.key(2), values.value(200));
            assertEquals(Map.of(1L, 100L, 2L, 200L), contents(mirror));
            values.delete(values.key(1));
            assertEquals(Map.of(2L, 200L), contents(mirror));
            values.lookupAndDelete(values.key(2));
            assertEquals(Map.of(), contents(mirror));
            assertEquals(2, get(counts, 0));
            assertEquals(2, get(counts, 1), "a lookup-and-delete is a delete");
            xdp(o, "values_writer", 36); // programs' updates are traced too
            assertEquals(Map.of(4L, 36L), contents(mirror));
        }
    }

    @Test
    void tracersReadTheContextByProbeReadAndDirectly() {
        var backend = new EmulatorBackend();
        try (LoadedObject o = load(backend, "map_trace_readers", Target.BPFEL)) {
            MapHandle traced = o.map("traced_map");
            attach(o, "collatz_tracer", traced, UPDATE, false);
            attach(o, "direct", traced, UPDATE, false);
            TestRunResult r = xdp(o, "set_value", 21);     // traced_map[5] = 21, BPF_EXIST (bit 4 set)
            xdp(o, "set_value", 36);                        // traced_map[4] = 36, BPF_ANY
            assertEquals(Map.of(5L, 64L, 4L, 18L), contents(o.map("tracer_map")), "collatz(21) = 64, collatz(36) = 18");
            assertEquals(Map.of(5L, 26L, 4L, 40L), contents(o.map("direct_map")), "value + key");
            assertEquals(Map.of(5L, 2L, 4L, 0L), contents(o.map("flags_seen")), "the update's flags");
            assertEquals(List.of("traced 5"), r.trace().stream().map(l -> l.replaceAll(".*: ", "")).toList(),
                    "a tracer's bpf_printk goes to the run that fired it: " + r.trace());
        }
    }

    @Test
    void tracersFireTracersNestedOnTheSameCpu() {
        var backend = new EmulatorBackend(EmulatorConfig.defaults().withCpus(1));
        try (LoadedObject o = load(backend, "map_trace_readers", Target.BPFEB)) {
            attach(o, "collatz_tracer", o.map("traced_map"), UPDATE, false);
            attach(o, "chain_next", o.map("tracer_map"), UPDATE, false);
            xdp(o, "set_value", 17); // traced_map[1] = 17 -> tracer_map[1] = 52 -> chain_end[1] = 52
            assertEquals(Map.of(1L, 52L), contents(o.map("chain_end")));
        }
    }

    @Test
    void tracersRunInAttachOrder() {
        var backend = new EmulatorBackend();
        try (LoadedObject o = load(backend, "map_trace_readers", Target.BPFEL)) {
            MapHandle traced = o.map("traced_map"), log = o.map("order_log");
            attach(o, "log_b", traced, UPDATE, false);
            Link a = attach(o, "log_a", traced, UPDATE, false);
            attach(o, "log_b", traced, UPDATE, false); // the same program twice: two links, two calls
            xdp(o, "set_value", 14);
            a.close();
            xdp(o, "set_value", 15);
            var order = new ArrayList<Long>();
            for (byte[] v; (v = log.lookupAndDelete(null).orElse(null)) != null; )
                order.add(MapHandle.decode(v, log.byteOrder()));
            assertEquals(List.of(2L, 1L, 2L, 2L, 2L), order);
        }
    }

    @Test
    void closingTheLinkStopsTheCalls() {
        var backend = new EmulatorBackend();
        try (LoadedObject o = load(backend, "map_trace", Target.BPFEL)) {
            Link l = attach(o, "trace_values_update", o.map("values"), UPDATE, false);
            assertTrue(l.isAttached());
            assertTrue(o.links().contains(l));
            assertEquals("map 'values' UPDATE_ELEM", l.target());
            xdp(o, "values_writer", 14);
            l.close();
            l.close(); // idempotent
            assertFalse(l.isAttached());
            assertFalse(o.links().contains(l));
            xdp(o, "values_writer", 15);
            assertEquals(1, get(o.map("trace_counts"), 0));
            assertEquals(Map.of(14L, 14L), contents(o.map("mirror")));
            errno(BackendException.ENOLINK, () -> l.update(o.program("trace_values_update")));
        }
    }

    @Test
    void tracersOfAnotherObjectFollowTheMap() {
        var backend = new EmulatorBackend();
        try (LoadedObject a = load(backend, "map_trace", Target.BPFEL);
             LoadedObject b = load(backend, "map_trace_pointer", Target.BPFEL)) {
            // b's mirror_update (u32 key, u64 value) follows a's values (hash u32 -> u64)
            Link l = attach(b, "mirror_update", a.map("values"), UPDATE, false);
            xdp(a, "values_writer", 36);
            a.map("values").update(a.map("values").key(9), a.map("values").value(9));
            assertEquals(Map.of(4L, 36L), contents(b.map("mirror")), "user space is not traced without the option");
            assertEquals(1, get(b.map("calls"), 0));
            assertTrue(b.links().contains(l));
            assertFalse(a.links().contains(l), "a link belongs to its program's object");
            b.close();
            assertFalse(l.isAttached());
            xdp(a, "values_writer", 37); // b's tracer is gone with b
        }
    }

    @Test
    void lruEvictionsAreNotDeletes() {
        var backend = new EmulatorBackend();
        try (LoadedObject o = load(backend, "map_trace_pointer", Target.BPFEL)) {
            MapHandle lru = o.map("lru");
            attach(o, "mirror_update", lru, UPDATE, false);
            attach(o, "mirror_delete", lru, DELETE, false);
            var kinds = new ArrayList<MapObserver.Change>();
            ((EmulatorMap) lru).observe(new MapObserver() {
                @Override
                public void onDelete(EmulatorMap map, Change change, byte[] key, byte[] oldValue, VmState s) {
                    kinds.add(change);
                }
            });
            for (int len = 14; len < 18; len++)
                xdp(o, "lru_put", len); // capacity 2: the third and fourth evict
            assertEquals(List.of(MapObserver.Change.EVICT, MapObserver.Change.EVICT), kinds);
            assertEquals(4, get(o.map("calls"), 0));
            assertEquals(0, get(o.map("calls"), 1), "an eviction fires no delete tracer");
            assertEquals(4, contents(o.map("mirror")).size(), "the mirror keeps what the LRU map evicted");
        }
    }

    @Test
    void aFaultingTracerFaultsTheRunThatFiredIt() {
        var backend = new EmulatorBackend();
        try (LoadedObject o = load(backend, "map_trace_readers", Target.BPFEL)) {
            MapHandle direct = o.map("direct_map");
            attach(o, "null_value", direct, DELETE, true); // reads ctx->value, NULL for a delete
            direct.update(direct.key(3), direct.value(1));
            String m = errno(BackendException.EFAULT, () -> xdp(o, "del_direct", 16 + 3));
            assertTrue(m.contains("program 'del_direct' faulted") && m.contains("map tracer 'null_value' (map 'direct_map' DELETE_ELEM) faulted")
                    && m.contains("null pointer"), m);
            assertEquals(Map.of(), contents(direct), "the delete itself happened");
            direct.update(direct.key(3), direct.value(1));
            m = errno(BackendException.EFAULT, () -> direct.delete(direct.key(3)));
            assertTrue(m.contains("map tracer 'null_value'"), m);
        }
    }

    @Test
    void theAddressSpaceDoesNotGrowWithTracedUpdates() {
        var backend = new EmulatorBackend(EmulatorConfig.defaults().withCpus(1));
        try (LoadedObject o = load(backend, "map_trace_readers", Target.BPFEL)) {
            MapHandle traced = o.map("traced_map");
            attach(o, "collatz_tracer", traced, UPDATE, true);
            attach(o, "chain_next", o.map("tracer_map"), UPDATE, true);
            Memory memory = ((EmulatorObject) o).memory;
            xdp(o, "set_value", 14);
            traced.update(traced.key(1), traced.value(1));
            int before = memory.regions().size();
            o.program("set_value").testRun(TestRun.ofData(new byte[20]).withRepeat(50_000));
            for (int i = 0; i < 50_000; i++)
                traced.update(traced.key(i & 15), traced.value(i));
            assertEquals(before, memory.regions().size());
            assertEquals(collatz(49_999), get(o.map("chain_end"), 49_999 & 15));
        }
    }

    static long collatz(long x) {
        return x % 2 == 1 ? x * 3 + 1 : x / 2;
    }

    @Test
    void nestingIsBounded() {
        var state = new VmState(new Memory(), 0);
        VmState s = state;
        for (int i = 1; i < VmState.MAX_NESTING; i++) {
            s = s.nested();
            assertEquals(i, s.level);
            assertEquals(0, s.cpu());
        }
        VmState deepest = s;
        VmFault f = org.junit.jupiter.api.Assertions.assertThrows(VmFault.class, deepest::nested);
        assertEquals(VmFault.Kind.CALL_DEPTH, f.kind());
        assertTrue(f.getMessage().contains("map tracers nest deeper than 8"), f.getMessage());
        assertInstanceOf(VmState.class, state.nested());
        assertTrue(state.nested() == state.nested(), "one nested state per level, reused");
    }
}
