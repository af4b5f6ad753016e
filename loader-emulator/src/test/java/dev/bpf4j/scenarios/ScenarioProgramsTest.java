package dev.bpf4j.scenarios;

import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.emulator.EmulatorBackend;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.loader.SectionTable.MapTraceTarget.Operation;
import dev.bpf4j.upgrade.StatefulUpgrade;
import dev.bpf4j.upgrade.UpgradePlan;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The scenarios' programs, each version on its own, do what their C sources say, run with
 * BPF_PROG_TEST_RUN (no hooks, no tracing): after any sequence of sets and clears through
 * the writer, the map holds exactly the last value set of every key not cleared since, in
 * that version's layout, and the reader answers accordingly for every key. This pins the
 * model ({@link Scenario}) that {@link UpgradeScenariosTest} checks upgrades against.
 */
class ScenarioProgramsTest {
    /** One writer firing: set {@code key} to {@code value}, or clear it when value is 0. */
    record Op(int key, int value) {
    }

    @Provide
    Arbitrary<Scenario> scenarios() {
        return Arbitraries.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)
                .flatMap(o -> Arbitraries.of(new Dynencap(o), new FdAllow(o)));
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Integer> keys = Arbitraries.integers().between(0, 15);
        Arbitrary<Integer> values = Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(0)),
                Tuple.of(3, Arbitraries.integers().between(1, 0xffff)));
        return Combinators.combine(keys, values).as(Op::new).list().ofMaxSize(40);
    }

    @Property(tries = 60)
    void eachVersionKeepsTheLastValueOfEveryKey(@ForAll("scenarios") Scenario s, @ForAll boolean newVersion,
                                                @ForAll("ops") List<Op> ops) {
        var backend = new EmulatorBackend();
        try (LoadedObject obj = ScenarioObjects.load(backend, s, newVersion ? "new" : "old")) {
            ProgramHandle writer = obj.program(s.writerProgram());
            Map<Integer, Integer> state = new HashMap<>();
            for (Op op : ops) {
                TestRunResult r = writer.testRun(op.value() == 0 ? s.clear(op.key()) : s.set(op.key(), op.value()));
                assertEquals(1, r.retval(), "writer verdict for " + op);
                assertEquals(-1, Bytes.u32(r.ctxOut(), 32, s.order()), "optlen -1: the kernel must not see the private level");
                if (op.value() == 0)
                    state.remove(op.key());
                else
                    state.put(op.key(), op.value());
            }
            var want = ScenarioObjects.expected(s, state, newVersion);
            var have = ScenarioObjects.contents(obj.map(s.map()));
            assertEquals(want, have, ScenarioObjects.difference(want, have));
            ProgramHandle reader = obj.program(s.readerProgram());
            for (int key = 0; key < 16; key++) {
                Optional<String> wrong = s.checkRead(key, Optional.ofNullable(state.get(key)), reader.testRun(s.read(key)));
                assertTrue(wrong.isEmpty(), () -> wrong.get());
            }
        }
    }

    static Stream<Scenario> eachScenario() {
        return Stream.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN).flatMap(o -> Stream.of(new Dynencap(o), new FdAllow(o)));
    }

    /**
     * Requests the programs must not act on: another level passes through untouched (verdict
     * 1, optlen as given), a buffer shorter than the request and an unknown option name are
     * refused (verdict 0); none changes the map, in either version.
     */
    @ParameterizedTest
    @MethodSource("eachScenario")
    void malformedRequestsChangeNothing(Scenario s) {
        var backend = new EmulatorBackend();
        for (String version : List.of("old", "new"))
            try (LoadedObject obj = ScenarioObjects.load(backend, s, version)) {
                ProgramHandle writer = obj.program(s.writerProgram());
                ProgramHandle reader = obj.program(s.readerProgram());
                MapHandle map = obj.map(s.map());
                assertEquals(1, writer.testRun(s.set(1, 7)).retval());
                var before = ScenarioObjects.contents(map);
                TestRun set = s.set(2, 9);
                byte[] ctx = set.ctxIn();
                int level = Bytes.u32(ctx, 24, s.order());

                TestRun otherLevel = new TestRun(set.dataIn(), Bytes.sockopt(s.order(), 1 /* SOL_SOCKET */, 2, 12, 0), 1);
                TestRunResult r = writer.testRun(otherLevel);
                assertEquals(1, r.retval(), version + ": another level must pass");
                assertEquals(12, Bytes.u32(r.ctxOut(), 32, s.order()), version + ": optlen of another level is the kernel's");

                byte[] shortBuf = Arrays.copyOf(set.dataIn(), 11);
                assertEquals(0, writer.testRun(new TestRun(shortBuf, Bytes.sockopt(s.order(), level, 1, 11, 0), 1)).retval(),
                        version + ": a request shorter than its struct is refused");
                assertEquals(0, writer.testRun(new TestRun(set.dataIn(), Bytes.sockopt(s.order(), level, 99, 12, 0), 1)).retval(),
                        version + ": an unknown option name is refused");
                assertEquals(before, ScenarioObjects.contents(map), version + ": a refused request changed the map");

                // the reader of a key set before still answers; malformed reads change nothing either
                assertTrue(s.checkRead(1, Optional.of(7), reader.testRun(s.read(1))).isEmpty(), version);
                assertEquals(before, ScenarioObjects.contents(map));
            }
    }

    static Stream<FdAllow> fdallows() {
        return Stream.of(new FdAllow(ByteOrder.LITTLE_ENDIAN), new FdAllow(ByteOrder.BIG_ENDIAN));
    }

    static Stream<Dynencap> dynencaps() {
        return Stream.of(new Dynencap(ByteOrder.LITTLE_ENDIAN), new Dynencap(ByteOrder.BIG_ENDIAN));
    }

    /** The fd allow-list refuses a negative fd (a failed open()) and an fd nobody allowed. */
    @ParameterizedTest
    @MethodSource("fdallows")
    void fdallowRefusesNegativeAndUnknownFds(FdAllow f) {
        var backend = new EmulatorBackend();
        try (LoadedObject obj = ScenarioObjects.load(backend, f, "old")) {
            byte[] req = Bytes.buffer(12, f.order()).putInt(1000).putInt(-1).putInt(3).array();
            TestRunResult r = obj.program(f.writerProgram()).testRun(
                    new TestRun(req, Bytes.sockopt(f.order(), FdAllow.SOL_FDALLOW, FdAllow.OPEN, 12, 0), 1));
            assertEquals(0, r.retval());
            assertEquals(List.of(), obj.map(f.map()).keys());
            assertTrue(f.checkRead(5, Optional.empty(), obj.program(f.readerProgram()).testRun(f.read(5))).isEmpty());
        }
    }

    /** A tc packet that is not IPv4/UDP passes the dynencap egress program untouched. */
    @ParameterizedTest
    @MethodSource("dynencaps")
    void dynencapLeavesOtherTrafficAlone(Dynencap d) {
        var backend = new EmulatorBackend();
        for (String version : List.of("old", "new"))
            try (LoadedObject obj = ScenarioObjects.load(backend, d, version)) {
                assertEquals(1, obj.program(d.writerProgram()).testRun(d.set(3, 0x4242)).retval());
                byte[] tcp = Dynencap.packet(3);
                tcp[23] = 6; // TCP: not a tunnel the program encapsulates (the checksum is not checked)
                TestRunResult r = obj.program(d.readerProgram()).testRun(TestRun.ofData(tcp));
                assertEquals(0, r.retval());
                assertTrue(Arrays.equals(tcp, r.dataOut()), version + ": a TCP packet was changed");
                byte[] arp = Dynencap.packet(3);
                arp[12] = 0x08;
                arp[13] = 0x06;
                r = obj.program(d.readerProgram()).testRun(TestRun.ofData(arp));
                assertTrue(Arrays.equals(arp, r.dataOut()), version + ": an ARP frame was changed");
            }
    }

    /**
     * The migration objects fit bpf4j's convention for the old and new objects they migrate
     * between: the upgrade's checks (made before anything changes) accept them, and find the
     * two copy-on-write tracers of the old map and the iterator that copies it.
     */
    @ParameterizedTest
    @MethodSource("eachScenario")
    void migrationObjectsFitTheConvention(Scenario s) {
        var backend = new EmulatorBackend();
        try (LoadedObject old = ScenarioObjects.load(backend, s, "old")) {
            old.program(s.writerProgram()).attach(s.writerHook());
            old.program(s.readerProgram()).attach(s.readerHook());
            UpgradePlan plan = StatefulUpgrade.of(backend, old, UpgradeScenariosTest.Specs.spec(s, "new"),
                    UpgradeScenariosTest.Specs.spec(s, "migration")).plan();
            assertEquals(java.util.Set.of(Operation.UPDATE_ELEM, Operation.DELETE_ELEM),
                    plan.tracers().stream().filter(t -> t.map().equals(s.map())).map(UpgradePlan.MapTracer::op)
                            .collect(java.util.stream.Collectors.toSet()));
            assertEquals(List.of(new UpgradePlan.BulkCopy(s.name() + "_copy", s.map())), plan.copies());
            assertEquals(List.of(s.readerProgram(), s.writerProgram()), plan.swapOrder());
        }
    }
}
