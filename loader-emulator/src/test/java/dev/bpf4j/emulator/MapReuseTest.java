package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.bpf4j.emulator.TraceKit.errno;
import static dev.bpf4j.emulator.TraceKit.get;
import static dev.bpf4j.emulator.TraceKit.load;
import static dev.bpf4j.emulator.TraceKit.xdp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Backend.load(plan, reuse): libbpf's bpf_map__reuse_fd in the emulator, and each reason it refuses. */
class MapReuseTest {

    @Test
    void aReusingObjectWritesTheOtherObjectsMap() {
        var backend = new EmulatorBackend();
        try (LoadedObject first = load(backend, "map_trace", Target.BPFEL);
             LoadedObject second = load(backend, "map_trace", Target.BPFEL, Map.of("values", first.map("values")))) {
            assertSame(first.map("values"), second.map("values"));
            xdp(second, "values_writer", 64);                            // updates key 0 to 64
            assertEquals(64, get(first.map("values"), 0));
            assertTrue(second.map("mirror").lookup(0L).isEmpty() && first.map("mirror").lookup(0L).isEmpty());
        }
    }

    @Test
    void aReusedMapOutlivesTheObjectThatCreatedIt() {
        var backend = new EmulatorBackend();
        LoadedObject first = load(backend, "map_trace", Target.BPFEL);
        try (LoadedObject second = load(backend, "map_trace", Target.BPFEL, Map.of("values", first.map("values")))) {
            first.close();
            // The program still updates the map: its value region was not unmapped with its creator.
            assertEquals(2, xdp(second, "values_writer", 64).retval());
        }
    }

    @Test
    void aMapOfAnotherDefinitionIsRefusedNamingTheDifference() {
        var backend = new EmulatorBackend();
        try (LoadedObject first = load(backend, "map_trace", Target.BPFEL)) {
            String m = errno(BackendException.EINVAL,
                    () -> load(backend, "map_trace", Target.BPFEL, Map.of("trace_counts", first.map("mirror"))));
            assertTrue(m.contains("map 'trace_counts' cannot reuse") && m.contains("type hash vs array"), m);
        }
    }

    @Test
    void aNameTheObjectDoesNotDefineIsRefused() {
        var backend = new EmulatorBackend();
        try (LoadedObject first = load(backend, "map_trace", Target.BPFEL)) {
            String m = errno(BackendException.EINVAL,
                    () -> load(backend, "map_trace", Target.BPFEL, Map.of("nope", first.map("values"))));
            assertTrue(m.contains("'nope', which it does not define"), m);
        }
    }

    @Test
    void mapsOfAnotherBackendOrByteOrderAreRefused() {
        var backend = new EmulatorBackend();
        try (LoadedObject other = load(new EmulatorBackend(), "map_trace", Target.BPFEL);
             LoadedObject big = load(backend, "map_trace", Target.BPFEB)) {
            String m = errno(BackendException.EINVAL,
                    () -> load(backend, "map_trace", Target.BPFEL, Map.of("values", other.map("values"))));
            assertTrue(m.contains("not a map of this emulator backend"), m);
            m = errno(BackendException.EINVAL, () -> load(backend, "map_trace", Target.BPFEL, Map.of("values", big.map("values"))));
            assertTrue(m.contains("other byte order"), m);
        }
    }

    @Test
    void aMapWhoseLastUserClosedCannotBeReused() {
        var backend = new EmulatorBackend();
        LoadedObject first = load(backend, "map_trace", Target.BPFEL);
        var values = first.map("values");
        first.close();
        String m = errno(BackendException.EBADF, () -> load(backend, "map_trace", Target.BPFEL, Map.of("values", values)));
        assertTrue(m.contains("its object was closed"), m);
    }
}
