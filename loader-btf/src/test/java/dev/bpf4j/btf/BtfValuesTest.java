package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** What a user sees: decoded shapes, bytes in both orders, bpftool's spellings, and every error message. */
class BtfValuesTest {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    // ids: 1 __u8, 2 __u8[4], 3 unsigned int, 4 struct addr_key, 5 enum color, 6 int, 7 struct bf,
    // 8 char, 9 char[4], 10 fn, 11 struct tiny (a u32 in 2 bytes), 12 int of 0 bits, 13 struct uses_bad,
    // 14 void *, 15 unsigned __int128, 16 CHAR-encoded int, 17 struct misc
    private static List<BtfType> types() {
        return List.of(
                new BtfType.Int(1, "__u8", 1, 0, 0, 8),
                new BtfType.Array(2, "", 1, 3, 4),
                new BtfType.Int(3, "unsigned int", 4, 0, 0, 32),
                new BtfType.Struct(4, "addr_key", 8, List.of(
                        new BtfType.Member("prefixlen", 3, 0, 0), new BtfType.Member("addr", 2, 32, 0))),
                new BtfType.Enum(5, "color", 4, true, List.of(
                        new BtfType.EnumValue("RED", 0), new BtfType.EnumValue("GREEN", 5))),
                new BtfType.Int(6, "int", 4, BtfType.Int.SIGNED, 0, 32),
                new BtfType.Struct(7, "bf", 4, List.of(
                        new BtfType.Member("a", 3, 0, 3), new BtfType.Member("b", 6, 3, 5),
                        new BtfType.Member("c", 5, 8, 4))),
                new BtfType.Int(8, "char", 1, BtfType.Int.SIGNED, 0, 8),
                new BtfType.Array(9, "", 8, 3, 4),
                new BtfType.FuncProto(10, "", 0, List.of()),
                new BtfType.Struct(11, "tiny", 2, List.of(new BtfType.Member("big", 3, 0, 0))),
                new BtfType.Int(12, "bad", 4, 0, 0, 0),
                new BtfType.Struct(13, "uses_bad", 4, List.of(new BtfType.Member("x", 12, 0, 0))),
                new BtfType.Pointer(14, "", 0),
                new BtfType.Int(15, "unsigned __int128", 16, 0, 0, 128),
                new BtfType.Int(16, "ch", 1, BtfType.Int.CHAR, 0, 8),
                new BtfType.Struct(17, "misc", 36, List.of(new BtfType.Member("p", 14, 0, 0),
                        new BtfType.Member("wide", 15, 64, 0), new BtfType.Member("c", 16, 192, 0),
                        new BtfType.Member("s", 9, 200, 0), new BtfType.Member("col", 5, 256, 0))));
    }

    private static Btf btf(ByteOrder order) {
        return Btf.parse(BtfBuilder.encode(types(), order));
    }

