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
