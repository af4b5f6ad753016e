package dev.bpf4j.upgrade;

import dev.bpf4j.backend.Link;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.ObjectSpec;
import dev.bpf4j.loader.ProgramType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.bpf4j.upgrade.UpgradeFixtures.dynencapOld;
import static dev.bpf4j.upgrade.UpgradeFixtures.dynencapUpgrade;
import static dev.bpf4j.upgrade.UpgradeFixtures.renamed;
import static dev.bpf4j.upgrade.UpgradeFixtures.section;
import static dev.bpf4j.upgrade.UpgradeFixtures.spec;
import static dev.bpf4j.upgrade.UpgradeFixtures.typed;
import static dev.bpf4j.upgrade.UpgradeFixtures.withProgram;
import static dev.bpf4j.upgrade.UpgradeFixtures.withoutProgram;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The five steps against a recording backend: what is done, in which order, and what a failure undoes. */
class StatefulUpgradeTest {

    @Test
    void runsTheFiveStepsInOrder() {
        FakeBackend b = new FakeBackend();
        LoadedObject old = dynencapOld(b);
        List<UpgradeEvent> events = new ArrayList<>();
        UpgradeResult r = dynencapUpgrade(b, old).listener(events::add).run();

        assertEquals(List.of(
                "load dynencap_new",
                "load dynencap_migrat reusing [new_dynencap_map, old_dynencap_map]",
                // deletes traced first: an update traced before a delete that is not would stay in the new map
                "trace dynencap_map DELETE_ELEM +user with dynencap_migrat:dynencap_cow_delete",
                "trace dynencap_map UPDATE_ELEM +user with dynencap_migrat:dynencap_cow_update",
                "iterate dynencap_map with dynencap_migrat:dynencap_copy",
                // the reader first: until the writer is swapped, the tracer keeps the new map current
                "update tc/egress to dynencap_new:dynencap_egress",
                "update cgroup/setsockopt to dynencap_new:dynencap_setsockopt",
                "detach dynencap_migrat:dynencap_cow_delete from map 'dynencap_map' DELETE_ELEM",
                "detach dynencap_migrat:dynencap_cow_update from map 'dynencap_map' UPDATE_ELEM",
                "close dynencap_migrat",
                "close dynencap_old"), b.log);
        assertEquals(List.of("dynencap_egress", "dynencap_setsockopt"), r.swapOrder());
        assertEquals(List.of(UpgradeStep.VALIDATE, UpgradeStep.LOAD_NEW, UpgradeStep.ATTACH_TRACERS,
                UpgradeStep.BULK_COPY, UpgradeStep.SWAP, UpgradeStep.UNLOAD), r.steps().stream().map(StepReport::step).toList());
        assertEquals(List.of(new UpgradePlan.Dependency("dynencap_egress", "dynencap_setsockopt", "dynencap_map")),
                r.plan().dependencies());
        assertEquals(List.of(new UpgradePlan.BulkCopy("dynencap_copy", "dynencap_map")), r.plan().copies());
        assertTrue(old.isClosed());
        assertFalse(r.newObject().isClosed());
        assertEquals(2, r.newObject().links().size(), "the hooks now run the new programs");
        assertTrue(b.object("dynencap_migrat").isClosed());
        // Every step is announced, reported and timed.
        assertEquals(6, events.stream().filter(e -> e instanceof UpgradeEvent.StepStarted).count());
        assertEquals(6, events.stream().filter(e -> e instanceof UpgradeEvent.StepFinished).count());
        assertTrue(events.stream().anyMatch(e -> e instanceof UpgradeEvent.Action a && a.step() == UpgradeStep.SWAP
                && a.description().equals("swapped tc/egress to new dynencap_egress")));
    }

    @Test
    void planChangesNothing() {
        FakeBackend b = new FakeBackend();
        LoadedObject old = dynencapOld(b);
        UpgradePlan p = dynencapUpgrade(b, old).plan();
        assertEquals(List.of(), b.log);
        assertEquals(List.of("dynencap_egress", "dynencap_setsockopt"), p.swapOrder());
        assertEquals(Map.of("old_dynencap_map", "dynencap_map (old)", "new_dynencap_map", "dynencap_map (new)"),
                p.reusedMaps());
        assertEquals(List.of(), p.unattached());
    }

    // ---- bad input: refused before anything changes

    private static UpgradeException refused(FakeBackend b, StatefulUpgrade u) {
        UpgradeException e = assertThrows(UpgradeException.class, u::run);
        assertEquals(UpgradeException.Outcome.NOTHING_CHANGED, e.outcome(), e.getMessage());
        assertEquals(UpgradeStep.VALIDATE, e.step());
        assertEquals(List.of(), b.log, "nothing may change");
        return e;
    }

