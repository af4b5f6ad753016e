package dev.bpf4j.scenarios;

import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.emulator.EmulatorBackend;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.ObjectSpec;
import dev.bpf4j.loader.SpecReader;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.upgrade.StatefulUpgrade;
import dev.bpf4j.upgrade.UpgradeEvent;
import dev.bpf4j.upgrade.UpgradeResult;
import dev.bpf4j.upgrade.UpgradeStep;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestInstance;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue point 7, the proof under concurrency: a {@link StatefulUpgrade} of a scenario's
 * program ({@link Dynencap}, {@link FdAllow}) while its application keeps writing loses
 * nothing. Each run loads the old version in a fresh emulator, attaches its programs to
 * their hooks, starts a {@link Workload} (writer threads firing the writer hook without
 * pause, a reader thread firing the reader hook), upgrades, lets the writers go on through
 * the new programs, stops them, and then requires:
 * <ul>
 * <li>the new map holds exactly, in the new layout, the last value written to every key
 *     not cleared since (nothing lost, nothing stale, nothing wrongly converted);</li>
 * <li>the new reader, fired through its hook, answers accordingly for every key;</li>
 * <li>the old object is closed and the hooks run the new programs.</li>
 * </ul>
 *
 * <p>Each run draws, from its seed, the byte order, the number of writers (1 to 4), the key
 * space, and at every event of the upgrade (each step's start, action and end) a pause:
 * none, a yield, or a wait until the writers have made 1 to 6 more firings - so that over
 * the runs writes land in every window of the upgrade: before the tracers, between them and
 * the bulk copy, during and after it, between two swaps, and after the swap.
 *
 * <p>{@value #DEFAULT_RUNS} runs per scenario by default; {@code -Dbpf4j.upgrade.runs=N}
 * sets another number (the {@code stress} profile of loader-emulator's pom runs 5000), and
 * {@code -Dbpf4j.upgrade.seed=S} repeats the run of seed S, which a failure names (as far
 * as threads can be repeated: the seed fixes every choice of the test, not the scheduler).
 * The runs are JUnit dynamic tests over seeds rather than jqwik tries: their number is
 * chosen at run time, and shrinking a concurrent run would not reproduce its interleaving.
 * {@link UpgradeRacesTest} shows that the same checks fail without the tracers, and makes
 * the named races happen deterministically.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpgradeScenariosTest {
    static final int DEFAULT_RUNS = 200;
    static final int RUNS = Integer.getInteger("bpf4j.upgrade.runs", DEFAULT_RUNS);

    /** Writer firings that happened while an upgrade was running, per step, over all runs: the windows hit. */
    private final Map<UpgradeStep, AtomicLong> writesDuring = new EnumMap<>(UpgradeStep.class);

    @TestFactory
    Stream<DynamicTest> dynencapUpgradesLoseNothing() {
        return runs(Dynencap::new);
    }

    @TestFactory
    Stream<DynamicTest> fdallowUpgradesLoseNothing() {
        return runs(FdAllow::new);
    }

    @AfterAll
    void everyWindowWasHit() {
        if (RUNS < 20 || Long.getLong("bpf4j.upgrade.seed") != null)
            return;
        for (UpgradeStep s : List.of(UpgradeStep.ATTACH_TRACERS, UpgradeStep.BULK_COPY, UpgradeStep.SWAP))
            assertTrue(writesDuring.get(s).get() > 0, "no write ever happened during step " + s + ": " + writesDuring);
    }

    private Stream<DynamicTest> runs(Function<ByteOrder, Scenario> scenario) {
        for (UpgradeStep s : UpgradeStep.values())
            writesDuring.putIfAbsent(s, new AtomicLong());
        Map<ByteOrder, Specs> specs = Map.of(
                ByteOrder.LITTLE_ENDIAN, Specs.of(scenario.apply(ByteOrder.LITTLE_ENDIAN)),
                ByteOrder.BIG_ENDIAN, Specs.of(scenario.apply(ByteOrder.BIG_ENDIAN)));
        Long only = Long.getLong("bpf4j.upgrade.seed");
        long base = 0x5eed_0000L + scenario.apply(ByteOrder.LITTLE_ENDIAN).name().hashCode();
        Stream<Long> seeds = only != null ? Stream.of(only) : Stream.iterate(base, s -> s + 1).limit(RUNS);
        return seeds.map(seed -> DynamicTest.dynamicTest("seed " + seed, () -> run(scenario, specs, seed)));
    }

    /** The old, new and migration objects of a scenario in one byte order, linked once. */
    record Specs(LoadPlan old, ObjectSpec newSpec, ObjectSpec migration) {
        static Specs of(Scenario s) {
            return new Specs(ScenarioObjects.plan(s, "old"), spec(s, "new"), spec(s, "migration"));
        }

        static ObjectSpec spec(Scenario s, String version) {
            String name = s.name() + "_" + version;
            return SpecReader.read(name + ".o", TestObjects.object(name, ScenarioObjects.target(s.order())));
        }
    }

    private void run(Function<ByteOrder, Scenario> scenarios, Map<ByteOrder, Specs> specs, long seed) {
        Random rnd = new Random(seed);
        Scenario s = scenarios.apply(rnd.nextBoolean() ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        Specs sp = specs.get(s.order());
        int writers = 1 + rnd.nextInt(4);
        int keys = writers * (1 + rnd.nextInt(8));
        String what = s.name() + " " + s.order() + ", " + writers + " writer(s), " + keys + " keys, seed " + seed
                + " (-Dbpf4j.upgrade.seed=" + seed + " repeats it)";
        var backend = new EmulatorBackend();
        LoadedObject old = backend.load(sp.old());
        old.program(s.writerProgram()).attach(s.writerHook());
        old.program(s.readerProgram()).attach(s.readerHook());
        UpgradeResult result;
        Map<Integer, Integer> state;
        try (Workload w = new Workload(backend, s, writers, keys, seed)) {
            w.start();
            UpgradeStep[] current = {UpgradeStep.VALIDATE};
            long[] at = {w.firings()};
            result = StatefulUpgrade.of(backend, old, sp.newSpec(), sp.migration())
                    .listener(e -> {
                        long now = w.firings();
                        writesDuring.get(current[0]).addAndGet(now - at[0]);
                        if (e instanceof UpgradeEvent.StepStarted started)
                            current[0] = started.step();
                        pause(rnd, w);
                        at[0] = w.firings();
                    })
                    .run();
            w.awaitProgress(rnd.nextInt(16));
            state = w.stop();
        }
        try (LoadedObject now = result.newObject()) {
            assertTrue(old.isClosed(), what + ": the old object is still open after the upgrade");
            var want = ScenarioObjects.expected(s, state, true);
            var have = ScenarioObjects.contents(now.map(s.map()));
            assertTrue(want.equals(have), () -> what + ": the new map is not what the writers left: "
                    + ScenarioObjects.difference(want, have));
            checkReader(backend, s, keys, state, what);
            for (var hook : Map.of(s.writerHook(), s.writerProgram(), s.readerHook(), s.readerProgram()).entrySet()) {
                var links = backend.attached(hook.getKey());
                assertEquals(1, links.size(), what + ": " + hook.getKey() + " has " + links.size() + " links");
                assertTrue(links.get(0).program() == now.program(hook.getValue()),
                        what + ": " + hook.getKey() + " does not run the new " + hook.getValue());
            }
        }
    }

    /** What a listener does at an upgrade event: nothing, yield, or let the writers make 1 to 6 firings. */
    private static void pause(Random rnd, Workload w) {
        switch (rnd.nextInt(3)) {
            case 0 -> { }
            case 1 -> Thread.yield();
            default -> w.awaitProgress(1 + rnd.nextInt(6));
        }
    }

    /** Fires the reader hook for every key of the workload and checks each answer against the state. */
    static void checkReader(EmulatorBackend backend, Scenario s, int keys, Map<Integer, Integer> state, String what) {
        List<String> wrong = new ArrayList<>();
        for (int k = 0; k < keys; k++) {
            List<TestRunResult> r = backend.fire(s.readerHook(), s.read(k));
            assertEquals(1, r.size(), what + ": " + s.readerHook() + " ran " + r.size() + " programs");
            s.checkRead(k, Optional.ofNullable(state.get(k)), r.get(0)).ifPresent(wrong::add);
        }
        assertEquals(List.of(), wrong, what + ": the new reader answers wrongly");
    }
}
