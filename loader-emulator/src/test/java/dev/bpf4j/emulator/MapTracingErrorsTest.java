package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.Link;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.loader.SectionTable.MapTraceTarget.Operation;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.bpf4j.emulator.TraceKit.attach;
import static dev.bpf4j.emulator.TraceKit.contents;
import static dev.bpf4j.emulator.TraceKit.errno;
import static dev.bpf4j.emulator.TraceKit.load;
import static dev.bpf4j.emulator.TraceKit.xdp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every refusal of attachMapTrace and of a tracer link's update: the seeds' loop0 and loop1, and bad programs and maps. */
class MapTracingErrorsTest {
    static final Operation UPDATE = Operation.UPDATE_ELEM, DELETE = Operation.DELETE_ELEM;

    @Test
    void loop0ATracerThatUpdatesItsOwnMapIsRefused() {
        try (LoadedObject o = load(new EmulatorBackend(), "map_trace_loops", Target.BPFEL)) {
            String m = errno(BackendException.ELOOP, () -> attach(o, "loop0", o.map("traced_map"), UPDATE, false));
            assertEquals("attaching 'loop0' to map 'traced_map' (UPDATE_ELEM) would loop: map 'traced_map' -> program 'loop0'"
                    + " writes map 'traced_map'", m.replaceFirst("^.*?attaching", "attaching").replace(" (-ELOOP)", ""));
            errno(BackendException.ELOOP, () -> attach(o, "loop0", o.map("traced_map"), DELETE, true));
            assertTrue(o.links().isEmpty(), "nothing attached");
            attach(o, "loop0", o.map("map0"), UPDATE, false); // on another map, no loop
        }
    }

    @Test
    void loop1TwoTracersThatUpdateEachOthersMapsAreRefused() {
        try (LoadedObject o = load(new EmulatorBackend(), "map_trace_loops", Target.BPFEL)) {
            Link first = attach(o, "tracer0", o.map("map0"), UPDATE, false);
            String m = errno(BackendException.ELOOP, () -> attach(o, "tracer1", o.map("map1"), UPDATE, false));
            assertEquals("attaching 'tracer1' to map 'map1' (UPDATE_ELEM) would loop: map 'map1' -> program 'tracer1' writes"
                    + " map 'map0' -> program 'tracer0' writes map 'map1'", m.replaceFirst("^.*?attaching", "attaching").replace(" (-ELOOP)", ""));
            // tracer0 still works, alone
            xdp(o, "write_map0", 14);
            assertEquals(Map.of(14L, 14L), contents(o.map("map1")));
            first.close();
            attach(o, "tracer1", o.map("map1"), UPDATE, false); // the cycle's other half is gone
        }
    }

    @Test
    void aCycleAcrossTwoObjectsIsRefused() {
        var backend = new EmulatorBackend();
        try (LoadedObject a = load(backend, "map_trace_loops", Target.BPFEB);
             LoadedObject b = load(backend, "map_trace_loops", Target.BPFEB,
                     Map.of("map0", a.map("map0"), "map1", a.map("map1")))) {
            assertSame(a.map("map0"), b.map("map0"));
            attach(a, "tracer0", a.map("map0"), UPDATE, false);
            String m = errno(BackendException.ELOOP, () -> attach(b, "tracer1", b.map("map1"), DELETE, false));
            assertTrue(m.contains("map 'map1' -> program 'tracer1' writes map 'map0' -> program 'tracer0' writes map 'map1'"), m);
            // b's own (not reused) traced_map is another map: no cycle through it
            attach(b, "tracer1", b.map("traced_map"), UPDATE, false);
        }
    }

