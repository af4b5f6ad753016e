package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Laws relating {@link Btf#parse} to {@link BtfBuilder} and to simple models of resolve and sizeOf. */
class BtfRoundTripProperties {

    @Provide
    Arbitrary<List<BtfType>> graphs() {
        return TypeGraphs.graphs(24);
    }

    @Provide
    Arbitrary<ByteOrder> orders() {
        return Arbitraries.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN);
    }

    @Property
    void parseInvertsBuild(@ForAll("graphs") List<BtfType> graph, @ForAll("orders") ByteOrder order) {
        Btf btf = Btf.parse(BtfBuilder.encode(graph, order));

        assertEquals(order, btf.byteOrder());
        assertEquals(graph.size() + 1, btf.typeCount());
        assertEquals(new BtfType.Void(0), btf.type(0));
        assertEquals(graph, btf.types().subList(1, btf.typeCount()));
        for (BtfType t : graph) {
            assertEquals(t.kind(), btf.kind(t.id()));
            assertEquals(t.name(), btf.name(t.id()));
        }
    }

    @Property
    void bothByteOrdersParseToTheSameTypes(@ForAll("graphs") List<BtfType> graph) {
        assertEquals(Btf.parse(BtfBuilder.encode(graph, ByteOrder.LITTLE_ENDIAN)).types(),
                Btf.parse(BtfBuilder.encode(graph, ByteOrder.BIG_ENDIAN)).types());
    }

    @Property
    void typesByNameFindsExactlyTheTypesWithThatName(@ForAll("graphs") List<BtfType> graph) {
        Btf btf = Btf.parse(BtfBuilder.encode(graph, ByteOrder.LITTLE_ENDIAN));
        Map<String, List<BtfType>> byName = new LinkedHashMap<>();
        for (BtfType t : graph)
            if (!t.name().isEmpty())
                byName.computeIfAbsent(t.name(), k -> new ArrayList<>()).add(t);
        byName.forEach((name, expected) -> {
            assertEquals(expected, btf.typesByName(name), name);
            for (BtfKind k : BtfKind.values()) {
                var first = expected.stream().filter(t -> t.kind() == k).findFirst();
                var clazz = first.map(BtfType::getClass).orElse(null);
                if (clazz != null)
                    assertEquals(first, btf.typeByName(name, clazz).map(BtfType.class::cast), name + " " + k);
            }
        });
        assertEquals(List.of(), btf.typesByName("no such name"));
        assertEquals(List.of(), btf.typesByName(""));
    }

    @Property
    void resolveSkipsExactlyTypedefsAndQualifiers(@ForAll("graphs") List<BtfType> graph) {
        Btf btf = Btf.parse(BtfBuilder.encode(graph, ByteOrder.BIG_ENDIAN));
        for (int id = 0; id <= graph.size(); id++) {
            int expected = modelResolve(graph, id);
            assertEquals(expected, btf.resolveId(id), "resolveId(" + id + ")");
            assertEquals(at(graph, expected), btf.resolve(id), "resolve(" + id + ")");
        }
    }

    @Property
    void sizeOfAgreesWithARecursiveModel(@ForAll("graphs") List<BtfType> graph) {
        Btf btf = Btf.parse(BtfBuilder.encode(graph, ByteOrder.LITTLE_ENDIAN));
        for (int id = 0; id <= graph.size(); id++) {
            long expected = modelSize(graph, id, 1);
            final int fid = id;
            if (expected >= 0) {
                assertEquals(expected, btf.sizeOf(id), "sizeOf(" + id + ")");
            } else {
                var e = assertThrows(BtfFormatException.class, () -> btf.sizeOf(fid), "sizeOf(" + id + ")");
                assertTrue(e.getMessage().startsWith("sizeOf(" + id + "): "), e.getMessage());
            }
        }
    }

    /**
     * A ring of types each referring to the next is a reference cycle unless a pointer or a
     * function prototype (whose references are not by value) breaks it.
     */
    @Property
    void aRingParsesIffAPointerOrPrototypeBreaksIt(
            @ForAll("ringKinds") List<BtfKind> ring, @ForAll("prefixLength") int prefix, @ForAll("orders") ByteOrder order) {
        var b = new BtfBuilder(order);
        for (int i = 0; i < prefix; i++)
            b.add(new BtfType.Int(b.nextId(), "i" + i, 4, 0, 0, 32));
        int first = b.nextId();
        for (int i = 0; i < ring.size(); i++) {
            int id = first + i, next = first + (i + 1) % ring.size();
            b.add(ringNode(ring.get(i), id, next));
        }
        boolean broken = ring.contains(BtfKind.PTR) || ring.contains(BtfKind.FUNC_PROTO);
        if (broken) {
            Btf btf = Btf.parse(b.build());
            for (int id = first; id < first + ring.size(); id++)
                btf.resolveId(id); // terminates: a pointer or prototype stops it
            return;
        }
        var e = assertThrows(BtfFormatException.class, () -> Btf.parse(b.build()));
        var m = Pattern.compile("^type \\[(\\d+)] [A-Z_]+( '[^']*')?: reference cycle through non-pointer kinds \\(([\\d >-]+)\\)$")
                .matcher(e.getMessage());
        assertTrue(m.matches(), e.getMessage());
        int[] cycle = Arrays.stream(m.group(3).split(" -> ")).mapToInt(Integer::parseInt).toArray();
        assertEquals(ring.size() + 1, cycle.length, e.getMessage());
        assertEquals(cycle[0], cycle[cycle.length - 1], e.getMessage());
        assertEquals(Integer.parseInt(m.group(1)), cycle[0], e.getMessage());
        for (int i = 0; i < ring.size(); i++) // consecutive ids follow the ring
            assertEquals(first + (cycle[i] - first + 1) % ring.size(), cycle[i + 1], e.getMessage());
    }

    @Provide
    Arbitrary<List<BtfKind>> ringKinds() {
        return Arbitraries.of(BtfKind.TYPEDEF, BtfKind.CONST, BtfKind.VOLATILE, BtfKind.RESTRICT, BtfKind.TYPE_TAG,
                BtfKind.ARRAY, BtfKind.VAR, BtfKind.DECL_TAG, BtfKind.STRUCT, BtfKind.UNION, BtfKind.DATASEC,
                BtfKind.PTR, BtfKind.FUNC_PROTO).list().ofMinSize(1).ofMaxSize(6);
    }

    @Provide
    Arbitrary<Integer> prefixLength() {
        return Arbitraries.integers().between(0, 3);
    }

    private static BtfType ringNode(BtfKind kind, int id, int next) {
        return switch (kind) {
            case TYPEDEF -> new BtfType.Typedef(id, "t" + id, next);
            case CONST -> new BtfType.Const(id, "", next);
            case VOLATILE -> new BtfType.Volatile(id, "", next);
            case RESTRICT -> new BtfType.Restrict(id, "", next);
            case TYPE_TAG -> new BtfType.TypeTag(id, "tag", next);
            case ARRAY -> new BtfType.Array(id, "", next, 0, 2);
            case VAR -> new BtfType.Var(id, "v" + id, next, 1);
            case DECL_TAG -> new BtfType.DeclTag(id, "d", next, -1);
            case STRUCT -> new BtfType.Struct(id, "s" + id, 8, List.of(new BtfType.Member("m", next, 0, 0)));
            case UNION -> new BtfType.Union(id, "", 8, List.of(new BtfType.Member("a", 0, 0, 0), new BtfType.Member("b", next, 0, 0)));
            case DATASEC -> new BtfType.DataSec(id, ".data", 8, List.of(new BtfType.VarSecInfo(next, 0, 8)));
            case PTR -> new BtfType.Pointer(id, "", next);
            case FUNC_PROTO -> new BtfType.FuncProto(id, "", 0, List.of(new BtfType.Param("p", next)));
            default -> throw new IllegalArgumentException(kind.toString());
        };
    }

    // ---- models, written recursively over the records rather than over bytes ----

    private static BtfType at(List<BtfType> graph, int id) {
        return id == 0 ? new BtfType.Void(0) : graph.get(id - 1);
    }

    private static int modelResolve(List<BtfType> graph, int id) {
        BtfType t = at(graph, id);
        if (t instanceof BtfType.Typedef x) return modelResolve(graph, x.type());
        if (t instanceof BtfType.Const x) return modelResolve(graph, x.type());
        if (t instanceof BtfType.Volatile x) return modelResolve(graph, x.type());
        if (t instanceof BtfType.Restrict x) return modelResolve(graph, x.type());
        if (t instanceof BtfType.TypeTag x) return modelResolve(graph, x.type());
        return id;
    }

    /** libbpf's btf__resolve_size: -1 for "no size" or "larger than u32"; {@code count} is the product of the enclosing array lengths. */
    private static long modelSize(List<BtfType> graph, int id, long count) {
        final long u32Max = 0xffff_ffffL;
        BtfType t = at(graph, id);
        long size;
        if (t instanceof BtfType.Int x) size = Integer.toUnsignedLong(x.size());
        else if (t instanceof BtfType.Float x) size = Integer.toUnsignedLong(x.size());
        else if (t instanceof BtfType.Enum x) size = Integer.toUnsignedLong(x.size());
        else if (t instanceof BtfType.Enum64 x) size = Integer.toUnsignedLong(x.size());
        else if (t instanceof BtfType.Composite x) size = Integer.toUnsignedLong(x.size());
        else if (t instanceof BtfType.DataSec x) size = Integer.toUnsignedLong(x.size());
        else if (t instanceof BtfType.Pointer) size = 8;
        else if (t instanceof BtfType.Typedef x) return modelSize(graph, x.type(), count);
        else if (t instanceof BtfType.Const x) return modelSize(graph, x.type(), count);
        else if (t instanceof BtfType.Volatile x) return modelSize(graph, x.type(), count);
        else if (t instanceof BtfType.Restrict x) return modelSize(graph, x.type(), count);
        else if (t instanceof BtfType.TypeTag x) return modelSize(graph, x.type(), count);
        else if (t instanceof BtfType.Var x) return modelSize(graph, x.type(), count);
        else if (t instanceof BtfType.DeclTag x) return modelSize(graph, x.type(), count);
        else if (t instanceof BtfType.Array a) {
            long total = count * Integer.toUnsignedLong(a.count()); // both <= u32Max: no long overflow
            return total > u32Max ? -1 : modelSize(graph, a.elementType(), total);
        } else return -1; // void, fwd, func, func_proto
        long total = Math.multiplyHigh(size, count) != 0 ? Long.MAX_VALUE : size * count;
        return total > u32Max ? -1 : total;
    }
}
