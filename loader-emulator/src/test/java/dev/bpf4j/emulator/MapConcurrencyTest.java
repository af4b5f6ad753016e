package dev.bpf4j.emulator;

import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.UpdateFlag;
import dev.bpf4j.loader.MapType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.bpf4j.emulator.MapHelpers.MAP_LOOKUP_ELEM;
import static dev.bpf4j.emulator.MapHelpers.MAP_PUSH_ELEM;
import static dev.bpf4j.emulator.MapTestKit.le;
import static dev.bpf4j.emulator.MapTestKit.load;
import static dev.bpf4j.emulator.MapTestKit.programs;
import static dev.bpf4j.emulator.MapTestKit.spec;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Programs on several emulated CPUs and user space using the same maps at once: counters
 * add up, per-CPU values stay per CPU, nothing is lost or duplicated.
 */
class MapConcurrencyTest {
    static final int THREADS = 4, RUNS = 1500;

    @Test
    void countersAddUpWhileUserSpaceChurnsTheSameMaps() throws Exception {
        // h[0] atomically += 1; pa[0] (this CPU's) += 1 without atomics: one run per CPU at a time
        var p = new MapTestKit.Asm()
                .stw(10, -4, 0).map(1, "h").fp(2, -4).call(MAP_LOOKUP_ELEM).jeq(0, 0, 2).mov(1, 1).atomicAdd(0, 0, 1)
                .stw(10, -4, 0).map(1, "pa").fp(2, -4).call(MAP_LOOKUP_ELEM).jeq(0, 0, 3).ldxdw(1, 0, 0).addi(1, 1).stxdw(0, 0, 1)
                .mov(0, 2).exit().build();
        try (LoadedObject obj = load(EmulatorConfig.defaults().withCpus(THREADS), programs("p", p),
                spec("h", MapType.HASH, 4, 8, 128), spec("pa", MapType.PERCPU_ARRAY, 4, 8, 1))) {
            MapHandle h = obj.map("h"), pa = obj.map("pa");
            h.update(h.key(0), h.value(0), UpdateFlag.NOEXIST);
            var stop = new AtomicBoolean();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
            try {
                Future<long[]> churn = pool.submit(() -> {
                    long ops = 0, last = 0;
                    while (!stop.get()) {
                        for (int k = 100; k < 200; k++)
                            h.update(h.key(k), h.value(k));
                        long now = h.lookupLong(0).orElseThrow();
                        assertTrue(now >= last, "the counter went back from " + last + " to " + now);
                        last = now;
                        for (int k = 100; k < 200; k++)
                            h.delete(h.key(k));
                        long sum = 0;
                        byte[] v = pa.lookup(0L).orElseThrow();
                        for (int c = 0; c < THREADS; c++)
                            sum += le(v, c * 8, 8);
                        assertTrue(sum <= (long) THREADS * RUNS);
                        ops++;
                    }
                    return new long[] {ops};
                });
                var runs = new ArrayList<Future<?>>();
                byte[] packet = new byte[64];
                for (int t = 0; t < THREADS; t++)
                    runs.add(pool.submit(() -> {
                        for (int i = 0; i < RUNS; i++)
                            assertEquals(2, obj.program("p").testRun(TestRun.ofData(packet)).retval());
                        return null;
                    }));
                for (Future<?> f : runs)
                    f.get();
                stop.set(true);
                assertTrue(churn.get()[0] > 0);
            } finally {
                pool.shutdownNow();
            }
            assertEquals((long) THREADS * RUNS, h.lookupLong(0).orElseThrow());
            assertEquals(List.of(0L), h.keys().stream().map(k -> MapHandle.decode(k, h.byteOrder())).toList());
            byte[] v = pa.lookup(0L).orElseThrow();
            long sum = 0;
            for (int c = 0; c < THREADS; c++)
                sum += le(v, c * 8, 8);
            assertEquals((long) THREADS * RUNS, sum, "per-CPU values lost increments: runs shared a CPU's value");
        }
    }

    @Test
    void queueValuesPushedByProgramsArePoppedExactlyOnce() throws Exception {
        // push(q, counter++) where counter is this CPU's; user space and programs pop concurrently
        var push = new MapTestKit.Asm()
                .stw(10, -4, 0).map(1, "seq").fp(2, -4).call(MAP_LOOKUP_ELEM).jne(0, 0, 2).mov(0, 0).exit()
                .ldxdw(1, 0, 0).addi(1, 1).stxdw(0, 0, 1)
                .stxdw(10, -16, 1).map(1, "q").fp(2, -16).mov(3, 0).call(MAP_PUSH_ELEM).mov(0, 2).exit().build();
        try (LoadedObject obj = load(EmulatorConfig.defaults().withCpus(THREADS), programs("push", push),
                spec("q", MapType.QUEUE, 0, 8, 1 << 16), spec("seq", MapType.PERCPU_ARRAY, 4, 8, 1))) {
            MapHandle q = obj.map("q");
            ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);
            var popped = new java.util.concurrent.ConcurrentLinkedQueue<Long>();
            try {
                var stop = new AtomicBoolean();
                Future<?> consumer = pool.submit(() -> {
                    while (!stop.get() || q.lookup(new byte[0]).isPresent())
                        q.lookupAndDelete(new byte[0]).ifPresent(v -> popped.add(le(v, 0, 8)));
                    return null;
                });
                var runs = new ArrayList<Future<?>>();
                for (int t = 0; t < THREADS; t++)
                    runs.add(pool.submit(() -> {
                        for (int i = 0; i < RUNS; i++)
                            obj.program("push").testRun(TestRun.ofData(new byte[64]));
                        return null;
                    }));
                for (Future<?> f : runs)
                    f.get();
                stop.set(true);
                consumer.get();
            } finally {
                pool.shutdownNow();
            }
            assertEquals(THREADS * RUNS, popped.size());
            // each CPU pushed 1, 2, 3, ... ; together: every (cpu, n) once, so the counts per value add up
            var counts = new java.util.HashMap<Long, Integer>();
            for (long v : popped)
                counts.merge(v, 1, Integer::sum);
            byte[] seq = obj.map("seq").lookup(0L).orElseThrow();
            long total = 0;
            for (int c = 0; c < THREADS; c++)
                total += le(seq, c * 8, 8);
            assertEquals(THREADS * RUNS, total);
            for (var e : counts.entrySet())
                assertTrue(e.getValue() <= THREADS, "value " + e.getKey() + " popped " + e.getValue() + " times");
        }
    }
}
