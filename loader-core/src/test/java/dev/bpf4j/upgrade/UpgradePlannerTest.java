package dev.bpf4j.upgrade;

import dev.bpf4j.backend.Hook;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.SectionTable.MapTraceTarget;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.bpf4j.upgrade.SyntheticObjects.code;
import static dev.bpf4j.upgrade.SyntheticObjects.egress;
import static dev.bpf4j.upgrade.SyntheticObjects.migration;
import static dev.bpf4j.upgrade.SyntheticObjects.plan;
import static dev.bpf4j.upgrade.SyntheticObjects.setsockopt;
import static dev.bpf4j.upgrade.SyntheticObjects.tracer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The swap order the planner derives from what programs read and write, on objects built for it. */
class UpgradePlannerTest {

    /** Loads {@code version}, attaching its programs to their hooks in the given order. */
    private static LoadedObject running(FakeBackend b, LoadPlan version, String... attachOrder) {
        LoadedObject o = b.load(version);
        for (String p : attachOrder)
            o.program(p).attach(Hook.forProgram(o.program(p).spec()).orElseThrow());
        b.log.clear();
        return o;
    }

    /** P reads a and writes b; Q reads b and writes a; both bump a shared counter. */
    private static LoadPlan crossed(String name) {
        return plan(name, List.of(
                egress("p", code().reads("a").writes("b").bumps("stats").exit()),
                setsockopt("q", code().reads("b").writes("a").bumps("stats").exit())), "a", "b", "stats");
    }

    @Test
    void aCycleThroughCarriedMapsIsRefusedNamingItBeforeAnythingChanges() {
        FakeBackend b = new FakeBackend();
        LoadedObject old = running(b, crossed("v1"), "p", "q");
        UpgradeException e = assertThrows(UpgradeException.class,
                () -> StatefulUpgrade.ofPlans(b, old, crossed("v2"), migration("a", "b")).run());
        assertEquals(UpgradeException.Outcome.NOTHING_CHANGED, e.outcome());
        assertEquals("upgrade refused, nothing changed: programs 'p' -> 'q' -> 'p' form a dependency cycle, so no swap"
                + " order keeps every reader ahead of its writers ('p' reads map 'a', which 'q' writes; 'q' reads map 'b',"
                + " which 'p' writes)", e.getMessage());
        assertEquals(List.of(), b.log);
    }

    @Test
    void mapsTheMigrationDoesNotCarryDoNotOrderTheSwap() {
        // Carrying only a: p reads it, q writes it; the shared counter and b are not carried,
        // so they make no cycle, and p (the reader of a) goes first even though q was attached first.
        FakeBackend b = new FakeBackend();
        LoadedObject old = running(b, crossed("v1"), "q", "p");
        UpgradeResult r = StatefulUpgrade.ofPlans(b, old, crossed("v2"), migration("a")).run();
        assertEquals(List.of("p", "q"), r.swapOrder());
        assertEquals(List.of(new UpgradePlan.Dependency("p", "q", "a")), r.plan().dependencies());
        // Carrying the counter too makes p and q depend on each other.
        FakeBackend b2 = new FakeBackend();
        LoadedObject old2 = running(b2, crossed("v1"), "q", "p");
        UpgradeException e = assertThrows(UpgradeException.class,
                () -> StatefulUpgrade.ofPlans(b2, old2, crossed("v2"), migration("a", "stats")).plan());
        assertTrue(e.getMessage().contains("form a dependency cycle"), e.getMessage());
    }

    @Test
    void writesIncludeWhatTheNewObjectsTracersWriteInTurn() {
        // v2: q writes a; its own tracer t copies a into c; p reads c. So p must precede q.
        LinkedProgram t = tracer("t", "map_trace/a/UPDATE_ELEM", code().writes("c").exit());
        LoadPlan v1 = plan("v1", List.of(egress("p", code().reads("c").exit()), setsockopt("q", code().writes("a").exit()),
                t), "a", "c");
        LoadPlan v2 = plan("v2", List.of(egress("p", code().reads("c").exit()), setsockopt("q", code().writes("a").exit()),
                t), "a", "c");
        FakeBackend b = new FakeBackend();
        LoadedObject old = running(b, v1, "q", "p");
        old.program("t").attachMapTrace(old.map("a"), MapTraceTarget.Operation.UPDATE_ELEM, false);
        b.log.clear();
        UpgradeResult r = StatefulUpgrade.ofPlans(b, old, v2, migration("a")).run();
        assertEquals(List.of("p", "q"), r.swapOrder());
        assertEquals(List.of(new UpgradePlan.MapTracer("t", "a", MapTraceTarget.Operation.UPDATE_ELEM)), r.plan().newTracers());
        // The new tracer runs on the new map from the start; the old one on the old map until the old object goes.
        assertEquals("trace a UPDATE_ELEM with v2:t", b.log.get(1));
        assertTrue(b.log.contains("detach v1:t from map 'a' UPDATE_ELEM"), b.log.toString());
        assertEquals(List.of("update tc/egress to v2:p", "update cgroup/setsockopt to v2:q"),
                b.log.stream().filter(s -> s.startsWith("update")).toList());
    }