    private static void assertMessage(UpgradeException e, String... parts) {
        for (String p : parts)
            assertTrue(e.getMessage().contains(p), "'" + p + "' not in: " + e.getMessage());
    }

    @Test
    void refusesABackendWithoutMapTracing() {
        FakeBackend b = new FakeBackend(false, true);
        LoadedObject old = dynencapOld(b);
        assertMessage(refused(b, dynencapUpgrade(b, old)), "backend 'fake' does not report map tracing");
    }

    @Test
    void refusesABackendWithoutHooks() {
        FakeBackend b = new FakeBackend(true, false);
        LoadedObject old = dynencapOld(b);
        assertMessage(refused(b, dynencapUpgrade(b, old)), "backend 'fake' cannot attach programs to hooks");
    }

    @Test
    void refusesAClosedOldObject() {
        FakeBackend b = new FakeBackend();
        LoadedObject old = dynencapOld(b);
        old.close();
        b.log.clear();
        assertMessage(refused(b, dynencapUpgrade(b, old)), "the old object is closed");
    }

    @Test
    void refusesAMigrationMapThatDoesNotMatchTheOldMap() {
        // dynencap_new as the "old" object: its map has the new definition, not old_dynencap_map's.
        FakeBackend b = new FakeBackend();
        LoadedObject old = b.load(Linker.link(spec("dynencap_new")));
        b.log.clear();
        UpgradeException e = refused(b, StatefulUpgrade.of(b, old, spec("dynencap_new"), spec("dynencap_migration")));
        assertMessage(e, "migration object 'dynencap_migrat'", "map 'old_dynencap_map' does not match map 'dynencap_map' of the old object",
                "type hash vs lru_hash");
    }

    @Test
    void refusesAMigrationMapThatDoesNotMatchTheNewMap() {
        FakeBackend b = new FakeBackend();
        LoadedObject old = dynencapOld(b);
        UpgradeException e = refused(b, StatefulUpgrade.of(b, old, spec("dynencap_old"), spec("dynencap_migration")));
        assertMessage(e, "map 'new_dynencap_map' does not match map 'dynencap_map' of the new object", "max_entries");
    }

    @Test
    void refusesAMigrationMapStandingForNoMap() {
        FakeBackend b = new FakeBackend();
        LoadedObject old = dynencapOld(b);
        UpgradeException e = refused(b, StatefulUpgrade.of(b, old, spec("fdallow_new"), spec("dynencap_migration")));
        assertMessage(e, "map 'new_dynencap_map' stands for map 'dynencap_map' of the new object 'fdallow_new', which has no such map");
    }

    @Test
    void refusesATracerOfAMapThatIsNotAnOldMap() {
        FakeBackend b = new FakeBackend();
        LoadedObject old = dynencapOld(b);
        ObjectSpec mig = withProgram(spec("dynencap_migration"), "dynencap_cow_update",
                p -> section(p, "map_trace/new_dynencap_map/UPDATE_ELEM"));
        UpgradeException e = refused(b, StatefulUpgrade.of(b, old, spec("dynencap_new"), mig));
        assertMessage(e, "program 'dynencap_cow_update' (section 'map_trace/new_dynencap_map/UPDATE_ELEM') traces map"
                + " 'new_dynencap_map', which is not an old_ map");
    }

    @Test
    void refusesATracerOfAMapThatDoesNotExist() {
        FakeBackend b = new FakeBackend();
        LoadedObject old = dynencapOld(b);
        ObjectSpec mig = withProgram(spec("dynencap_migration"), "dynencap_cow_update",
                p -> section(p, "map_trace/old_nosuch/UPDATE_ELEM"));
        assertMessage(refused(b, StatefulUpgrade.of(b, old, spec("dynencap_new"), mig)),
                "traces map 'old_nosuch', which the object does not define");
    }

    @Test
    void refusesATraceTypeOtherThanUpdateOrDelete() {
        FakeBackend b = new FakeBackend();
        LoadedObject old = dynencapOld(b);
        ObjectSpec mig = withProgram(spec("dynencap_migration"), "dynencap_cow_delete",
                p -> section(p, "map_trace/old_dynencap_map/LOOKUP_ELEM"));
        assertMessage(refused(b, StatefulUpgrade.of(b, old, spec("dynencap_new"), mig)),
                "program 'dynencap_cow_delete'", "trace type must be UPDATE_ELEM or DELETE_ELEM");
    }

