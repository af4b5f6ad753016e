package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Arbitraries;
import org.junit.jupiter.api.Test;

/**
 * libbpf's replacements for kernels without a BTF feature. Expectations are derived by hand from
 * {@code bpf_object__sanitize_btf} in libbpf.c (libbpf v1.1 and current master agree, master adding
 * the '?' DATASEC rule); libbpf does not expose the function, so it cannot be run as an oracle.
 */
class BtfSanitizerTest {

    /** One type of each kind the sanitizer touches. */
    private static final List<BtfType> TYPES = List.of(
            new BtfType.Int(1, "int", 4, BtfType.Int.SIGNED, 0, 32),
            new BtfType.Float(2, "float", 4),
            new BtfType.Var(3, "v", 1, BtfType.Var.GLOBAL_ALLOCATED),
            new BtfType.DataSec(4, ".data", 8, List.of(new BtfType.VarSecInfo(3, 4, 4))),
            new BtfType.FuncProto(5, "", 1, List.of(new BtfType.Param("a", 1))),
            new BtfType.Func(6, "f", 5, BtfType.Func.GLOBAL),
            new BtfType.TypeTag(7, "user", 1),
            new BtfType.DeclTag(8, "tag", 6, -1),
            new BtfType.Enum(9, "e", 4, true, List.of(new BtfType.EnumValue("A", -1))),
            new BtfType.Enum64(10, "e64", 8, false, List.of(new BtfType.EnumValue("X", 1L << 40), new BtfType.EnumValue("Y", 2))),
            new BtfType.DataSec(11, "?.struct_ops", 0, List.of()),
            new BtfType.Pointer(12, "", 7));

    private static Btf btf(ByteOrder order) {
        return Btf.parse(BtfEncoder.encode(TYPES, order));
    }

    private static List<BtfType> sanitized(BtfFeatures f) {
        Btf out = BtfSanitizer.sanitize(btf(ByteOrder.BIG_ENDIAN), f);
        assertEquals(ByteOrder.BIG_ENDIAN, out.byteOrder());
        return out.types().subList(1, out.typeCount());
    }

    /** TYPES with some replaced, by id. */
    private static List<BtfType> expected(BtfType... replacements) {
        List<BtfType> e = new ArrayList<>(TYPES);
        for (BtfType r : replacements) {
            if (r.id() > e.size())
                e.add(r);
            else
                e.set(r.id() - 1, r);
        }
        return e;
    }

    @Test
    void aKernelWithEverythingGetsTheSameBtf() {
        Btf btf = btf(ByteOrder.LITTLE_ENDIAN);
        assertSame(btf, BtfSanitizer.sanitize(btf, BtfFeatures.all()));
    }

    @Test
    void noFeaturesAtAll() {
        assertEquals(List.of(
                TYPES.get(0),
                new BtfType.Struct(2, "", 4, List.of()),                                     // FLOAT -> anonymous empty STRUCT
                new BtfType.Int(3, "v", 1, 0, 0, 8),                                         // VAR -> INT size 1, 8 bits
                new BtfType.Struct(4, "_data", 8, List.of(new BtfType.Member("v", 3, 32, 0))), // DATASEC -> STRUCT, offsets in bits
                new BtfType.Enum(5, "", 4, false, List.of(new BtfType.EnumValue("a", 1))),   // FUNC_PROTO -> ENUM, param type as value
                new BtfType.Typedef(6, "f", 5),                                              // FUNC -> TYPEDEF
                new BtfType.Const(7, "", 1),                                                 // TYPE_TAG -> anonymous CONST
                new BtfType.Int(8, "tag", 1, 0, 0, 8),                                       // DECL_TAG -> INT
                new BtfType.Enum(9, "e", 4, false, List.of(new BtfType.EnumValue("A", 0xffff_ffffL))), // kind_flag cleared
                new BtfType.Union(10, "e64", 8, List.of(new BtfType.Member("X", 13, 0, 0), new BtfType.Member("Y", 13, 0, 0))),
                new BtfType.Struct(11, "__struct_ops", 0, List.of()),                        // both '?' and '.' become '_'
                TYPES.get(11),
                new BtfType.Int(13, "enum64_placeholder", 1, 0, 0, 8)),                      // appended once
                sanitized(BtfFeatures.none()));
    }

