package dev.bpf4j.emulator;

import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.loader.SectionTable.MapTraceTarget.Operation;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.bpf4j.emulator.TraceKit.attach;
import static dev.bpf4j.emulator.TraceKit.contents;
import static dev.bpf4j.emulator.TraceKit.get;
import static dev.bpf4j.emulator.TraceKit.load;
import static dev.bpf4j.emulator.TraceKit.xdp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The seeds' open question 1: writes through the pointer bpf_map_lookup_elem returns reach
 * the update tracers when the program exits, once per changed element, with no change to
 * the program (map_trace_pointer.c). The key is the packet length & 7.
 */
class MapTracePointerTest {
    static final int K = 3; // the key of most runs: packet lengths 16 + 3 (bit 3 clear) and 24 + 3 (bit 3 set)

    static LoadedObject traced(EmulatorBackend backend, Target target) {
        LoadedObject o = load(backend, "map_trace_pointer", target);
        attach(o, "mirror_update", o.map("counters"), Operation.UPDATE_ELEM, false);
        attach(o, "mirror_delete", o.map("counters"), Operation.DELETE_ELEM, false);
        return o;
    }

    static long updates(LoadedObject o) {
        return get(o.map("calls"), 0);
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void incrementsThroughThePointerAreReported(Target target) {
        try (LoadedObject o = traced(new EmulatorBackend(), target)) {
            xdp(o, "count_up", 16 + K); // absent: inserted with the helper
            assertEquals(1, updates(o));
            xdp(o, "count_up", 16 + K); // *v += 1
            xdp(o, "count_up", 16 + K);
            assertEquals(3, updates(o));
            assertEquals(Map.of((long) K, 3L), contents(o.map("mirror")));
            xdp(o, "count_atomic", 16 + K); // __sync_fetch_and_add
            assertEquals(4, updates(o));
            assertEquals(Map.of((long) K, 4L), contents(o.map("mirror")));
            assertEquals(contents(o.map("counters")), contents(o.map("mirror")));
        }
    }

    @Test
    void storingTheSameBytesIsNoChange() {
        try (LoadedObject o = traced(new EmulatorBackend(), Target.BPFEL)) {
            xdp(o, "count_up", 16 + K);
            xdp(o, "maybe_write", 24 + K); // bit 3 set: stores the old value back
            assertEquals(1, updates(o));
            xdp(o, "maybe_write", 16 + K); // 2 * 1 + 1
            assertEquals(2, updates(o));
            assertEquals(Map.of((long) K, 3L), contents(o.map("mirror")));
        }
    }

    @Test
    void aHelperUpdateOfTheWatchedElementIsReportedOnce() {
        try (LoadedObject o = traced(new EmulatorBackend(), Target.BPFEL)) {
            xdp(o, "count_up", 16 + K);                // 1
            xdp(o, "write_then_update", 16 + K);       // *v += 10 (11), then update to 111
            assertEquals(2, updates(o), "the helper's report covers the earlier pointer write");
            assertEquals(Map.of((long) K, 111L), contents(o.map("mirror")));
        }
    }

    @Test
    void twoPointersToOneElementAreOneReport() {
        try (LoadedObject o = traced(new EmulatorBackend(), Target.BPFEB)) {
            xdp(o, "count_up", 16 + K);
            xdp(o, "twice", 16 + K);
            assertEquals(2, updates(o));
            assertEquals(Map.of((long) K, 3L), contents(o.map("mirror")));
        }
    }

    @Test
    void repeatsReportAtEachExit() {
        try (LoadedObject o = traced(new EmulatorBackend(), Target.BPFEL)) {
            xdp(o, "count_up", 16 + K);
            o.program("count_up").testRun(TestRun.ofData(new byte[16 + K]).withRepeat(10));
            assertEquals(11, updates(o));
            assertEquals(Map.of((long) K, 11L), contents(o.map("mirror")));
        }
    }

    @Test
    void untracedMapsAreNotWatched() {
        try (LoadedObject o = load(new EmulatorBackend(EmulatorConfig.defaults().withCpus(1)), "map_trace_pointer", Target.BPFEL)) {
            xdp(o, "count_up", 16 + K);
            xdp(o, "count_up", 16 + K);
            EmulatorKernel kernel = ((EmulatorObject) o).kernel;
            Cpu cpu = kernel.acquireCpu();
            try {
                assertNull(cpu.state.pointers, "no tracer: no pointer bookkeeping at all");
            } finally {
                kernel.releaseCpu(cpu);
            }
            assertEquals(Map.of(), contents(o.map("mirror")));
        }
    }

    @Test
    void deletesAreReportedAndDeletedElementsAreNotFlushed() {
        try (LoadedObject o = traced(new EmulatorBackend(), Target.BPFEL)) {
            xdp(o, "count_up", 16 + K);
            xdp(o, "remove", 16 + K);
            assertEquals(Map.of(), contents(o.map("mirror")));
            assertEquals(1, get(o.map("calls"), 1));
            xdp(o, "count_atomic", 16 + K); // absent: no pointer, no write
            assertEquals(1, updates(o));
        }
    }

    /** Several CPUs increment the same counters at once: the last report of each element carries its final value. */
    @Test
    void concurrentPointerWritesEndInTheFinalValue() throws Exception {
        try (LoadedObject o = traced(new EmulatorBackend(EmulatorConfig.defaults().withCpus(4)), Target.BPFEL)) {
            for (int k = 0; k < 8; k++)
                xdp(o, "count_up", 16 + k);
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int seed = t;
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < 500; i++)
                            xdp(o, "count_atomic", 16 + (i * 7 + seed) % 8);
                    }));
                }
                for (Future<?> f : done)
                    f.get();
            } finally {
                pool.shutdown();
            }
            MapHandle counters = o.map("counters");
            assertEquals(8 + 4 * 500, contents(counters).values().stream().mapToLong(Long::longValue).sum());
            assertEquals(contents(counters), contents(o.map("mirror")));
        }
    }
}
