package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** One test per kind of malformed input: the exception is BtfFormatException and says where. */
class MalformedBtfTest {

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    private static String failure(Executable e) {
        return assertThrows(BtfFormatException.class, e).getMessage();
    }

    private static String parseFailure(byte[] blob) {
        return failure(() -> Btf.parse(blob));
    }

    /** A blob with an int and a struct 'foo' using it: 3 ids. */
    private static byte[] valid() {
        var b = new BtfBuilder(LE);
        b.add(new BtfType.Int(1, "int", 4, BtfType.Int.SIGNED, 0, 32));
        b.add(new BtfType.Struct(2, "foo", 4, List.of(new BtfType.Member("a", 1, 0, 0))));
        return b.build();
    }

    private static byte[] with(Consumer<BtfBuilder> types) {
        var b = new BtfBuilder(LE);
        types.accept(b);
        return b.build();
    }

    // ---- header ----

    @Test
    void inputShorterThanTheHeader() {
        assertEquals("header: needs 24 bytes, but the input has only 10", parseFailure(Arrays.copyOf(valid(), 10)));
        assertEquals("header: needs 24 bytes, but the input has only 0", parseFailure(new byte[0]));
    }

    @Test
    void badMagic() {
        byte[] blob = valid();
        blob[0] = 0x12;
        blob[1] = 0x34;
        assertEquals("header: magic bytes 12 34 are not 0xeb9f in either byte order", parseFailure(blob));
    }

    @Test
    void unsupportedVersion() {
        byte[] blob = valid();
        blob[2] = 2;
        assertEquals("header: version 2 is not supported (expected 1)", parseFailure(blob));
    }

    @Test
    void headerLengthTooSmall() {
        assertEquals("header: hdr_len 8 is smaller than 24", parseFailure(BtfBuilder.patch(valid(), BtfBuilder.HDR_LEN_AT, 8)));
    }

    @Test
    void headerLengthBeyondTheInput() {
        byte[] blob = valid();
        assertEquals("header: hdr_len 4294967295 exceeds the input size " + blob.length,
                parseFailure(BtfBuilder.patch(blob, BtfBuilder.HDR_LEN_AT, -1)));
    }

    @Test
    void typeSectionNotAligned() {
        assertEquals("header: type_off 0x2 is not 4-byte aligned", parseFailure(BtfBuilder.patch(valid(), BtfBuilder.TYPE_OFF_AT, 2)));
    }

    @Test
    void typeSectionOutsideTheInput() {
        byte[] blob = valid();
        String m = parseFailure(BtfBuilder.patch(blob, BtfBuilder.TYPE_LEN_AT, 0x7fff_fff0));
        assertEquals("header: type section [0x18, 0x80000008) (type_off 0x0, type_len 0x7ffffff0) is outside the input (size 0x"
                + Integer.toHexString(blob.length) + ")", m);
    }

    @Test
    void stringSectionOutsideTheInput() {
        byte[] blob = valid();
        String m = parseFailure(BtfBuilder.patch(blob, BtfBuilder.STR_LEN_AT, -1));
        assertEquals(true, m.startsWith("header: string section [0x"), m);
        assertEquals(true, m.contains("str_len 0xffffffff) is outside the input (size 0x" + Integer.toHexString(blob.length) + ")"), m);
    }

    @Test
    void truncatedBlob() {
        byte[] blob = valid();
        String m = parseFailure(Arrays.copyOf(blob, blob.length - 1));
        assertEquals(true, m.startsWith("header: string section") && m.contains("is outside the input"), m);
    }

    @Test
    void typeSectionRunningIntoTheStringSection() {
        var b = new BtfBuilder(LE);
        b.add(new BtfType.Int(1, "int", 4, 0, 0, 32));
        byte[] blob = b.build();
        // Type section longer by 4 bytes: it would end inside the strings.
        assertEquals("header: type section (type_off 0x0, type_len 0x14) runs past the start of the string section (str_off 0x10)",
                parseFailure(BtfBuilder.patch(blob, BtfBuilder.TYPE_LEN_AT, 20)));
    }