    @Test
    void refusesAMigrationProgramThatIsNeitherTracerNorIterator() {
        FakeBackend b = new FakeBackend();
        LoadedObject old = dynencapOld(b);
        ObjectSpec mig = withProgram(spec("dynencap_migration"), "dynencap_cow_delete", p -> section(p, "xdp"));
        assertMessage(refused(b, StatefulUpgrade.of(b, old, spec("dynencap_new"), mig)),
                "program 'dynencap_cow_delete' (section 'xdp') is neither");
    }

    @Test
    void refusesATracedMapWithoutIterator() {
        FakeBackend b = new FakeBackend();
        LoadedObject old = dynencapOld(b);
        ObjectSpec mig = withoutProgram(spec("dynencap_migration"), "dynencap_copy");
        assertMessage(refused(b, StatefulUpgrade.of(b, old, spec("dynencap_new"), mig)),
                "no iter/bpf_map_elem program writes [new_dynencap_map] as the tracer of old map 'dynencap_map' does");
    }

    @Test
    void refusesAnIteratorWithNothingToCopy() {
        FakeBackend b = new FakeBackend();
        LoadedObject old = dynencapOld(b);
        ObjectSpec mig = withoutProgram(spec("dynencap_migration"), "dynencap_cow_update");
        assertMessage(refused(b, StatefulUpgrade.of(b, old, spec("dynencap_new"), mig)),
                "iterator 'dynencap_copy' writes no new_ map that an UPDATE_ELEM tracer writes");
    }

    @Test
    void refusesAnOldLinkWithoutNamesake() {
        FakeBackend b = new FakeBackend();
        LoadedObject old = dynencapOld(b);
        ObjectSpec neu = withProgram(spec("dynencap_new"), "dynencap_egress", p -> renamed(p, "encap_v2"));
        assertMessage(refused(b, StatefulUpgrade.of(b, old, neu, spec("dynencap_migration"))),
                "old program 'dynencap_egress' (linked to tc/egress) has no namesake in the new object 'dynencap_new'",
                "encap_v2");
    }

    @Test
    void refusesANamesakeOfAnotherType() {
        FakeBackend b = new FakeBackend();
        LoadedObject old = dynencapOld(b);
        ObjectSpec neu = withProgram(spec("dynencap_new"), "dynencap_egress", p -> typed(p, ProgramType.XDP));
        assertMessage(refused(b, StatefulUpgrade.of(b, old, neu, spec("dynencap_migration"))),
                "program 'dynencap_egress' is sched_cls", "but xdp", "link tc/egress cannot take it");
    }

    @Test
    void refusesANewTracerOfAMissingMap() {
        FakeBackend b = new FakeBackend();
        LoadedObject old = dynencapOld(b);
        ObjectSpec neu = withProgram(spec("dynencap_new"), "dynencap_egress",
                p -> section(p, "map_trace/nosuch/UPDATE_ELEM"));
        // The namesake check comes first for a linked program; the tracer check names the map.
        UpgradeException e = refused(b, StatefulUpgrade.of(b, old, neu, spec("dynencap_migration")));
        assertMessage(e, "new object 'dynencap_new': program 'dynencap_egress' (section 'map_trace/nosuch/UPDATE_ELEM')"
                + " traces map 'nosuch', which the object does not define");
    }

    // ---- failures after a change: rolled back

    /** The old version serves: both hooks run the old programs, nothing else is open. */
    private static void assertOldServes(FakeBackend b, LoadedObject old) {
        assertFalse(old.isClosed());
        Map<String, String> hooks = new TreeMap<>();
        for (Link l : old.links())
            hooks.put(l.target(), l.program().name());
        assertEquals(Map.of("cgroup/setsockopt", "dynencap_setsockopt", "tc/egress", "dynencap_egress"), hooks);
        for (FakeBackend.FakeObject o : b.objects)
            assertEquals(o != old, o.isClosed(), o + " closed?");
        for (FakeBackend.FakeLink l : b.links)
            assertEquals(l.program.owner == old, l.isAttached(), l + " attached?");
    }