    @Test
    void newProgramsNoHookRanStayUnattached() {
        LoadPlan v2 = plan("v2", List.of(egress("p", code().reads("a").exit()), setsockopt("q", code().writes("a").exit()),
                setsockopt("extra", code().exit())), "a");
        FakeBackend b = new FakeBackend();
        LoadedObject old = running(b, plan("v1", List.of(egress("p", code().reads("a").exit()),
                setsockopt("q", code().writes("a").exit())), "a"), "p", "q");
        UpgradeResult r = StatefulUpgrade.ofPlans(b, old, v2, migration("a")).run();
        assertEquals(List.of("extra"), r.plan().unattached());
        assertTrue(b.log.stream().noneMatch(s -> s.contains("extra")), b.log.toString());
    }

    @Test
    void anOldTracerWhoseNamesakeTracesNoMapIsRefused() {
        LoadPlan v1 = plan("v1", List.of(egress("p", code().reads("a").exit()),
                tracer("t", "map_trace/a/UPDATE_ELEM", code().exit())), "a");
        LoadPlan v2 = plan("v2", List.of(egress("p", code().reads("a").exit()),
                SyntheticObjects.iterator("t", code().exit())), "a");
        FakeBackend b = new FakeBackend();
        LoadedObject old = running(b, v1, "p");
        old.program("t").attachMapTrace(old.map("a"), MapTraceTarget.Operation.UPDATE_ELEM, false);
        b.log.clear();
        UpgradeException e = assertThrows(UpgradeException.class, () -> StatefulUpgrade.ofPlans(b, old, v2, migration("a")).run());
        assertTrue(e.getMessage().contains("program 't' is tracing/trace_map in the old object but tracing/trace_iter"),
                e.getMessage());
        assertEquals(List.of(), b.log);
    }

    @Test
    void migrationTracersThatWouldTriggerEachOtherAreRefused() {
        // cow_a (on old a) writes new_a and old_b; cow_b (on old b) writes new_b and old_a: seed 000's loop1.
        LoadPlan mig = plan("mig", List.of(
                tracer("cow_a", "map_trace/old_a/UPDATE_ELEM", code().writes("new_a").writes("old_b").exit()),
                tracer("cow_b", "map_trace/old_b/UPDATE_ELEM", code().writes("new_b").writes("old_a").exit()),
                SyntheticObjects.iterator("copy", code().writes("new_a").writes("new_b").exit())),
                "old_a", "new_a", "old_b", "new_b");
        FakeBackend b = new FakeBackend();
        LoadedObject old = running(b, crossed("v1"), "p", "q");
        UpgradeException e = assertThrows(UpgradeException.class, () -> StatefulUpgrade.ofPlans(b, old, crossed("v2"), mig).run());
        assertEquals("upgrade refused, nothing changed: migration object 'mig': the copy-on-write tracers would trigger"
                + " themselves without end: 'cow_a' (UPDATE_ELEM of old map 'a') writes old_b, 'cow_b' (UPDATE_ELEM of old"
                + " map 'b') writes old_a, which 'cow_a' traces; a tracer must write new_ maps, not old_ ones", e.getMessage());
        assertEquals(List.of(), b.log);
        // and seed 000's loop0: a tracer writing the map it traces
        LoadPlan mig0 = plan("mig", List.of(
                tracer("cow_a", "map_trace/old_a/UPDATE_ELEM", code().writes("new_a").writes("old_a").exit()),
                SyntheticObjects.iterator("copy", code().writes("new_a").exit())), "old_a", "new_a");
        UpgradeException e0 = assertThrows(UpgradeException.class, () -> StatefulUpgrade.ofPlans(b, old, crossed("v2"), mig0).run());
        assertTrue(e0.getMessage().contains("'cow_a' (UPDATE_ELEM of old map 'a') writes old_a, which 'cow_a' traces"), e0.getMessage());
    }
}
