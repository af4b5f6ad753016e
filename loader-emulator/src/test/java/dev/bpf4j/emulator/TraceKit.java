package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.Link;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.SectionTable.MapTraceTarget.Operation;
import dev.bpf4j.loader.SpecReader;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.function.Executable;

import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Loading the map tracing testdata objects into one emulator backend, attaching their tracers, and reading maps as numbers. */
final class TraceKit {
    private TraceKit() {
    }

    /** testdata object {@code name} of {@code target} loaded into {@code backend}, the maps in {@code reuse} taken from other objects. */
    static LoadedObject load(EmulatorBackend backend, String name, Target target, Map<String, MapHandle> reuse) {
        var spec = SpecReader.read(name + ".o", TestObjects.object(name, target));
        return backend.load(Linker.link(spec), reuse);
    }

    static LoadedObject load(EmulatorBackend backend, String name, Target target) {
        return load(backend, name, target, Map.of());
    }

    static Link attach(LoadedObject o, String program, MapHandle map, Operation op, boolean fromUserSpace) {
        return o.program(program).attachMapTrace(map, op, fromUserSpace);
    }

    /** Runs XDP program {@code program} on a zero packet of {@code len} bytes (at least 14). */
    static TestRunResult xdp(LoadedObject o, String program, int len) {
        return o.program(program).testRun(TestRun.ofData(new byte[len]));
    }

    /** The map's integer keys and values. */
    static Map<Long, Long> contents(MapHandle m) {
        var out = new TreeMap<Long, Long>();
        for (var e : m.entries())
            out.put(MapHandle.decode(e.key(), m.byteOrder()), MapHandle.decode(e.value(), m.byteOrder()));
        return out;
    }

    static long get(MapHandle m, long key) {
        return m.lookupLong(key).orElseThrow(() -> new AssertionError("no key " + key + " in " + m.name()));
    }

    /** Asserts that {@code e} throws a BackendException with {@code errno}; returns its message. */
    static String errno(int errno, Executable e) {
        BackendException x = assertThrows(BackendException.class, e);
        assertEquals(-errno, x.errno(), x.getMessage());
        return x.getMessage();
    }
}
