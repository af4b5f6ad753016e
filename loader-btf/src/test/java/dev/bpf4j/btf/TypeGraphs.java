package dev.bpf4j.btf;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Random valid type graphs: lists of records whose ids are 1..n in order. Valid means what
 * {@link Btf#parse} demands: references in range, a FUNC's type is a FUNC_PROTO, and no type
 * contains itself by value. The last is ensured by construction: a by-value reference (from a
 * typedef, qualifier, array element, var, decl tag, member, datasec entry) goes either to a
 * lower id or to a kind that has no by-value references, so following by-value references from
 * any type strictly descends until it leaves those kinds, and cannot come back.
 */
final class TypeGraphs {

    /** Kinds that hold other types by value. */
    static final Set<BtfKind> VALUE_KINDS = EnumSet.of(BtfKind.TYPEDEF, BtfKind.VOLATILE, BtfKind.CONST,
            BtfKind.RESTRICT, BtfKind.TYPE_TAG, BtfKind.ARRAY, BtfKind.VAR, BtfKind.DECL_TAG, BtfKind.STRUCT,
            BtfKind.UNION, BtfKind.DATASEC);

    private static final List<BtfKind> KINDS = EnumSet.complementOf(EnumSet.of(BtfKind.VOID)).stream().toList();

    private TypeGraphs() {}

    static Arbitrary<List<BtfType>> graphs(int maxTypes) {
        // Edge cases of this nested flatMap cost jqwik ~10 ms per graph to enumerate (16x the
        // random generation); the field generators below already favour 0, small values and "".
        return Arbitraries.of(KINDS).list().ofMaxSize(maxTypes).map(TypeGraphs::funcsNeedProtos)
                .flatMap(TypeGraphs::graphOfKinds).withoutEdgeCases();
    }

    /** A FUNC must point at a FUNC_PROTO: with none around, make the FUNCs protos. */
    private static List<BtfKind> funcsNeedProtos(List<BtfKind> kinds) {
        if (kinds.contains(BtfKind.FUNC_PROTO))
            return kinds;
        return kinds.stream().map(k -> k == BtfKind.FUNC ? BtfKind.FUNC_PROTO : k).toList();
    }

    private static Arbitrary<List<BtfType>> graphOfKinds(List<BtfKind> kinds) {
        List<Arbitrary<BtfType>> types = new ArrayList<>();
        for (int i = 0; i < kinds.size(); i++)
            types.add(type(kinds, i + 1));
        return Combinators.combine(types).as(List::copyOf);
    }

    private static BtfKind kindOf(List<BtfKind> kinds, int id) {
        return kinds.get(id - 1);
    }

    private static Arbitrary<BtfType> type(List<BtfKind> kinds, int id) {
        int n = kinds.size();
        Arbitrary<Integer> any = Arbitraries.integers().between(0, n);
        Arbitrary<Integer> byValue = byValueTargets(kinds, id);
        Arbitrary<String> name = names();
        return switch (kindOf(kinds, id)) {
            case VOID -> throw new IllegalArgumentException();
            case INT -> Combinators.combine(name, u32(), Arbitraries.integers().between(0, 15),
                    Arbitraries.integers().between(0, 255), Arbitraries.integers().between(0, 255))
                    .as((nm, size, enc, off, bits) -> new BtfType.Int(id, nm, size, enc, off, bits));
            case PTR -> Combinators.combine(name, any).as((nm, t) -> new BtfType.Pointer(id, nm, t));
            case ARRAY -> Combinators.combine(name, byValue, any, u32())
                    .as((nm, e, ix, cnt) -> new BtfType.Array(id, nm, e, ix, cnt));
            case STRUCT -> Combinators.combine(name, u32(), members(byValue))
                    .as((nm, size, ms) -> new BtfType.Struct(id, nm, size, ms));
            case UNION -> Combinators.combine(name, u32(), members(byValue))
                    .as((nm, size, ms) -> new BtfType.Union(id, nm, size, ms));
            case ENUM -> Arbitraries.of(true, false).flatMap(signed -> Combinators.combine(name, u32(),
                    Combinators.combine(names(), Arbitraries.integers()).as((vn, v) ->
                            new BtfType.EnumValue(vn, signed ? v : Integer.toUnsignedLong(v))).list().ofMaxSize(4))
                    .as((nm, size, vs) -> new BtfType.Enum(id, nm, size, signed, vs)));
            case ENUM64 -> Combinators.combine(name, u32(), Arbitraries.of(true, false),
                    Combinators.combine(names(), Arbitraries.longs()).as(BtfType.EnumValue::new).list().ofMaxSize(4))
                    .as((nm, size, signed, vs) -> new BtfType.Enum64(id, nm, size, signed, vs));
            case FWD -> Combinators.combine(name, Arbitraries.of(true, false)).as((nm, u) -> new BtfType.Forward(id, nm, u));
            case TYPEDEF -> Combinators.combine(name, byValue).as((nm, t) -> new BtfType.Typedef(id, nm, t));
            case VOLATILE -> Combinators.combine(name, byValue).as((nm, t) -> new BtfType.Volatile(id, nm, t));
            case CONST -> Combinators.combine(name, byValue).as((nm, t) -> new BtfType.Const(id, nm, t));
            case RESTRICT -> Combinators.combine(name, byValue).as((nm, t) -> new BtfType.Restrict(id, nm, t));
            case TYPE_TAG -> Combinators.combine(name, byValue).as((nm, t) -> new BtfType.TypeTag(id, nm, t));
            case FUNC -> Combinators.combine(name, Arbitraries.of(idsOf(kinds, BtfKind.FUNC_PROTO)),
                    Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.integers().between(0, 2)),
                            Tuple.of(1, Arbitraries.integers().between(0, 0xffff))))
                    .as((nm, t, linkage) -> new BtfType.Func(id, nm, t, linkage));
            case FUNC_PROTO -> Combinators.combine(name, any,
                    Combinators.combine(names(), any).as(BtfType.Param::new).list().ofMaxSize(4))
                    .as((nm, ret, ps) -> new BtfType.FuncProto(id, nm, ret, ps));
            case VAR -> Combinators.combine(name, byValue, u32()).as((nm, t, l) -> new BtfType.Var(id, nm, t, l));
            case DATASEC -> Combinators.combine(name, u32(),
                    Combinators.combine(byValue, u32(), u32()).as(BtfType.VarSecInfo::new).list().ofMaxSize(4))
                    .as((nm, size, vs) -> new BtfType.DataSec(id, nm, size, vs));
            case FLOAT -> Combinators.combine(name, u32()).as((nm, size) -> new BtfType.Float(id, nm, size));
            case DECL_TAG -> Combinators.combine(name, byValue, Arbitraries.integers())
                    .as((nm, t, c) -> new BtfType.DeclTag(id, nm, t, c));
        };
    }

    /** Void, any lower id, or any id of a kind that holds nothing by value. */
    private static Arbitrary<Integer> byValueTargets(List<BtfKind> kinds, int id) {
        List<Integer> targets = new ArrayList<>();
        targets.add(0);
        for (int j = 1; j <= kinds.size(); j++)
            if (j < id || !VALUE_KINDS.contains(kindOf(kinds, j)))
                targets.add(j);
        return Arbitraries.of(targets);
    }

    private static List<Integer> idsOf(List<BtfKind> kinds, BtfKind kind) {
        List<Integer> ids = new ArrayList<>();
        for (int j = 1; j <= kinds.size(); j++)
            if (kindOf(kinds, j) == kind)
                ids.add(j);
        return ids;
    }

    /** Members with either plain bit offsets or, as with kind_flag, 24-bit offsets and bitfield sizes. */
    private static Arbitrary<List<BtfType.Member>> members(Arbitrary<Integer> byValue) {
        Arbitrary<List<BtfType.Member>> plain = Combinators.combine(names(), byValue, u32())
                .as((nm, t, off) -> new BtfType.Member(nm, t, off, 0)).list().ofMaxSize(4);
        Arbitrary<List<BtfType.Member>> bitfields = Combinators.combine(names(), byValue,
                        Arbitraries.integers().between(0, 0xffffff), Arbitraries.integers().between(0, 255))
                .as(BtfType.Member::new).list().ofMaxSize(4);
        return Arbitraries.oneOf(plain, bitfields);
    }

    /** Names, often empty, sometimes not ASCII (names are UTF-8 in the string section). */
    static Arbitrary<String> names() {
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just("")),
                Tuple.of(1, Arbitraries.of("int", "foo", "task_struct", ".data", "x")),
                Tuple.of(2, Arbitraries.strings().withChars("abcxyz_0.é∀").ofMinLength(1).ofMaxLength(6)));
    }

    /** u32 fields: mostly small (so sizes do not always overflow), sometimes anything. */
    static Arbitrary<Integer> u32() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.integers().between(0, 64)),
                Tuple.of(1, Arbitraries.integers()));
    }
}