    @Test
    void stringSectionMustStartAndEndWithNul() {
        byte[] blob = valid();
        int strStart = 24 + 12 + 4 + 12 + 12;
        byte[] noLeadingNul = blob.clone();
        noLeadingNul[strStart] = 'x';
        assertEquals("header: string section at 0x" + Integer.toHexString(strStart) + " does not start with a NUL byte",
                parseFailure(noLeadingNul));
        byte[] noTrailingNul = blob.clone();
        noTrailingNul[blob.length - 1] = 'x';
        assertEquals("header: string section [0x" + Integer.toHexString(strStart) + ", 0x" + Integer.toHexString(blob.length)
                + ") does not end with a NUL byte", parseFailure(noTrailingNul));
        assertEquals("header: string section is empty (str_len 0); it must hold at least the empty string",
                parseFailure(BtfBuilder.patch(blob, BtfBuilder.STR_LEN_AT, 0)));
    }

    // ---- type section layout ----

    @Test
    void typeCutShortByTheSectionEnd() {
        byte[] blob = valid();
        // Shrink type_len by 4: the struct's only member loses its last word.
        String m = parseFailure(BtfBuilder.patch(blob, BtfBuilder.TYPE_LEN_AT, 12 + 4 + 12 + 12 - 4));
        assertEquals("type [2] STRUCT: vlen 1 (12 bytes of members) exceeds the 8 bytes left in the type section", m);
        // Shrink it into the int's header.
        assertEquals("type [1]: size/type needs 4 bytes at offset 0x20, but only 0 are left in the type section",
                parseFailure(BtfBuilder.patch(blob, BtfBuilder.TYPE_LEN_AT, 8)));
        assertEquals("type [1] INT: its int encoding needs 4 bytes, but only 0 are left in the type section",
                parseFailure(BtfBuilder.patch(blob, BtfBuilder.TYPE_LEN_AT, 12)));
    }

    @Test
    void absurdVlen() {
        byte[] blob = with(b -> b.raw(b.string("foo"), 4, false, 60000, 8));
        assertEquals("type [1] STRUCT: vlen 60000 (720000 bytes of members) exceeds the 0 bytes left in the type section",
                parseFailure(blob));
        byte[] proto = with(b -> {
            b.add(new BtfType.Int(1, "int", 4, 0, 0, 32));
            b.raw(0, 13, false, 0xffff, 1, 0, 1);
        });
        assertEquals("type [2] FUNC_PROTO: vlen 65535 (524280 bytes of parameters) exceeds the 8 bytes left in the type section",
                parseFailure(proto));
    }

    @Test
    void unknownKind() {
        assertEquals("type [2]: unknown kind 20 (info 0x14000000)", parseFailure(with(b -> {
            b.add(new BtfType.Int(1, "int", 4, 0, 0, 32));
            b.raw(0, 20, false, 0, 0);
        })));
        assertEquals("type [1]: unknown kind 0 (info 0x00000000)", parseFailure(with(b -> b.raw(0, 0, false, 0, 0))));
        assertEquals("type [1]: unknown kind 31 (info 0x9f000003)", parseFailure(with(b -> b.raw(0, 31, true, 3, 0))));
    }

    // ---- references ----

    @Test
    void memberRefersToAMissingType() {
        byte[] blob = with(b -> {
            b.add(new BtfType.Int(1, "int", 4, 0, 0, 32));
            b.add(new BtfType.Struct(2, "foo", 8, List.of(
                    new BtfType.Member("a", 1, 0, 0), new BtfType.Member("b", 9999, 32, 0))));
        });
        assertEquals("type [2] STRUCT 'foo': member #1 refers to type id 9999, but there are only 3 types", parseFailure(blob));
    }

