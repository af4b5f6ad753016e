package dev.bpf4j.scenarios;

import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.emulator.EmulatorBackend;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The application of a scenario, running: writer threads that fire the writer hook without
 * pause, setting and clearing keys, and one reader thread that fires the reader hook.
 *
 * <p>Each writer owns the keys {@code k} with {@code k % writers == its index}, so only it
 * changes them and the state a key must end in is what its writer did last: each writer
 * records that in its own model after each firing returns (a firing runs the program, the
 * map change and the tracers it triggers, synchronously). {@link #stop()} merges the models.
 *
 * <p>Every firing of either hook must run exactly one program (the hook's link always has
 * one: a swap replaces it atomically, never none, never both), and a writer firing must be
 * accepted; a thread that sees anything else records the failure and stops.
 *
 * <pre>{@code
 * try (var w = new Workload(backend, scenario, 3, 12, seed)) {
 *     w.start();                  // each writer sets some of its keys, then the load runs
 *     ... upgrade ...
 *     w.awaitProgress(10);
 *     Map<Integer, Integer> expected = w.stop();
 * }
 * }</pre>
 */
final class Workload implements AutoCloseable {
    private final EmulatorBackend backend;
    private final Scenario scenario;
    private final int writers;
    private final int keys;
    private final long seed;
    private final AtomicLong firings = new AtomicLong();
    private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    private final List<Map<Integer, Integer>> models = new ArrayList<>();
    private final CountDownLatch ready;
    private volatile boolean stopping;

    /**
     * @param writers writer threads, at least 1
     * @param keys    the key space, 0 until keys, at least {@code writers}
     */
    Workload(EmulatorBackend backend, Scenario scenario, int writers, int keys, long seed) {
        if (writers < 1 || keys < writers || keys > scenario.maxKeys())
            throw new IllegalArgumentException(writers + " writers over " + keys + " keys");
        this.backend = backend;
        this.scenario = scenario;
        this.writers = writers;
        this.keys = keys;
        this.seed = seed;
        this.ready = new CountDownLatch(writers);
    }

    /** Starts the threads and returns once every writer has made its initial sets. */
    void start() {
        for (int w = 0; w < writers; w++) {
            Map<Integer, Integer> model = new HashMap<>();
            models.add(model);
            int index = w;
            threads.add(new Thread(() -> write(index, model), scenario.name() + "-writer-" + w));
        }
        threads.add(new Thread(this::read, scenario.name() + "-reader"));
        threads.forEach(Thread::start);
        try {
            if (!ready.await(10, TimeUnit.SECONDS))
                throw new AssertionError("writers did not make their initial sets in 10 s: " + failures);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private void write(int index, Map<Integer, Integer> model) {
        Random rnd = new Random(seed * 31 + index);
        List<Integer> mine = new ArrayList<>();
        for (int k = index; k < keys; k += writers)
            mine.add(k);
        try {
            // Some state before the upgrade, so that the bulk copy has something to copy.
            for (int k : mine)
                if (rnd.nextInt(4) != 0)
                    apply(model, k, 1 + rnd.nextInt(0xffff));
            ready.countDown();
            while (!stopping) {
                int k = mine.get(rnd.nextInt(mine.size()));
                apply(model, k, rnd.nextInt(10) < 3 ? 0 : 1 + rnd.nextInt(0xffff));
                if (rnd.nextInt(8) == 0)
                    Thread.yield();
            }
        } catch (Throwable t) {
            failures.add(t);
            ready.countDown();
        }
    }

    /** Sets {@code key} to {@code value} (clears it for 0) through the writer hook, and records it. */
    private void apply(Map<Integer, Integer> model, int key, int value) {
        List<TestRunResult> r = backend.fire(scenario.writerHook(), value == 0 ? scenario.clear(key) : scenario.set(key, value));
        if (r.size() != 1)
            throw new AssertionError(scenario.writerHook() + " ran " + r.size() + " programs, expected 1");
        if (r.get(0).retval() != 1)
            throw new AssertionError(scenario.writerHook() + " refused " + (value == 0 ? "clear" : "set to " + value)
                    + " of key " + key + ": verdict " + r.get(0).retval());
        if (value == 0)
            model.remove(key);
        else
            model.put(key, value);
        firings.incrementAndGet();
    }

    private void read() {
        Random rnd = new Random(seed * 37 - 1);
        try {
            while (!stopping) {
                List<TestRunResult> r = backend.fire(scenario.readerHook(), scenario.read(rnd.nextInt(keys)));
                if (r.size() != 1)
                    throw new AssertionError(scenario.readerHook() + " ran " + r.size() + " programs, expected 1");
                if (rnd.nextInt(4) == 0)
                    Thread.yield();
            }
        } catch (Throwable t) {
            failures.add(t);
        }
    }

    /** Writer firings so far. */
    long firings() {
        return firings.get();
    }

    /** Waits until the writers have made {@code n} more firings (at most 5 s: they would be stuck). */
    void awaitProgress(int n) {
        long target = firings.get() + n;
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (firings.get() < target) {
            if (!failures.isEmpty())
                throw failure("while waiting for writer progress");
            if (System.nanoTime() > deadline)
                throw new AssertionError("writers made no progress for 5 s (" + firings.get() + " firings): stuck?");
            Thread.onSpinWait();
        }
    }

    /** Stops the threads; the state every key must be in (key -> last value set; cleared keys absent). */
    Map<Integer, Integer> stop() {
        stopping = true;
        for (Thread t : threads) {
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            if (t.isAlive())
                throw new AssertionError(t.getName() + " did not stop in 10 s");
        }
        if (!failures.isEmpty())
            throw failure("in the workload");
        Map<Integer, Integer> all = new HashMap<>();
        models.forEach(all::putAll);
        return all;
    }

    private AssertionError failure(String where) {
        AssertionError e = new AssertionError(failures.size() + " failure(s) " + where + ": " + failures.peek());
        failures.forEach(e::addSuppressed);
        return e;
    }

    @Override
    public void close() {
        stopping = true;
        for (Thread t : threads)
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
    }
}
