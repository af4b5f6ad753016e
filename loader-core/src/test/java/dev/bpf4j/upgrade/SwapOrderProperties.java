package dev.bpf4j.upgrade;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Example;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The swap order keeps every reader ahead of the writers of what it reads, or names a cycle. */
class SwapOrderProperties {

    /** Programs p0..pn-1, each reading and writing some of the maps m0..m4. */
    record Graph(List<String> programs, Map<String, Set<String>> reads, Map<String, Set<String>> writes) {
        boolean edge(String reader, String writer) {
            if (reader.equals(writer))
                return false;
            Set<String> s = new HashSet<>(reads.get(reader));
            s.retainAll(writes.get(writer));
            return !s.isEmpty();
        }

        boolean acyclic() {
            Map<String, Integer> state = new HashMap<>();
            for (String p : programs)
                if (cyclicFrom(p, state))
                    return false;
            return true;
        }

        private boolean cyclicFrom(String p, Map<String, Integer> state) {
            Integer s = state.get(p);
            if (s != null)
                return s == 1;
            state.put(p, 1);
            for (String q : programs)
                if (edge(p, q) && cyclicFrom(q, state))
                    return true;
            state.put(p, 2);
            return false;
        }
    }

    @Provide
    Arbitrary<Graph> graphs() {
        Arbitrary<Set<String>> maps = Arbitraries.of("m0", "m1", "m2", "m3", "m4").set().ofMaxSize(3);
        return Arbitraries.integers().between(1, 7).flatMap(n -> maps.list().ofSize(2 * n).map(sets -> {
            List<String> programs = new ArrayList<>();
            Map<String, Set<String>> reads = new LinkedHashMap<>();
            Map<String, Set<String>> writes = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                programs.add("p" + i);
                reads.put("p" + i, sets.get(2 * i));
                writes.put("p" + i, sets.get(2 * i + 1));
            }
            return new Graph(programs, reads, writes);
        }));
    }

    /** Acyclic by construction: a program writes only maps named after it, read only by programs listed before it. */
    @Provide
    Arbitrary<Graph> layeredGraphs() {
        return Arbitraries.integers().between(1, 8).flatMap(n -> Arbitraries.integers().between(0, n - 1).list().ofSize(n * 2)
                .map(picks -> {
                    List<String> programs = new ArrayList<>();
                    Map<String, Set<String>> reads = new LinkedHashMap<>();
                    Map<String, Set<String>> writes = new LinkedHashMap<>();
                    for (int i = 0; i < n; i++) {
                        programs.add("p" + i);
                        writes.put("p" + i, Set.of("w" + i));
                        reads.put("p" + i, new HashSet<>());
                    }
                    for (int k = 0; k < picks.size(); k += 2) {
                        int reader = Math.min(picks.get(k), picks.get(k + 1)), writer = Math.max(picks.get(k), picks.get(k + 1));
                        reads.get("p" + reader).add("w" + writer);
                    }
                    // Shuffle the listing order so ties do not hide a wrong sort.
                    java.util.Collections.reverse(programs);
                    return new Graph(programs, reads, writes);
                }));
    }

    @Property(tries = 500)
    void ordersEveryAcyclicGraphAndRefusesEveryCycle(@ForAll("graphs") Graph g) {
        if (g.acyclic()) {
            SwapOrder o = SwapOrder.of(g.programs(), g.reads(), g.writes());
            assertEquals(Set.copyOf(g.programs()), Set.copyOf(o.order()));
            assertEquals(g.programs().size(), o.order().size());
            for (String r : g.programs())
                for (String w : g.programs())
                    if (g.edge(r, w))
                        assertTrue(o.order().indexOf(r) < o.order().indexOf(w), r + " reads what " + w + " writes: " + o.order());
        } else {
            UpgradeException e = assertThrows(UpgradeException.class, () -> SwapOrder.of(g.programs(), g.reads(), g.writes()));
            assertEquals(UpgradeException.Outcome.NOTHING_CHANGED, e.outcome());
            // The cycle named is one: each program reads what the next one writes.
            Matcher m = Pattern.compile("programs ('[^']+'(?: -> '[^']+')+) form a dependency cycle").matcher(e.getMessage());
            assertTrue(m.find(), e.getMessage());
            String[] names = m.group(1).replace("'", "").split(" -> ");
            assertEquals(names[0], names[names.length - 1], e.getMessage());
            for (int i = 0; i + 1 < names.length; i++)
                assertTrue(g.edge(names[i], names[i + 1]), names[i] + " -> " + names[i + 1] + " in " + e.getMessage());
        }
    }

    @Property(tries = 300)
    void layeredGraphsAlwaysHaveAnOrder(@ForAll("layeredGraphs") Graph g) {
        SwapOrder o = SwapOrder.of(g.programs(), g.reads(), g.writes());
        for (UpgradePlan.Dependency d : o.dependencies())
            assertTrue(o.order().indexOf(d.before()) < o.order().indexOf(d.after()), d + " in " + o.order());
    }

    @Example
    void selfDependenciesAreIgnoredAndTiesKeepTheirOrder() {
        SwapOrder o = SwapOrder.of(List.of("a", "b", "c"),
                Map.of("a", Set.of("x"), "b", Set.of(), "c", Set.of("y")),
                Map.of("a", Set.of("x"), "b", Set.of("y"), "c", Set.of()));
        assertEquals(List.of("a", "c", "b"), o.order());
        assertEquals(List.of(new UpgradePlan.Dependency("c", "b", "y")), o.dependencies());
    }

    @Example
    void aCycleIsNamedWithItsMaps() {
        UpgradeException e = assertThrows(UpgradeException.class, () -> SwapOrder.of(List.of("set", "check"),
                Map.of("set", Set.of("verdicts"), "check", Set.of("allow")),
                Map.of("set", Set.of("allow"), "check", Set.of("verdicts"))));
        assertEquals("upgrade refused, nothing changed: programs 'set' -> 'check' -> 'set' form a dependency cycle,"
                + " so no swap order keeps every reader ahead of its writers ('set' reads map 'verdicts', which 'check'"
                + " writes; 'check' reads map 'allow', which 'set' writes)", e.getMessage());
    }
}