    @Test
    void everyKindOfReferenceIsChecked() {
        int bad = 0x8000_0000; // also checks that ids are read as unsigned
        String n = "2147483648";
        assertEquals("type [1] PTR refers to type id " + n + ", but there are only 2 types",
                parseFailure(with(b -> b.add(new BtfType.Pointer(1, "", bad)))));
        assertEquals("type [1] TYPEDEF 't' refers to type id 2, but there are only 2 types",
                parseFailure(with(b -> b.add(new BtfType.Typedef(1, "t", 2)))));
        assertEquals("type [1] CONST refers to type id 7, but there are only 2 types",
                parseFailure(with(b -> b.add(new BtfType.Const(1, "", 7)))));
        assertEquals("type [1] VOLATILE refers to type id 7, but there are only 2 types",
                parseFailure(with(b -> b.add(new BtfType.Volatile(1, "", 7)))));
        assertEquals("type [1] RESTRICT refers to type id 7, but there are only 2 types",
                parseFailure(with(b -> b.add(new BtfType.Restrict(1, "", 7)))));
        assertEquals("type [1] TYPE_TAG 'user' refers to type id 7, but there are only 2 types",
                parseFailure(with(b -> b.add(new BtfType.TypeTag(1, "user", 7)))));
        assertEquals("type [1] VAR 'v' refers to type id 7, but there are only 2 types",
                parseFailure(with(b -> b.add(new BtfType.Var(1, "v", 7, 0)))));
        assertEquals("type [1] DECL_TAG 'd' refers to type id 7, but there are only 2 types",
                parseFailure(with(b -> b.add(new BtfType.DeclTag(1, "d", 7, -1)))));
        assertEquals("type [1] FUNC 'f' refers to type id 7, but there are only 2 types",
                parseFailure(with(b -> b.add(new BtfType.Func(1, "f", 7, 0)))));
        assertEquals("type [1] ARRAY: element type refers to type id 7, but there are only 2 types",
                parseFailure(with(b -> b.add(new BtfType.Array(1, "", 7, 0, 1)))));
        assertEquals("type [1] ARRAY: index type refers to type id 7, but there are only 2 types",
                parseFailure(with(b -> b.add(new BtfType.Array(1, "", 0, 7, 1)))));
        assertEquals("type [1] UNION 'u': member #0 refers to type id 7, but there are only 2 types",
                parseFailure(with(b -> b.add(new BtfType.Union(1, "u", 4, List.of(new BtfType.Member("m", 7, 0, 0)))))));
        assertEquals("type [1] FUNC_PROTO: return type refers to type id 7, but there are only 2 types",
                parseFailure(with(b -> b.add(new BtfType.FuncProto(1, "", 7, List.of())))));
        assertEquals("type [1] FUNC_PROTO: parameter #1 refers to type id 7, but there are only 2 types",
                parseFailure(with(b -> b.add(new BtfType.FuncProto(1, "", 0, List.of(new BtfType.Param("a", 0), new BtfType.Param("b", 7)))))));
        assertEquals("type [1] DATASEC '.data': variable #0 refers to type id 7, but there are only 2 types",
                parseFailure(with(b -> b.add(new BtfType.DataSec(1, ".data", 4, List.of(new BtfType.VarSecInfo(7, 0, 4)))))));
    }

    @Test
    void funcMustReferToAFuncProto() {
        assertEquals("type [2] FUNC 'f': its type [1] is INT, but a FUNC's type must be a FUNC_PROTO", parseFailure(with(b -> {
            b.add(new BtfType.Int(1, "int", 4, 0, 0, 32));
            b.add(new BtfType.Func(2, "f", 1, 0));
        })));
        assertEquals("type [1] FUNC 'f': its type [0] is VOID, but a FUNC's type must be a FUNC_PROTO",
                parseFailure(with(b -> b.add(new BtfType.Func(1, "f", 0, 0)))));
    }

    // ---- strings ----

    @Test
    void nameOffsetOutsideTheStringSection() {
        byte[] blob = with(b -> b.raw(0x1234, 1, false, 0, 4, 32));
        assertEquals("type [1] INT: name offset 0x1234 is outside the string section (size 0x1)", parseFailure(blob));
    }

    @Test
    void memberValueAndParameterNamesAreChecked() {
        assertEquals("type [1] STRUCT 's': member #0 name offset 0x99 is outside the string section (size 0x3)",
                parseFailure(with(b -> b.raw(b.string("s"), 4, false, 1, 4, 0x99, 0, 0))));
        assertEquals("type [1] ENUM: value #1 name offset 0xffffffff is outside the string section (size 0x3)",
                parseFailure(with(b -> b.raw(0, 6, false, 2, 4, b.string("A"), 0, -1, 1))));
        assertEquals("type [1] ENUM64: value #0 name offset 0x10 is outside the string section (size 0x1)",
                parseFailure(with(b -> b.raw(0, 19, false, 1, 8, 0x10, 0, 0))));
        assertEquals("type [1] FUNC_PROTO: parameter #0 name offset 0x10 is outside the string section (size 0x1)",
                parseFailure(with(b -> b.raw(0, 13, false, 1, 0, 0x10, 0))));
    }

