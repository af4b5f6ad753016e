package dev.bpf4j.btf;

import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class CTypeNamesTest {

    @Test
    void spellsTypesAsCDoes() {
        // [1] int, [2] __u16 -> [1], [3] const [2], [4] volatile [3], [5] struct flow, [6] ptr [5],
        // [7] char, [8] char[16], [9] union u, [10] fwd struct fwd, [11] enum e, [12] ptr void, [13] fn proto
        Btf btf = Btf.parse(BtfBuilder.encode(List.of(
                new BtfType.Int(1, "int", 4, 1, 0, 32),
                new BtfType.Typedef(2, "__u16", 1),
                new BtfType.Const(3, "", 2),
                new BtfType.Volatile(4, "", 3),
                new BtfType.Struct(5, "flow", 4, List.of(new BtfType.Member("a", 1, 0, 0))),
                new BtfType.Pointer(6, "", 5),
                new BtfType.Int(7, "char", 1, 2, 0, 8),
                new BtfType.Array(8, "", 7, 1, 16),
                new BtfType.Union(9, "u", 4, List.of(new BtfType.Member("a", 1, 0, 0))),
                new BtfType.Forward(10, "fwd", false),
                new BtfType.Enum(11, "e", 4, false, List.of(new BtfType.EnumValue("A", 0))),
                new BtfType.Pointer(12, "", 0),
                new BtfType.FuncProto(13, "", 1, List.of())), ByteOrder.LITTLE_ENDIAN));
        assertEquals("int", name(btf, 1));
        assertEquals("__u16", name(btf, 2));
        assertEquals("volatile const __u16", name(btf, 4));
        assertEquals("struct flow *", name(btf, 6));
        assertEquals("char[16]", name(btf, 8));
        assertEquals("union u", name(btf, 9));
        assertEquals("struct fwd", name(btf, 10));
        assertEquals("enum e", name(btf, 11));
        assertEquals("void *", name(btf, 12));
        assertEquals("fn", name(btf, 13));
        assertNull(CTypeNames.of(btf, null));
    }

    @Test
    void pointerCyclesStop() {
        // struct node { struct node *next; }: the pointer leads back to a named struct, so it ends.
        Btf btf = Btf.parse(BtfBuilder.encode(List.of(
                new BtfType.Struct(1, "node", 8, List.of(new BtfType.Member("next", 2, 0, 0))),
                new BtfType.Pointer(2, "", 1)), ByteOrder.BIG_ENDIAN));
        assertEquals("struct node *", name(btf, 2));
    }

    private static String name(Btf btf, int id) {
        return CTypeNames.of(btf, btf.type(id));
    }
}
