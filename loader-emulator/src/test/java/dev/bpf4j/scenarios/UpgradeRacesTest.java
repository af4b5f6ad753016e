package dev.bpf4j.scenarios;

import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.emulator.EmulatorBackend;
import dev.bpf4j.upgrade.StatefulUpgrade;
import dev.bpf4j.upgrade.UpgradeEvent;
import dev.bpf4j.upgrade.UpgradeResult;
import dev.bpf4j.upgrade.UpgradeStep;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The races of seed 000 and of the map tracing series' real-world example, made certain:
 * the application writes, in the test's own thread, after the bulk copy and before the
 * programs are swapped -
 * <ul>
 * <li>race 1: it clears a key that existed before the bulk copy (the selftest's fd opened
 *     before the copy and closed after it);</li>
 * <li>race 2: it sets a key the copy never saw (the selftest's fd opened after the copy;
 *     seed 000's setsockopt() "in the middle of this operation");</li>
 * <li>and it changes the value of a key the copy already copied.</li>
 * </ul>
 * A naive upgrade (load the new version, bulk copy with the migration's iterator, swap the
 * programs: everything {@link StatefulUpgrade} does except the copy-on-write tracers)
 * loses all three, exactly those, so the checks of {@link UpgradeScenariosTest} can fail;
 * the same writes at the same point of a {@link StatefulUpgrade} lose nothing.
 *
 * <p>And, deterministically, writes at every point of a {@link StatefulUpgrade}: at each
 * event it reports (each step's start and end, each action, such as one tracer attached
 * and the next not yet) the listener sets a fresh key, changes one, clears one, and sets
 * and clears another; afterwards nothing is lost or stale.
 */
class UpgradeRacesTest {
    static final int BEFORE = 8;             // keys 0..7 are set before the upgrade
    static final int CLEARED = 2, CHANGED = 5, ADDED = 11;

    static Stream<Scenario> scenarios() {
        return Stream.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN).flatMap(o -> Stream.of(new Dynencap(o), new FdAllow(o)));
    }

    /** The old version on its hooks, keys 0..7 set through the writer hook; the model of that state. */
    private static LoadedObject serving(EmulatorBackend backend, Scenario s, Map<Integer, Integer> state) {
        LoadedObject old = ScenarioObjects.load(backend, s, "old");
        old.program(s.writerProgram()).attach(s.writerHook());
        old.program(s.readerProgram()).attach(s.readerHook());
        for (int k = 0; k < BEFORE; k++)
            write(backend, s, state, k, 100 + k);
        return old;
    }

    private static void write(EmulatorBackend backend, Scenario s, Map<Integer, Integer> state, int key, int value) {
        List<TestRunResult> r = backend.fire(s.writerHook(), value == 0 ? s.clear(key) : s.set(key, value));
        assertEquals(1, r.size());
        assertEquals(1, r.get(0).retval(), "writer verdict");
        if (value == 0)
            state.remove(key);
        else
            state.put(key, value);
    }

    /** The three racing writes, between the bulk copy and the swap. */
    private static void race(EmulatorBackend backend, Scenario s, Map<Integer, Integer> state) {
        write(backend, s, state, CLEARED, 0);
        write(backend, s, state, CHANGED, 0xbeef);
        write(backend, s, state, ADDED, 0x1234);
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void aNaiveUpgradeLosesTheRacingWrites(Scenario s) {
        var backend = new EmulatorBackend();
        Map<Integer, Integer> state = new HashMap<>();
        LoadedObject old = serving(backend, s, state);
        LoadedObject now = ScenarioObjects.load(backend, s, "new");
        LoadedObject mig = backend.load(ScenarioObjects.plan(s, "migration"),
                Map.of("old_" + s.map(), old.map(s.map()), "new_" + s.map(), now.map(s.map())));
        mig.programs().stream().filter(p -> p.spec().sectionName().equals("iter/bpf_map_elem"))
                .forEach(p -> p.iterate(old.map(s.map())));
        var copied = ScenarioObjects.contents(now.map(s.map()));
        assertEquals(ScenarioObjects.expected(s, state, true), copied, "the bulk copy itself converts every entry");

        race(backend, s, state);

        backend.attached(s.readerHook()).get(0).update(now.program(s.readerProgram()));
        backend.attached(s.writerHook()).get(0).update(now.program(s.writerProgram()));
        mig.close();
        old.close();

        var want = ScenarioObjects.expected(s, state, true);
        var have = ScenarioObjects.contents(now.map(s.map()));
        assertNotEquals(want, have, "a naive upgrade lost nothing: the scenario cannot show the tracers' worth");
        assertEquals(copied, have, "the new map is what the bulk copy left: the racing writes never reached it");
        String diff = ScenarioObjects.difference(want, have);
        assertTrue(diff.startsWith("1 lost, 1 stale, 1 wrong:"), diff);
        // and the new reader, through its hook, gets all three wrong
        for (int k : List.of(CLEARED, CHANGED, ADDED))
            assertTrue(check(backend, s, state, k).isPresent(), "the reader answers key " + k + " correctly: nothing was lost?");
        now.close();
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void theStatefulUpgradeCarriesTheRacingWrites(Scenario s) {
        var backend = new EmulatorBackend();
        Map<Integer, Integer> state = new HashMap<>();
        LoadedObject old = serving(backend, s, state);
        boolean[] raced = {false};
        UpgradeResult r = StatefulUpgrade.of(backend, old, UpgradeScenariosTest.Specs.spec(s, "new"),
                        UpgradeScenariosTest.Specs.spec(s, "migration"))
                .listener(e -> {
                    if (e instanceof UpgradeEvent.StepStarted st && st.step() == UpgradeStep.SWAP) {
                        race(backend, s, state); // after the bulk copy, before the first swap
                        raced[0] = true;
                    }
                })
                .run();
        assertTrue(raced[0]);
        // the reader only looks the map up, the writer only changes it: the reader moves first,
        // so that it never reads a map its writer no longer fills (seed 000's topological order)
        assertEquals(List.of(s.readerProgram(), s.writerProgram()), r.swapOrder());
        try (LoadedObject now = r.newObject()) {
            var want = ScenarioObjects.expected(s, state, true);
            var have = ScenarioObjects.contents(now.map(s.map()));
            assertTrue(want.equals(have), () -> ScenarioObjects.difference(want, have));
            UpgradeScenariosTest.checkReader(backend, s, ADDED + 1, state, s.name() + " " + s.order());
        }
    }

    @ParameterizedTest
    @MethodSource("scenarios")
    void writesAtEveryEventOfTheUpgradeAreKept(Scenario s) {
        var backend = new EmulatorBackend();
        Map<Integer, Integer> state = new HashMap<>();
        LoadedObject old = serving(backend, s, state);
        int[] next = {BEFORE};
        List<String> events = new ArrayList<>();
        UpgradeResult r = StatefulUpgrade.of(backend, old, UpgradeScenariosTest.Specs.spec(s, "new"),
                        UpgradeScenariosTest.Specs.spec(s, "migration"))
                .listener(e -> {
                    int fresh = next[0]++;
                    int flicker = next[0]++;
                    if (flicker >= s.maxKeys())
                        return;
                    events.add("#" + events.size() + " " + e + ": set " + fresh + ", set and clear " + flicker);
                    write(backend, s, state, fresh, 0x1000 + fresh);
                    write(backend, s, state, flicker, 0x2000 + flicker);
                    write(backend, s, state, flicker, 0);
                    write(backend, s, state, fresh % BEFORE, 0x3000 + fresh);      // change a key set before
                    if (fresh % 3 == 0)
                        write(backend, s, state, (fresh + 1) % BEFORE, 0);        // clear one
                })
                .run();
        assertTrue(events.size() >= 10, "few events: " + events);
        try (LoadedObject now = r.newObject()) {
            var want = ScenarioObjects.expected(s, state, true);
            var have = ScenarioObjects.contents(now.map(s.map()));
            assertTrue(want.equals(have), () -> ScenarioObjects.difference(want, have) + "\nwrites made at:\n  "
                    + String.join("\n  ", events));
            UpgradeScenariosTest.checkReader(backend, s, Math.min(next[0], s.maxKeys()), state, s.name() + " " + s.order());
        }
    }

    private static Optional<String> check(EmulatorBackend backend, Scenario s, Map<Integer, Integer> state, int key) {
        List<TestRunResult> r = backend.fire(s.readerHook(), s.read(key));
        assertEquals(1, r.size());
        return s.checkRead(key, Optional.ofNullable(state.get(key)), r.get(0));
    }
}