    @Test
    void aReplacementThatWouldLoopIsRefusedAndTheOldProgramStays() {
        try (LoadedObject o = load(new EmulatorBackend(), "map_trace_loops", Target.BPFEL)) {
            attach(o, "tracer1", o.map("map1"), UPDATE, false);           // map1 -> map0
            Link l = attach(o, "tracer0", o.map("traced_map"), UPDATE, false); // traced_map -> map1 -> map0
            String m = errno(BackendException.ELOOP, () -> l.update(o.program("loop0")));
            assertTrue(m.contains("attaching 'loop0' to map 'traced_map' (UPDATE_ELEM) would loop"), m);
            assertEquals("tracer0", l.program().name());
            errno(BackendException.ELOOP, () -> attach(o, "tracer1", o.map("map0"), DELETE, false)); // writes map0 itself
        }
    }

    @Test
    void onlyMapTracersAttach() {
        try (LoadedObject o = load(new EmulatorBackend(), "map_trace", Target.BPFEL)) {
            String m = errno(BackendException.EINVAL, () -> attach(o, "values_writer", o.map("values"), UPDATE, false));
            assertTrue(m.contains("program 'values_writer' (section 'xdp', xdp, xdp) is not a map tracer"), m);
            Link l = attach(o, "trace_values_update", o.map("values"), UPDATE, false);
            m = errno(BackendException.EINVAL, () -> l.update(o.program("values_writer")));
            assertTrue(m.contains("cannot replace"), m);
            m = errno(BackendException.EINVAL, () -> attach(o, "trace_values_update", o.map("values"), null, false));
            assertTrue(m.contains("no map operation"), m);
        }
    }

    @Test
    void mapsWithoutKeysCannotBeTraced() {
        try (LoadedObject o = load(new EmulatorBackend(), "map_trace_readers", Target.BPFEL)) {
            String m = errno(BackendException.EINVAL, () -> attach(o, "log_a", o.map("order_log"), UPDATE, false));
            assertTrue(m.contains("cannot trace queue map 'order_log'") && m.contains("not queue")
                    && m.contains("(hash, array, percpu_hash, percpu_array, lru_hash, lru_percpu_hash, lpm_trie)"), m);
            attach(o, "log_a", o.map("map_trac.rodata"), UPDATE, false).close(); // an array: traceable (if never changing)
        }
    }

    @Test
    void mapsOfAnotherBackendOrByteOrderOrAClosedObjectAreRefused() {
        var backend = new EmulatorBackend();
        try (LoadedObject o = load(backend, "map_trace", Target.BPFEL);
             LoadedObject other = load(new EmulatorBackend(), "map_trace", Target.BPFEL);
             LoadedObject big = load(backend, "map_trace", Target.BPFEB)) {
            String m = errno(BackendException.EINVAL, () -> attach(o, "trace_values_update", other.map("values"), UPDATE, false));
            assertTrue(m.contains("not a map of this emulator backend"), m);
            m = errno(BackendException.EINVAL, () -> attach(o, "trace_values_update", big.map("values"), UPDATE, false));
            assertTrue(m.contains("other byte order"), m);
            MapHandle notEmulated = new MapHandle() {
                @Override public String name() { return "fake"; }
                @Override public dev.bpf4j.loader.MapSpec spec() { return o.map("values").spec(); }
                @Override public java.nio.ByteOrder byteOrder() { return java.nio.ByteOrder.LITTLE_ENDIAN; }
                @Override public java.util.Optional<byte[]> lookup(byte[] key) { return java.util.Optional.empty(); }
                @Override public void update(byte[] key, byte[] value, dev.bpf4j.backend.UpdateFlag flag) { }
                @Override public void delete(byte[] key) { }
                @Override public java.util.List<byte[]> keys() { return java.util.List.of(); }
            };
            errno(BackendException.EINVAL, () -> attach(o, "trace_values_update", notEmulated, UPDATE, false));
            LoadedObject gone = load(backend, "map_trace", Target.BPFEL);
            MapHandle goneValues = gone.map("values");
            gone.close();
            m = errno(BackendException.EBADF, () -> attach(o, "trace_values_update", goneValues, UPDATE, false));
            assertTrue(m.contains("its object was closed"), m);
            var closedProgram = o.program("trace_values_update");
            o.close();
            errno(BackendException.EBADF, () -> closedProgram.attachMapTrace(big.map("values"), UPDATE, false));
        }
    }
}