    @Test
    void aListenerThatThrowsAtAnyEventRollsBack() {
        FakeBackend probe = new FakeBackend();
        List<UpgradeEvent> all = new ArrayList<>();
        dynencapUpgrade(probe, dynencapOld(probe)).listener(all::add).run();
        for (int k = 0; k < all.size(); k++) {
            FakeBackend b = new FakeBackend();
            LoadedObject old = dynencapOld(b);
            int[] seen = {0};
            int failAt = k;
            UpgradeException e = assertThrows(UpgradeException.class, () -> dynencapUpgrade(b, old).listener(ev -> {
                if (seen[0]++ == failAt)
                    throw new IllegalStateException("veto at event " + failAt);
            }).run(), "event " + k + ": " + all.get(k));
            UpgradeEvent at = all.get(k);
            assertTrue(e.getMessage().contains("veto at event " + k), e.getMessage());
            if (k == all.size() - 1 || at instanceof UpgradeEvent.Action a && a.description().equals("closed the old object")) {
                assertEquals(UpgradeException.Outcome.COMPLETED, e.outcome(), "event " + k);
                assertTrue(old.isClosed());
                assertEquals(2, e.newObject().orElseThrow().links().size());
            } else if (b.objects.size() == 1) {
                assertEquals(UpgradeException.Outcome.NOTHING_CHANGED, e.outcome(), "event " + k + ": " + at);
                assertOldServes(b, old);
            } else {
                assertEquals(UpgradeException.Outcome.ROLLED_BACK, e.outcome(), "event " + k + ": " + at);
                assertTrue(e.getMessage().contains("rolled back, the old version still serves"), e.getMessage());
                assertOldServes(b, old);
            }
        }
    }

    @Test
    void aBackendFailureInEachStepRollsBack() {
        Map<String, UpgradeStep> failures = Map.of(
                "load dynencap_new", UpgradeStep.LOAD_NEW,
                "load dynencap_migrat", UpgradeStep.ATTACH_TRACERS,
                "trace dynencap_map UPDATE_ELEM", UpgradeStep.ATTACH_TRACERS,
                "iterate", UpgradeStep.BULK_COPY,
                "update cgroup/setsockopt to dynencap_new", UpgradeStep.SWAP,
                "close dynencap_migrat", UpgradeStep.UNLOAD);
        failures.forEach((op, step) -> {
            FakeBackend b = new FakeBackend();
            LoadedObject old = dynencapOld(b);
            b.failing = s -> s.startsWith(op);
            UpgradeException e = assertThrows(UpgradeException.class, () -> dynencapUpgrade(b, old).run(), op);
            assertEquals(step, e.step(), op);
            assertTrue(e.getMessage().startsWith("upgrade failed at " + step + " ("), e.getMessage());
            assertTrue(e.getMessage().contains("injected failure: " + op), e.getMessage());
            // A failed load leaves nothing to undo for that object; the migration object that
            // refused to close is retried by the rollback, which fails the same way.
            if (op.equals("close dynencap_migrat")) {
                assertEquals(UpgradeException.Outcome.ROLLBACK_FAILED, e.outcome());
                assertTrue(e.rollbackProblems().get(0).startsWith("close the migration object: injected failure"),
                        e.rollbackProblems().toString());
            } else {
                // The first change failing is no change at all.
                assertEquals(op.equals("load dynencap_new") ? UpgradeException.Outcome.NOTHING_CHANGED
                        : UpgradeException.Outcome.ROLLED_BACK, e.outcome(), op + ": " + e.getMessage());
                assertOldServes(b, old);
            }
        });
    }

    @Test
    void aRollbackThatFailsSaysWhat() {
        FakeBackend b = new FakeBackend();
        LoadedObject old = dynencapOld(b);
        b.failing = s -> s.startsWith("update cgroup/setsockopt to dynencap_new") || s.startsWith("update tc/egress to dynencap_old");
        List<UpgradeEvent> events = new ArrayList<>();
        UpgradeException e = assertThrows(UpgradeException.class, () -> dynencapUpgrade(b, old).listener(events::add).run());
        assertEquals(UpgradeException.Outcome.ROLLBACK_FAILED, e.outcome());
        assertEquals(UpgradeStep.SWAP, e.step());
        assertEquals(1, e.rollbackProblems().size());
        assertTrue(e.rollbackProblems().get(0).startsWith("give tc/egress back to old dynencap_egress: injected failure"),
                e.rollbackProblems().toString());
        assertTrue(e.getMessage().contains("rollback incomplete"), e.getMessage());
        // Everything else was still undone.
        assertTrue(b.object("dynencap_new").isClosed());
        assertTrue(b.object("dynencap_migrat").isClosed());
        UpgradeEvent.RollbackFinished done = (UpgradeEvent.RollbackFinished) events.get(events.size() - 1);
        assertEquals(e.rollbackProblems(), done.problems());
        assertTrue(done.actions().contains("close the new object"), done.actions().toString());
    }
}
