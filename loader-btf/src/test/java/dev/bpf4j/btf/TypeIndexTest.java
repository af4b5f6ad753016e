package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * The one-pass index ({@link TypeSection#index}) and what it leaves to {@link TypeValidator}: the
 * paths a blob shaped like vmlinux never takes (the offset table outgrowing its first guess,
 * FUNCs whose prototype comes later, faults found only by the second, slow walk), each pinned
 * against facts derived by hand.
 */
class TypeIndexTest {

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** 12-byte types only: more types than the first guess of the offset table (one per 20 bytes) holds. */
    @Test
    void manySmallTypesGrowTheOffsetTable() {
        var types = new ArrayList<BtfType>();
        types.add(new BtfType.Int(1, "int", 4, 0, 0, 32));
        for (int id = 2; id <= 5000; id++)
            types.add(id % 2 == 0 ? new BtfType.Pointer(id, "", id - 1) : new BtfType.Const(id, "", id - 1));
        Btf btf = Btf.parse(BtfBuilder.encode(types, LE));
        assertEquals(5001, btf.typeCount());
        for (int id = 1; id <= 5000; id++)
            assertEquals(types.get(id - 1), btf.type(id));
        assertEquals(8, btf.sizeOf(5000)); // [5000] is a pointer, [4999] a const of [4998], a pointer
        assertEquals(8, btf.sizeOf(4999));
        assertEquals(4, btf.sizeOf(1));
    }

    @Test
    void aFuncMayComeBeforeItsPrototype() {
        Btf btf = Btf.parse(BtfBuilder.encode(List.of(
                new BtfType.Func(1, "f", 3, 1),
                new BtfType.Int(2, "int", 4, 0, 0, 32),
                new BtfType.FuncProto(3, "", 2, List.of(new BtfType.Param("x", 2)))), LE));
        assertEquals(BtfKind.FUNC_PROTO, btf.kind(((BtfType.Func) btf.type(1)).type()));
    }

    @Test
    void aFuncWhosePrototypeComesLaterMustStillReferToAFuncProto() {
        byte[] blob = BtfBuilder.encode(List.of(
                new BtfType.Func(1, "f", 3, 1),
                new BtfType.Int(2, "int", 4, 0, 0, 32),
                new BtfType.Int(3, "long", 8, 0, 0, 64)), LE);
        assertEquals("type [1] FUNC 'f': its type [3] is INT, but a FUNC's type must be a FUNC_PROTO",
                assertThrows(BtfFormatException.class, () -> Btf.parse(blob)).getMessage());
    }

    /**
     * Faults are reported in id order, references and names before FUNC prototypes before
     * cycles, whatever the one pass saw first: here a FUNC with a wrong prototype (id 1), a bad
     * member name (id 3) and a cycle (ids 4-5); the name is reported, as a sequential check of
     * every type in id order would.
     */
    @Test
    void faultsAreReportedInTheOrderOfASequentialCheck() {
        var b = new BtfBuilder(LE);
        b.add(new BtfType.Func(1, "f", 2, 0));
        b.add(new BtfType.Int(2, "int", 4, 0, 0, 32));
        b.raw(b.string("s"), BtfKind.STRUCT.number(), false, 1, 4, 0x7777, 2, 0); // member #0: name 0x7777
        b.add(new BtfType.Typedef(4, "a", 5));
        b.add(new BtfType.Typedef(5, "b", 4));
        var e = assertThrows(BtfFormatException.class, () -> Btf.parse(b.build()));
        assertEquals(true, e.getMessage().startsWith("type [3] STRUCT 's': member #0 name offset 0x7777 is outside the string section"),
                e.getMessage());
    }
}
