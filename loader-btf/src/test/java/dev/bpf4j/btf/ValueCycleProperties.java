package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/**
 * The parser refuses a blob exactly when some type contains itself by value, checked against a
 * plain recursive model on random graphs of typedefs, arrays, structs and pointers whose edges
 * go anywhere (forwards, backwards, to themselves).
 */
class ValueCycleProperties {

    /** One type: kind 0 typedef, 1 array, 2 struct, 3 pointer; its targets (ids 0..n). */
    record Node(int kind, List<Integer> targets) {}

    @Provide
    Arbitrary<List<Node>> graphs() {
        return Arbitraries.integers().between(1, 12).flatMap(n -> {
            Arbitrary<Integer> id = Arbitraries.integers().between(0, n);
            Arbitrary<Node> node = Combinators.combine(Arbitraries.integers().between(0, 3), id.list().ofMinSize(1).ofMaxSize(3))
                    .as((kind, targets) -> new Node(kind, kind == 2 ? targets : targets.subList(0, 1)));
            return node.list().ofSize(n);
        });
    }

    @Property(tries = 2000)
    void parseFailsExactlyWhenATypeContainsItselfByValue(@ForAll("graphs") List<Node> graph) {
        List<BtfType> types = new ArrayList<>();
        types.add(null);
        for (int i = 0; i < graph.size(); i++) {
            int id = i + 1;
            Node n = graph.get(i);
            types.add(switch (n.kind()) {
                case 0 -> new BtfType.Typedef(id, "t" + id, n.targets().get(0));
                case 1 -> new BtfType.Array(id, "", n.targets().get(0), 0, 2);
                case 2 -> new BtfType.Struct(id, "s" + id, 4,
                        n.targets().stream().map(t -> new BtfType.Member("m", t, 0, 0)).toList());
                default -> new BtfType.Pointer(id, "", n.targets().get(0));
            });
        }
        boolean cyclic = false;
        for (int id = 1; id <= graph.size(); id++)
            cyclic |= reaches(graph, id, id, graph.size() + 1);
        Statistics.collect(cyclic ? "cyclic" : "acyclic");
        byte[] blob = BtfEncoder.encode(types.subList(1, types.size()), ByteOrder.LITTLE_ENDIAN);
        try {
            Btf.parse(blob);
            assertEquals(false, cyclic, "a cycle was accepted");
        } catch (BtfFormatException e) {
            assertTrue(cyclic, "refused without a cycle: " + e.getMessage());
            assertTrue(e.getMessage().contains("reference cycle through non-pointer kinds"), e.getMessage());
        }
    }

    /**
     * Larger graphs shaped like vmlinux: most by-value edges go to lower ids, a few go forward
     * (where the parser's cycle search starts), pointers now and then. The model is a plain
     * three-colour depth-first search over every type.
     */
    @Provide
    Arbitrary<List<Node>> mostlyBackwardGraphs() {
        return Arbitraries.integers().between(2, 150).flatMap(n -> Arbitraries.integers().between(0, 3).list().ofSize(n)
                .flatMap(kinds -> {
                    List<Arbitrary<Node>> nodes = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        int id = i + 1, kind = kinds.get(i);
                        Arbitrary<Integer> target = Arbitraries.frequencyOf(
                                net.jqwik.api.Tuple.of(40, Arbitraries.integers().between(0, id - 1)),
                                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(id, n)));
                        nodes.add(target.list().ofMinSize(1).ofMaxSize(kind == 2 ? 4 : 1).map(t -> new Node(kind, t)));
                    }
                    return Combinators.combine(nodes).as(List::copyOf);
                }));
    }

    @Property(tries = 300)
    void largerGraphsAreRefusedExactlyWhenCyclic(@ForAll("mostlyBackwardGraphs") List<Node> graph) {
        List<BtfType> types = new ArrayList<>();
        for (int i = 0; i < graph.size(); i++) {
            int id = i + 1;
            Node n = graph.get(i);
            types.add(switch (n.kind()) {
                case 0 -> new BtfType.Typedef(id, "t" + id, n.targets().get(0));
                case 1 -> new BtfType.Array(id, "", n.targets().get(0), 0, 2);
                case 2 -> new BtfType.Struct(id, "s" + id, 4,
                        n.targets().stream().map(t -> new BtfType.Member("m", t, 0, 0)).toList());
                default -> new BtfType.Pointer(id, "", n.targets().get(0));
            });
        }
        byte[] state = new byte[graph.size() + 1];
        boolean cyclic = false;
        for (int id = 1; id <= graph.size() && !cyclic; id++)
            cyclic = cycleFrom(graph, id, state);
        Statistics.collect(cyclic ? "cyclic" : "acyclic");
        byte[] blob = BtfEncoder.encode(types, ByteOrder.BIG_ENDIAN);
        try {
            Btf.parse(blob);
            assertEquals(false, cyclic, "a cycle was accepted");
        } catch (BtfFormatException e) {
            assertTrue(cyclic, "refused without a cycle: " + e.getMessage());
            assertTrue(e.getMessage().contains("reference cycle through non-pointer kinds"), e.getMessage());
        }
    }

    /** Three-colour DFS (0 unseen, 1 on the path, 2 done): whether a cycle is reachable from {@code id}. */
    private static boolean cycleFrom(List<Node> graph, int id, byte[] state) {
        if (id == 0 || state[id] == 2)
            return false;
        if (state[id] == 1)
            return true;
        state[id] = 1;
        Node n = graph.get(id - 1);
        if (n.kind() != 3)
            for (int t : n.targets())
                if (cycleFrom(graph, t, state))
                    return true;
        state[id] = 2;
        return false;
    }

    /** Whether {@code to} is reachable from {@code from} in 1..steps by-value edges (pointers stop). */
    private static boolean reaches(List<Node> graph, int from, int to, int steps) {
        if (steps == 0 || from == 0)
            return false;
        Node n = graph.get(from - 1);
        if (n.kind() == 3)
            return false;
        for (int t : n.targets())
            if (t == to || reaches(graph, t, to, steps - 1))
                return true;
        return false;
    }
}
