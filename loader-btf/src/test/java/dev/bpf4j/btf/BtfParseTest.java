package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** Examples: exact decoding of hand-written blobs, and the navigation API on a graph with every kind. */
class BtfParseTest {

    // Written byte by byte from btf.rst, without the builder: INT 'int', PTR -> 1, and
    // STRUCT 's' with kind_flag set and one 3-bit bitfield 'b' at bit 5.
    private static final String LITTLE_ENDIAN_BLOB = ""
            + "9feb0100 18000000 00000000 34000000 34000000 09000000"   // magic, version 1, flags, hdr_len 24, type_off 0, type_len 52, str_off 52, str_len 9
            + "01000000 00000001 04000000 20000001"                     // [1] name 1, kind 1 INT, size 4, SIGNED<<24 | 32 bits
            + "00000000 00000002 01000000"                              // [2] anon, kind 2 PTR, type 1
            + "05000000 01000084 04000000 07000000 01000000 05000003"   // [3] name 5, kflag|STRUCT|vlen 1, size 4; 'b' type 1, 3<<24 | 5
            + "00696e74 00730062 00";                                   // "", "int", "s", "b"
    private static final String BIG_ENDIAN_BLOB = ""
            + "eb9f0100 00000018 00000000 00000034 00000034 00000009"
            + "00000001 01000000 00000004 01000020"
            + "00000000 02000000 00000001"
            + "00000005 84000001 00000004 00000007 00000001 03000005"
            + "00696e74 00730062 00";

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    @Test
    void decodesAHandWrittenLittleEndianBlob() {
        checkHandWritten(Btf.parse(hex(LITTLE_ENDIAN_BLOB)), ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void decodesAHandWrittenBigEndianBlob() {
        checkHandWritten(Btf.parse(hex(BIG_ENDIAN_BLOB)), ByteOrder.BIG_ENDIAN);
    }

    private static void checkHandWritten(Btf btf, ByteOrder order) {
        assertEquals(order, btf.byteOrder());
        assertEquals(4, btf.typeCount());
        assertEquals(new BtfType.Void(0), btf.type(0));
        assertEquals(new BtfType.Int(1, "int", 4, BtfType.Int.SIGNED, 0, 32), btf.type(1));
        assertEquals(new BtfType.Pointer(2, "", 1), btf.type(2));
        assertEquals(new BtfType.Struct(3, "s", 4, List.of(new BtfType.Member("b", 1, 5, 3))), btf.type(3));
        assertEquals("int", btf.string(1));
        assertEquals("nt", btf.string(2));
        assertEquals("", btf.string(0));
        assertEquals("b", btf.string(7));
        assertEquals(8, btf.sizeOf(2));
        assertEquals(4, btf.sizeOf(3));
    }

    /** A small C program's types, one of every kind, with ids as listed. */
    static List<BtfType> everyKind() {
        return List.of(
                new BtfType.Int(1, "int", 4, BtfType.Int.SIGNED, 0, 32),
                new BtfType.Int(2, "char", 1, BtfType.Int.CHAR, 0, 8),
                new BtfType.Int(3, "_Bool", 1, BtfType.Int.BOOL, 0, 8),
                new BtfType.Pointer(4, "", 2),
                new BtfType.Array(5, "", 2, 1, 16),
                new BtfType.Struct(6, "task", 80, List.of(
                        new BtfType.Member("pid", 1, 0, 0),
                        new BtfType.Member("comm", 5, 32, 0),
                        new BtfType.Member("flag", 1, 160, 1),
                        new BtfType.Member("", 8, 192, 0),
                        new BtfType.Member("next", 7, 256, 0))),
                new BtfType.Pointer(7, "", 6),
                new BtfType.Union(8, "val", 8, List.of(new BtfType.Member("i", 1, 0, 0), new BtfType.Member("p", 4, 0, 0))),
                new BtfType.Enum(9, "color", 4, false, List.of(new BtfType.EnumValue("RED", 0), new BtfType.EnumValue("BIG", 0xffff_ffffL))),
                new BtfType.Enum64(10, "big", 8, true, List.of(new BtfType.EnumValue("MIN", Long.MIN_VALUE), new BtfType.EnumValue("NEG", -1))),
                new BtfType.Forward(11, "later", true),
                new BtfType.Typedef(12, "task_t", 13),
                new BtfType.Const(13, "", 14),
                new BtfType.Volatile(14, "", 15),
                new BtfType.Restrict(15, "", 16),
                new BtfType.TypeTag(16, "user", 6),
                new BtfType.FuncProto(17, "", 1, List.of(new BtfType.Param("t", 7), new BtfType.Param("", 0))),
                new BtfType.Func(18, "run", 17, BtfType.Func.GLOBAL),
                new BtfType.Var(19, "counter", 1, BtfType.Var.GLOBAL_ALLOCATED),
                new BtfType.DataSec(20, ".data", 4, List.of(new BtfType.VarSecInfo(19, 0, 4))),
                new BtfType.Float(21, "double", 8),
                new BtfType.DeclTag(22, "kfunc", 18, -1),
                new BtfType.DeclTag(23, "arg", 18, 0),
                new BtfType.Enum(24, "sign", 4, true, List.of(new BtfType.EnumValue("MINUS", -1))),
                new BtfType.Array(25, "", 5, 1, 3),
                new BtfType.Typedef(26, "task", 6),
                new BtfType.Forward(27, "task", false));
    }

    @ParameterizedTest
    @EnumSource(names = {"LITTLE_ENDIAN", "BIG_ENDIAN"}, value = Order.class)
    void decodesEveryKind(Order order) {
        List<BtfType> expected = everyKind();
        Btf btf = Btf.parse(BtfBuilder.encode(expected, order.value));
        assertEquals(expected.size() + 1, btf.typeCount());
        for (BtfType t : expected) {
            assertEquals(t, btf.type(t.id()));
            assertEquals(t.kind(), btf.kind(t.id()));
            assertEquals(t.name(), btf.name(t.id()));
        }
    }

    enum Order {
        LITTLE_ENDIAN(ByteOrder.LITTLE_ENDIAN), BIG_ENDIAN(ByteOrder.BIG_ENDIAN);
        final ByteOrder value;
        Order(ByteOrder value) { this.value = value; }
    }

    private static Btf everyKindBtf() {
        return Btf.parse(BtfBuilder.encode(everyKind(), ByteOrder.LITTLE_ENDIAN));
    }

    @Test
    void intEncodingHelpers() {
        Btf btf = everyKindBtf();
        var i = (BtfType.Int) btf.type(1);
        var c = (BtfType.Int) btf.type(2);
        var b = (BtfType.Int) btf.type(3);
        assertTrue(i.isSigned() && !i.isChar() && !i.isBool());
        assertTrue(!c.isSigned() && c.isChar() && !c.isBool());
        assertTrue(!b.isSigned() && !b.isChar() && b.isBool());
    }

    @Test
    void resolveSkipsTypedefsQualifiersAndTypeTagsButNotPointersOrVars() {
        Btf btf = everyKindBtf();
        for (int id : new int[] {12, 13, 14, 15, 16, 6})
            assertEquals(6, btf.resolveId(id), "from " + id);
        assertEquals(btf.type(6), btf.resolve(12));
        assertEquals(7, btf.resolveId(7));   // a pointer is a type of its own
        assertEquals(19, btf.resolveId(19)); // so is a var
        assertEquals(0, btf.resolveId(0));
        assertEquals(new BtfType.Void(0), btf.resolve(0));
    }

    @Test
    void sizeOfFollowsLibbpfResolveSize() {
        Btf btf = everyKindBtf();
        assertEquals(4, btf.sizeOf(1));
        assertEquals(8, btf.sizeOf(4));       // pointers are 8 bytes
        assertEquals(16, btf.sizeOf(5));      // char[16]
        assertEquals(48, btf.sizeOf(25));     // char[3][16]
        assertEquals(80, btf.sizeOf(6));
        assertEquals(80, btf.sizeOf(12));     // typedef -> const -> volatile -> restrict -> type tag -> struct
        assertEquals(8, btf.sizeOf(8));
        assertEquals(4, btf.sizeOf(9));
        assertEquals(8, btf.sizeOf(10));
        assertEquals(4, btf.sizeOf(19));      // a var has its type's size
        assertEquals(4, btf.sizeOf(20));      // a datasec has its own
        assertEquals(8, btf.sizeOf(21));
    }

    @Test
    void sizeOfRefusesTypesWithoutASize() {
        Btf btf = everyKindBtf();
        assertEquals("sizeOf(0): type [0] VOID has no size", assertThrows(BtfFormatException.class, () -> btf.sizeOf(0)).getMessage());
        assertEquals("sizeOf(11): type [11] FWD 'later' has no size", assertThrows(BtfFormatException.class, () -> btf.sizeOf(11)).getMessage());
        assertEquals("sizeOf(17): type [17] FUNC_PROTO has no size", assertThrows(BtfFormatException.class, () -> btf.sizeOf(17)).getMessage());
        assertEquals("sizeOf(18): type [18] FUNC 'run' has no size", assertThrows(BtfFormatException.class, () -> btf.sizeOf(18)).getMessage());
        // A decl tag takes its target's size, as in libbpf; this one tags a function.
        assertEquals("sizeOf(22): type [18] FUNC 'run' has no size", assertThrows(BtfFormatException.class, () -> btf.sizeOf(22)).getMessage());
    }

    @Test
    void sizeOfRefusesSizesAboveFourGigabytes() {
        var b = new BtfBuilder(ByteOrder.LITTLE_ENDIAN);
        b.add(new BtfType.Int(1, "long", 8, BtfType.Int.SIGNED, 0, 64));
        b.add(new BtfType.Array(2, "", 1, 1, 0x2000_0000));   // exactly 4 GiB: one byte too many
        b.add(new BtfType.Array(3, "", 1, 1, 0x1fff_ffff));
        b.add(new BtfType.Array(4, "", 2, 1, 0));             // zero of too-big is 0 ...
        b.add(new BtfType.Array(5, "", 4, 1, 0x10000));
        b.add(new BtfType.Array(6, "", 5, 1, 0x10000));       // ... but libbpf refuses the element count product
        Btf btf = Btf.parse(b.build());
        var e = assertThrows(BtfFormatException.class, () -> btf.sizeOf(2));
        assertEquals("sizeOf(2): type [2] ARRAY is larger than 2^32-1 bytes", e.getMessage());
        assertEquals(0xffff_fff8L, btf.sizeOf(3));
        assertEquals(0, btf.sizeOf(4));
        assertEquals(0, btf.sizeOf(5));
        assertThrows(BtfFormatException.class, () -> btf.sizeOf(6));
    }

    @Test
    void findsTypesByName() {
        Btf btf = everyKindBtf();
        assertEquals(List.of(btf.type(6), btf.type(26), btf.type(27)), btf.typesByName("task"));
        assertEquals(Optional.of(btf.type(6)), btf.typeByName("task", BtfType.Struct.class));
        assertEquals(Optional.of(btf.type(6)), btf.typeByName("task", BtfType.Composite.class));
        assertEquals(Optional.of(btf.type(26)), btf.typeByName("task", BtfType.Typedef.class));
        assertEquals(Optional.of(btf.type(6)), btf.typeByName("task", BtfType.class));
        assertEquals(Optional.empty(), btf.typeByName("task", BtfType.Union.class));
        assertEquals(Optional.of(btf.type(8)), btf.typeByName("val", BtfType.Composite.class));
        assertEquals(List.of(), btf.typesByName("tas"));
        assertEquals(List.of(), btf.typesByName("pid")); // member names are not type names
        assertEquals(Optional.of(btf.type(20)), btf.datasec(".data").map(BtfType.class::cast));
        assertEquals(Optional.empty(), btf.datasec(".bss"));
        assertEquals(Optional.empty(), btf.datasec("counter")); // a var, not a datasec
    }

    @Test
    void typesIsAnUnmodifiableListIndexedById() {
        Btf btf = everyKindBtf();
        List<BtfType> types = btf.types();
        assertEquals(btf.typeCount(), types.size());
        for (int id = 0; id < types.size(); id++)
            assertEquals(id, types.get(id).id());
        assertThrows(UnsupportedOperationException.class, () -> types.set(1, new BtfType.Void(0)));
        assertThrows(UnsupportedOperationException.class, () -> types.add(new BtfType.Void(0)));
        var members = ((BtfType.Struct) btf.type(6)).members();
        assertThrows(UnsupportedOperationException.class, () -> members.remove(0));
    }

    @Test
    void parsesAByteBufferFromPositionToLimitWithoutMovingIt() {
        byte[] blob = hex(BIG_ENDIAN_BLOB);
        byte[] padded = new byte[blob.length + 20];
        System.arraycopy(blob, 0, padded, 7, blob.length);
        ByteBuffer buffer = ByteBuffer.wrap(padded).position(7).limit(7 + blob.length);
        Btf btf = Btf.parse(buffer);
        assertEquals(7, buffer.position());
        assertEquals(7 + blob.length, buffer.limit());
        assertEquals(Btf.parse(blob).types(), btf.types());
        // A direct buffer takes the same path.
        ByteBuffer direct = ByteBuffer.allocateDirect(blob.length).put(blob).flip();
        assertEquals(btf.types(), Btf.parse(direct).types());
    }

    @Test
    void copiesItsInput() {
        byte[] blob = hex(LITTLE_ENDIAN_BLOB);
        Btf btf = Btf.parse(blob);
        java.util.Arrays.fill(blob, (byte) 0xff);
        assertEquals(new BtfType.Int(1, "int", 4, BtfType.Int.SIGNED, 0, 32), btf.type(1));
        assertEquals("int", btf.string(1));
    }

    @Test
    void recordsCopyTheirListsAndRejectNullNames() {
        var members = new java.util.ArrayList<BtfType.Member>();
        var s = new BtfType.Struct(1, "s", 0, members);
        members.add(new BtfType.Member("m", 0, 0, 0));
        assertTrue(s.members().isEmpty());
        assertThrows(NullPointerException.class, () -> new BtfType.Int(1, null, 4, 0, 0, 32));
        assertFalse(s.members() == members);
    }

    @Test
    void kindNumbersAreTheKernels() {
        assertEquals(0, BtfKind.VOID.number());
        assertEquals(4, BtfKind.STRUCT.number());
        assertEquals(13, BtfKind.FUNC_PROTO.number());
        assertEquals(19, BtfKind.ENUM64.number());
        for (BtfKind k : BtfKind.values())
            assertEquals(Optional.of(k), BtfKind.fromNumber(k.number()));
        assertEquals(Optional.empty(), BtfKind.fromNumber(20));
        assertEquals(Optional.empty(), BtfKind.fromNumber(-1));
    }

    @Test
    void anEmptyTypeSectionHasOnlyVoid() {
        Btf btf = Btf.parse(new BtfBuilder(ByteOrder.BIG_ENDIAN).build());
        assertEquals(1, btf.typeCount());
        assertEquals(List.of(new BtfType.Void(0)), btf.types());
    }
}
