package dev.bpf4j.upgrade;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The order in which an upgrade swaps programs: readers before the writers they depend on.
 * While an old writer still runs, the migration's copy-on-write tracer keeps the new maps
 * current, so a new reader swapped in early sees everything; a new writer swapped in
 * before its old reader would write maps that the old reader never sees.
 *
 * @param order        the programs, each after every program that reads what it writes
 * @param dependencies the edges that decided it
 */
record SwapOrder(List<String> order, List<UpgradePlan.Dependency> dependencies) {

    /**
     * Orders {@code programs} (ties keep their given order) so that a program comes before
     * every other program writing a map it reads; a program's dependency on itself is
     * ignored.
     *
     * @param reads  maps each program reads
     * @param writes maps each program writes, including through the map tracers it triggers
     * @throws UpgradeException naming the cycle when there is no such order
     */
    static SwapOrder of(List<String> programs, Map<String, Set<String>> reads, Map<String, Set<String>> writes) {
        List<String> nodes = List.copyOf(new LinkedHashSet<>(programs));
        // edges.get(a) holds b when a must precede b, with the first shared map as the reason.
        Map<String, Map<String, String>> edges = new LinkedHashMap<>();
        Map<String, Integer> pending = new HashMap<>();
        List<UpgradePlan.Dependency> deps = new ArrayList<>();
        for (String a : nodes) {
            edges.put(a, new LinkedHashMap<>());
            pending.putIfAbsent(a, 0);
        }
        for (String reader : nodes)
            for (String writer : nodes) {
                if (reader.equals(writer))
                    continue;
                TreeSet<String> shared = new TreeSet<>(reads.getOrDefault(reader, Set.of()));
                shared.retainAll(writes.getOrDefault(writer, Set.of()));
                if (shared.isEmpty())
                    continue;
                edges.get(reader).put(writer, shared.first());
                pending.merge(writer, 1, Integer::sum);
                deps.add(new UpgradePlan.Dependency(reader, writer, shared.first()));
            }
        List<String> order = new ArrayList<>();
        Set<String> done = new LinkedHashSet<>();
        while (order.size() < nodes.size()) {
            String next = null;
            for (String n : nodes)
                if (!done.contains(n) && pending.get(n) == 0) {
                    next = n;
                    break;
                }
            if (next == null)
                throw UpgradeException.refused(describeCycle(nodes, done, edges));
            done.add(next);
            order.add(next);
            for (String w : edges.get(next).keySet())
                pending.merge(w, -1, Integer::sum);
        }
        return new SwapOrder(order, deps);
    }

    // Every node left has a predecessor left, so walking predecessors backwards from any of
    // them must revisit a node: that stretch of the walk is a cycle.
    private static String describeCycle(List<String> nodes, Set<String> done, Map<String, Map<String, String>> edges) {
        Map<String, String> predecessor = new HashMap<>();
        for (String a : nodes)
            if (!done.contains(a))
                for (String b : edges.get(a).keySet())
                    if (!done.contains(b))
                        predecessor.putIfAbsent(b, a);
        String start = nodes.stream().filter(n -> !done.contains(n)).findFirst().orElseThrow();
        List<String> walk = new ArrayList<>();
        String at = start;
        while (!walk.contains(at)) {
            walk.add(at);
            at = predecessor.get(at);
        }
        List<String> cycle = new ArrayList<>(walk.subList(walk.indexOf(at), walk.size()));
        java.util.Collections.reverse(cycle);       // now in "must precede" direction
        // Start at the program listed first, so the same cycle always reads the same.
        int first = 0;
        for (int i = 1; i < cycle.size(); i++)
            if (nodes.indexOf(cycle.get(i)) < nodes.indexOf(cycle.get(first)))
                first = i;
        java.util.Collections.rotate(cycle, -first);
        StringBuilder path = new StringBuilder();
        StringBuilder why = new StringBuilder();
        for (int i = 0; i < cycle.size(); i++) {
            String a = cycle.get(i), b = cycle.get((i + 1) % cycle.size());
            path.append('\'').append(a).append("' -> ");
            if (i > 0)
                why.append("; ");
            why.append('\'').append(a).append("' reads map '").append(edges.get(a).get(b))
                    .append("', which '").append(b).append("' writes");
        }
        path.append('\'').append(cycle.get(0)).append('\'');
        return "programs " + path + " form a dependency cycle, so no swap order keeps every reader ahead of its writers ("
                + why + ")";
    }
}