    private static Map<String, Object> map(Object... kv) {
        var m = new LinkedHashMap<String, Object>();
        for (int i = 0; i < kv.length; i += 2)
            m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void structsDecodeToMapsInMemberOrder() {
        Btf btf = btf(LE);
        Object v = BtfValues.decode(btf, btf.type(4), new byte[] {24, 0, 0, 0, 10, 0, 0, 1});
        assertEquals(map("prefixlen", 24L, "addr", List.of(10L, 0L, 0L, 1L)), v);
        assertEquals(List.of("prefixlen", "addr"), new ArrayList<>(((Map<?, ?>) v).keySet()));
    }

    @Test
    void missingMembersAreZeroAndShorterListsZeroFilled() {
        Btf btf = btf(BE);
        assertArrayEquals(new byte[] {0, 0, 0, 0, 10, 0, 0, 0},
                BtfValues.encode(btf, btf.type(4), Map.of("addr", List.of(10))));
    }

    @Test
    void bitfieldsFollowTheTargetsBitNumbering() {
        var v = map("a", 5L, "b", -3L, "c", "GREEN");
        // little-endian: a in bits 0-2 of byte 0, b in bits 3-7, c in the low nibble of byte 1
        assertArrayEquals(new byte[] {(byte) 0xed, 0x05, 0, 0}, BtfValues.encode(btf(LE), btf(LE).type(7), v));
        // big-endian: a in the top three bits of byte 0, b below it, c in the high nibble of byte 1
        assertArrayEquals(new byte[] {(byte) 0xbd, 0x50, 0, 0}, BtfValues.encode(btf(BE), btf(BE).type(7), v));
        assertEquals(v, BtfValues.decode(btf(BE), btf(BE).type(7), new byte[] {(byte) 0xbd, 0x50, 0, 0}));
        assertEquals("{\"a\":\"0x5\",\"b\":\"0x1d\",\"c\":\"0x5\"}",
                BtfDumper.format(btf(BE), btf(BE).type(7), v, BtfDumper.Style.JSON));
    }

    @Test
    void charArraysAreStringsOnlyWhenTheyRoundTrip() {
        Btf btf = btf(LE);
        assertEquals("hi", BtfValues.decode(btf, btf.type(9), new byte[] {'h', 'i', 0, 0}));
        assertEquals(List.of(104L, 0L, 105L, 0L), BtfValues.decode(btf, btf.type(9), new byte[] {'h', 0, 'i', 0}));
        assertEquals(List.of(104L, 105L, 106L, 107L), BtfValues.decode(btf, btf.type(9), "hijk".getBytes()));
        assertArrayEquals(new byte[] {'o', 'k', 0, 0}, BtfValues.encode(btf, btf.type(9), "ok"));
    }

    @Test
    void bpftoolSpellings() {
        Btf btf = btf(LE);
        byte[] b = new byte[36];
        b[8] = 1;                 // wide = 1
        b[23] = (byte) 0x80;      // wide's top byte
        b[24] = 7;                // c: not printable
        b[25] = 'a';
        b[26] = '\\';
        b[27] = 'b';              // s = "a\b" (bpftool 7.1 escapes the backslash as \n)
        b[32] = (byte) 0xff;
        b[33] = (byte) 0xff;
        b[34] = (byte) 0xff;
        b[35] = (byte) 0xff;      // col = -1, no enumerator
        BtfType misc = btf.type(17);
        assertEquals("{\"p\":0,\"wide\":\"0x80000000000000000000000000000001\",\"c\":\"\\u0007\","
                + "\"s\":\"a\\nb\",\"col\":-1}", BtfDumper.format(btf, misc, b, LE, BtfDumper.Style.JSON));
        assertEquals("{\n    \"p\": (nil),\n    \"wide\": 0x80000000000000000000000000000001,\n    \"c\": 0x7,\n"
                + "    \"s\": \"a\\nb\",\n    \"col\": -1\n}", BtfDumper.format(btf, misc, b, LE, BtfDumper.Style.TEXT));
        Map<?, ?> v = (Map<?, ?>) BtfValues.decode(btf, misc, b);
        assertEquals(BigInteger.ONE.shiftLeft(127).add(BigInteger.ONE), v.get("wide"));
        assertEquals(-1L, v.get("col"));
        assertEquals(7L, v.get("c"));
    }

    @Test
    void mapDumpWritesBpftoolsWholeOutput() {
        Btf btf = btf(LE);
        var entries = List.of(Map.entry(new byte[] {1, 0, 0, 0}, new byte[] {5, 0, 0, 0}));
        assertEquals("[{\"key\":[\"0x01\",\"0x00\",\"0x00\",\"0x00\"],\"value\":[\"0x05\",\"0x00\",\"0x00\",\"0x00\"],"
                        + "\"formatted\":{\"key\":1,\"value\":\"GREEN\"}}]\n",
                BtfDumper.mapDump(btf, btf.type(3), btf.type(5), entries, LE, BtfDumper.Style.JSON));
        assertEquals("[{\n        \"key\": 1,\n        \"value\": \"GREEN\"\n    }\n]\n",
                BtfDumper.mapDump(btf, btf.type(3), btf.type(5), entries, LE, BtfDumper.Style.TEXT));
        assertEquals("[]\n", BtfDumper.mapDump(btf, btf.type(3), btf.type(5), List.of(), LE, BtfDumper.Style.JSON));
    }

    // ---- errors: each names the path and what is wrong

    private static String encodeError(int type, Object value) {
        Btf btf = btf(LE);
        return assertThrows(BtfValueException.class, () -> BtfValues.encode(btf, btf.type(type), value)).getMessage();
    }

    private static String decodeError(int type, byte[] bytes) {
        Btf btf = btf(LE);
        return assertThrows(BtfValueException.class, () -> BtfValues.decode(btf, btf.type(type), bytes)).getMessage();
    }

    @Test
    void outOfRangeNamesTheMemberPath() {
        var e = assertThrows(BtfValueException.class,
                () -> BtfValues.encode(btf(LE), btf(LE).type(4), Map.of("addr", List.of(10, 0, 0, 300))));
        assertEquals("value.addr[3]: 300 does not fit in u8 (0..255)", e.getMessage());
        assertEquals("value.addr[3]", e.path());
        assertEquals("value.b: 16 does not fit in a 5-bit signed bitfield (-16..15)", encodeError(7, Map.of("b", 16)));
    }

    @Test
    void wrongShapes() {
        assertEquals("value: expected a map of member names to values for struct addr_key, got String \"x\"",
                encodeError(4, "x"));
        assertEquals("value: struct addr_key has no member 'nope' (members: prefixlen, addr)",
                encodeError(4, Map.of("nope", 1)));
        assertEquals("value.prefixlen: expected an integer for u32, got Double 1.5", encodeError(4, Map.of("prefixlen", 1.5)));
        assertEquals("value: no enumerator 'BLUE' in enum color (RED, GREEN)", encodeError(5, "BLUE"));
        assertEquals("value: \"abcd\" does not fit in char[4] (at most 3 characters and the NUL)", encodeError(9, "abcd"));
        assertEquals("value: character 1 of the string is U+00E9: only printable ASCII can be given as a string "
                + "(use a list of numbers for other bytes)", encodeError(9, "a\u00e9"));
        assertEquals("value: 5 elements do not fit in __u8[4]", encodeError(2, List.of(1, 2, 3, 4, 5)));
        assertEquals("value: expected a list for __u8[4], got Integer 7", encodeError(2, 7));
    }

    @Test
    void wrongByteCounts() {
        assertEquals("value: 3 bytes given, but struct addr_key is 8 bytes", decodeError(4, new byte[3]));
        var e = assertThrows(BtfValueException.class,
                () -> BtfDumper.format(btf(LE), btf(LE).type(4), new byte[9], LE, BtfDumper.Style.JSON));
        assertEquals("value: 9 bytes given, but struct addr_key is 8 bytes", e.getMessage());
    }

    @Test
    void typesWithoutValues() {
        assertEquals("value: fn has no value: sizeOf(10): type [10] FUNC_PROTO has no size", decodeError(10, new byte[0]));
    }

    @Test
    void hostileLayouts() {
        assertEquals("value.big: bits 0..31 lie outside struct tiny (2 bytes)", decodeError(11, new byte[2]));
        assertEquals("value.x: bad: malformed int: 0 bits at bit 0 of 4 bytes", decodeError(13, new byte[4]));
        var e = assertThrows(BtfValueException.class,
                () -> BtfDumper.format(btf(LE), btf(LE).type(11), new byte[2], LE, BtfDumper.Style.JSON));
        assertEquals("value: the BTF makes bpftool read bytes 0..3 of a 2-byte value", e.getMessage());
    }

    @Test
    void deepNestingIsRefused() {
        var types = new ArrayList<BtfType>();
        types.add(new BtfType.Int(1, "int", 4, BtfType.Int.SIGNED, 0, 32));
        for (int id = 2; id <= 300; id++)
            types.add(new BtfType.Struct(id, "s" + id, 4, List.of(new BtfType.Member("m", id - 1, 0, 0))));
        Btf btf = Btf.parse(BtfBuilder.encode(types, LE));
        var e = assertThrows(BtfValueException.class, () -> BtfValues.decode(btf, btf.type(300), new byte[4]));
        assertEquals("nested more than 128 levels deep", e.getMessage().substring(e.path().length() + 2));
        assertThrows(BtfValueException.class, () -> BtfDumper.format(btf, btf.type(300), new byte[4], LE, BtfDumper.Style.TEXT));
    }

    @Test
    void valuesThatWouldExplodeAreRefused() {
        // 2^31 empty structs take no bytes, and a tower of unions doubles the tree at each level.
        var types = new ArrayList<BtfType>();
        types.add(new BtfType.Struct(1, "empty", 0, List.of()));
        types.add(new BtfType.Int(2, "int", 4, 0, 0, 32));
        types.add(new BtfType.Array(3, "", 1, 2, Integer.MIN_VALUE));
        types.add(new BtfType.Union(4, "u0", 4, List.of(new BtfType.Member("a", 2, 0, 0), new BtfType.Member("b", 2, 0, 0))));
        for (int id = 5; id <= 30; id++)
            types.add(new BtfType.Union(id, "u" + id, 4, List.of(new BtfType.Member("a", id - 1, 0, 0),
                    new BtfType.Member("b", id - 1, 0, 0))));
        types.add(new BtfType.Array(31, "", 2, 2, 100_000_000));
        Btf btf = Btf.parse(BtfBuilder.encode(types, LE));
        assertEquals("value: more than 1000000 values to decode",
                assertThrows(BtfValueException.class, () -> BtfValues.decode(btf, btf.type(3), new byte[0])).getMessage());
        assertEquals("more than 1000000 values to decode",
                assertThrows(BtfValueException.class, () -> BtfValues.decode(btf, btf.type(30), new byte[4]))
                        .getMessage().replaceFirst("^[^:]*: ", ""));
        assertEquals("value: int[100000000] is 400000000 bytes, more than the 67108864 this library encodes",
                assertThrows(BtfValueException.class, () -> BtfValues.encode(btf, btf.type(31), List.of())).getMessage());
        assertThrows(BtfValueException.class, () -> BtfDumper.format(btf, btf.type(30), new byte[4], LE, BtfDumper.Style.JSON));
    }

    @Test
    void malformedMembersEnumsFloatsAndDatasecs() {
        var types = List.<BtfType>of(
                new BtfType.Int(1, "int", 4, BtfType.Int.SIGNED, 0, 32),
                new BtfType.Struct(2, "pair", 8, List.of(new BtfType.Member("x", 1, 0, 0), new BtfType.Member("y", 1, 32, 0))),
                new BtfType.Struct(3, "bitstruct", 8, List.of(new BtfType.Member("s", 2, 0, 3))),
                new BtfType.Struct(4, "wide", 8, List.of(new BtfType.Member("w", 1, 0, 33))),
                new BtfType.Struct(5, "skewed", 16, List.of(new BtfType.Member("p", 2, 4, 0))),
                new BtfType.Enum(6, "odd", 3, false, List.of()),
                new BtfType.Float(7, "long double", 16),
                new BtfType.Struct(8, "dup", 12, List.of(new BtfType.Member("x", 1, 0, 0), new BtfType.Member("", 2, 32, 0))),
                new BtfType.Var(9, "v", 1, BtfType.Var.GLOBAL_ALLOCATED),
                new BtfType.DataSec(10, ".data", 4, List.of(new BtfType.VarSecInfo(9, 2, 4))),
                new BtfType.DataSec(11, ".bad", 4, List.of(new BtfType.VarSecInfo(1, 0, 4))),
                new BtfType.Float(12, "double", 8));
        Btf btf = Btf.parse(BtfBuilder.encode(types, LE));
        java.util.function.BiFunction<Integer, Integer, String> decode = (id, n) -> assertThrows(BtfValueException.class,
                () -> BtfValues.decode(btf, btf.type(id), new byte[n])).getMessage();
        assertEquals("value.s: a 3-bit bitfield of struct pair, which is not an int or enum", decode.apply(3, 8));
        assertEquals("value.w: a 33-bit bitfield is wider than its type int", decode.apply(4, 8));
        assertEquals("value.p: member at bit offset 4 is not byte-aligned, but struct pair is not an int", decode.apply(5, 16));
        assertEquals("value: enum odd: an enum of 3 bytes", decode.apply(6, 3));
        assertEquals("value: long double: 16-byte floats are not supported", decode.apply(7, 16));
        assertEquals("value.x: two members named 'x' (those of anonymous structs and unions count as their parent's)", decode.apply(8, 12));
        assertEquals("value.v: bytes 2..5 lie outside datasec .data (4 bytes)", decode.apply(10, 4));
        assertEquals("value.int: datasec .bad: entry is int, not a variable", decode.apply(11, 4));
        assertEquals("value: expected a number for double, got String \"1.5\"", assertThrows(BtfValueException.class,
                () -> BtfValues.encode(btf, btf.type(12), "1.5")).getMessage());
        assertEquals(1.5, BtfValues.decode(btf, btf.type(12), BtfValues.encode(btf, btf.type(12), 1.5f)));
        // bpftool prints what it can and stops the struct at what it cannot
        assertEquals("{\"x\":0,\"\":{\"x\":0,\"y\":0}}", BtfDumper.format(btf, btf.type(8), new byte[12], LE, BtfDumper.Style.JSON));
        assertEquals("(unsupported-kind", BtfDumper.format(btf, btf.type(12), new byte[8], LE, BtfDumper.Style.JSON));
    }
}