    @Test
    void noDatasec() {
        assertEquals(expected(
                        new BtfType.Int(3, "v", 1, 0, 0, 8),
                        new BtfType.Struct(4, "_data", 8, List.of(new BtfType.Member("v", 3, 32, 0))),
                        new BtfType.Struct(11, "__struct_ops", 0, List.of())),
                sanitized(BtfFeatures.all().withDatasec(false)));
    }

    @Test
    void noQuestionMarkDatasec() {
        assertEquals(expected(new BtfType.DataSec(11, "_.struct_ops", 0, List.of())),
                sanitized(BtfFeatures.all().withQmarkDatasec(false)));
    }

    @Test
    void noFunc() {
        assertEquals(expected(
                        new BtfType.Enum(5, "", 4, false, List.of(new BtfType.EnumValue("a", 1))),
                        new BtfType.Typedef(6, "f", 5)),
                sanitized(BtfFeatures.all().withFunc(false)));
    }

    @Test
    void noGlobalFuncMakesFuncsStatic() {
        assertEquals(expected(new BtfType.Func(6, "f", 5, BtfType.Func.STATIC)),
                sanitized(BtfFeatures.all().withGlobalFunc(false)));
        // Without FUNC at all, the TYPEDEF rule comes first.
        assertEquals(new BtfType.Typedef(6, "f", 5),
                sanitized(BtfFeatures.all().withGlobalFunc(false).withFunc(false)).get(5));
    }

    @Test
    void noFloat() {
        assertEquals(expected(new BtfType.Struct(2, "", 4, List.of())), sanitized(BtfFeatures.all().withFloat(false)));
    }

    @Test
    void noDeclTag() {
        assertEquals(expected(new BtfType.Int(8, "tag", 1, 0, 0, 8)), sanitized(BtfFeatures.all().withDeclTag(false)));
    }

    @Test
    void noTypeTag() {
        assertEquals(expected(new BtfType.Const(7, "", 1)), sanitized(BtfFeatures.all().withTypeTag(false)));
    }

    @Test
    void noEnum64() {
        assertEquals(expected(
                        new BtfType.Enum(9, "e", 4, false, List.of(new BtfType.EnumValue("A", 0xffff_ffffL))),
                        new BtfType.Union(10, "e64", 8, List.of(new BtfType.Member("X", 13, 0, 0), new BtfType.Member("Y", 13, 0, 0))),
                        new BtfType.Int(13, "enum64_placeholder", 1, 0, 0, 8)),
                sanitized(BtfFeatures.all().withEnum64(false)));
    }

    @Provide
    Arbitrary<BtfFeatures> features() {
        return Arbitraries.of(true, false).list().ofSize(8).map(b -> new BtfFeatures(
                b.get(0), b.get(1), b.get(2), b.get(3), b.get(4), b.get(5), b.get(6), b.get(7)));
    }

    /** Whatever the features, ids are kept, no type of a missing kind is left, and the result parses. */
    @Property(tries = 300)
    void sanitizedGraphsKeepIdsAndLoseMissingKinds(@ForAll("graphs") List<BtfType> graph, @ForAll("features") BtfFeatures f) {
        Btf in = Btf.parse(BtfEncoder.encode(graph, ByteOrder.LITTLE_ENDIAN));
        Btf out = BtfSanitizer.sanitize(in, f);
        boolean hadEnum64 = graph.stream().anyMatch(t -> t instanceof BtfType.Enum64);
        assertEquals(in.typeCount() + (!f.enum64() && hadEnum64 ? 1 : 0), out.typeCount());
        for (int id = 1; id < out.typeCount(); id++) {
            BtfType t = out.type(id);
            assertEquals(true, switch (t.kind()) {
                case VAR, DATASEC -> f.datasec();
                case FUNC, FUNC_PROTO -> f.func();
                case FLOAT -> f.floats();
                case DECL_TAG -> f.declTag();
                case TYPE_TAG -> f.typeTag();
                case ENUM64 -> f.enum64();
                case ENUM -> f.enum64() || !((BtfType.Enum) t).signed();
                default -> true;
            }, t.toString());
            if (t instanceof BtfType.Func fn && !f.globalFunc())
                assertEquals(BtfType.Func.STATIC, fn.linkage());
        }
    }

    @Provide
    Arbitrary<List<BtfType>> graphs() {
        return TypeGraphs.graphs(16);
    }
}