    @Test
    void stringLookupOutOfRange() {
        Btf btf = Btf.parse(valid());
        // Strings: "", "int", "foo", "a": 11 bytes.
        assertEquals("string offset 0x1234 is outside the string section (size 0xb)", failure(() -> btf.string(0x1234)));
        assertEquals("string offset 0xb is outside the string section (size 0xb)", failure(() -> btf.string(0xb)));
        assertEquals("string offset 0xffffffff is outside the string section (size 0xb)", failure(() -> btf.string(-1)));
        assertEquals("a", btf.string(0x9));
        assertEquals("", btf.string(0xa)); // the last byte: the closing NUL
    }

    // ---- cycles ----

    @Test
    void typedefCycle() {
        byte[] blob = with(b -> {
            b.add(new BtfType.Int(1, "int", 4, 0, 0, 32));
            b.add(new BtfType.Pointer(2, "", 5)); // a pointer into the cycle does not make it legal
            b.add(new BtfType.Int(3, "long", 8, 0, 0, 64));
            b.add(new BtfType.Int(4, "char", 1, 0, 0, 8));
            b.add(new BtfType.Typedef(5, "a", 6));
            b.add(new BtfType.Const(6, "", 5));
        });
        assertEquals("type [5] TYPEDEF 'a': reference cycle through non-pointer kinds (5 -> 6 -> 5)", parseFailure(blob));
    }

    @Test
    void selfReferences() {
        assertEquals("type [1] TYPEDEF 't': reference cycle through non-pointer kinds (1 -> 1)",
                parseFailure(with(b -> b.add(new BtfType.Typedef(1, "t", 1)))));
        assertEquals("type [1] ARRAY: reference cycle through non-pointer kinds (1 -> 1)",
                parseFailure(with(b -> b.add(new BtfType.Array(1, "", 1, 0, 4)))));
        assertEquals("type [1] STRUCT 'node': reference cycle through non-pointer kinds (1 -> 1)",
                parseFailure(with(b -> b.add(new BtfType.Struct(1, "node", 8, List.of(new BtfType.Member("self", 1, 0, 0)))))));
        // The same through a pointer is an ordinary linked list.
        Btf list = Btf.parse(with(b -> {
            b.add(new BtfType.Struct(1, "node", 8, List.of(new BtfType.Member("next", 2, 0, 0))));
            b.add(new BtfType.Pointer(2, "", 1));
        }));
        assertEquals(8, list.sizeOf(1));
    }

    @Test
    void longCyclesAreAbbreviated() {
        int n = 40;
        String m = parseFailure(with(b -> {
            for (int id = 1; id <= n; id++)
                b.add(new BtfType.Typedef(id, "t" + id, id % n + 1));
        }));
        assertEquals("type [1] TYPEDEF 't1': reference cycle through non-pointer kinds "
                + "(1 -> 2 -> 3 -> 4 -> 5 -> 6 -> 7 -> 8 -> 9 -> 10 -> 11 -> 12 -> 13 -> 14 -> 15 -> ... 25 more -> 1)", m);
    }

    @Test
    void deepAcyclicChainsNeitherOverflowTheStackNorAreRejected() {
        int n = 100_000;
        Btf btf = Btf.parse(with(b -> {
            b.add(new BtfType.Int(1, "int", 4, 0, 0, 32));
            for (int id = 2; id <= n; id++)
                b.add(new BtfType.Typedef(id, "", id - 1));
            b.add(new BtfType.Struct(n + 1, "s", 4, List.of(new BtfType.Member("a", n, 0, 0))));
        }));
        assertEquals(1, btf.resolveId(n));
        assertEquals(4, btf.sizeOf(n));
    }

    // ---- lookups ----

    @Test
    void typeIdOutOfRange() {
        Btf btf = Btf.parse(valid());
        assertEquals("type id 3 is out of range: there are only 3 types (ids 0..2)", failure(() -> btf.type(3)));
        assertEquals("type id -1 is out of range: there are only 3 types (ids 0..2)", failure(() -> btf.type(-1)));
        assertEquals("type id 9999 is out of range: there are only 3 types (ids 0..2)", failure(() -> btf.resolve(9999)));
        assertEquals("type id 9999 is out of range: there are only 3 types (ids 0..2)", failure(() -> btf.resolveId(9999)));
        assertEquals("type id 9999 is out of range: there are only 3 types (ids 0..2)", failure(() -> btf.sizeOf(9999)));
        assertEquals("type id 3 is out of range: there are only 3 types (ids 0..2)", failure(() -> btf.kind(3)));
        assertEquals("type id 3 is out of range: there are only 3 types (ids 0..2)", failure(() -> btf.name(3)));
    }
}
