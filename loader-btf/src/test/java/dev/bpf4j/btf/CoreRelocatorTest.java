package dev.bpf4j.btf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteOrder;

import static dev.bpf4j.btf.CoreTypes.bits;
import static dev.bpf4j.btf.CoreTypes.m;
import static dev.bpf4j.btf.CoreTypes.v;
import static dev.bpf4j.btf.CoreRelocation.Kind.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Every relocation kind on hand-built local and target types. Expected values are derived by
 * hand from the layouts written out in the comments (bit offsets / 8), not from the code.
 */
class CoreRelocatorTest {

    // Local:  struct thing (48 bytes) { int x @0; unsigned y @4; struct inner in @8 {int a @8; int b @12};
    //         int arr[4] @16; struct { int c @32; int d @36; }; unsigned bf_u:3 (bit 320); int bf_s:5 (bit 323);
    //         int gone @44; }   enum color {RED 0, GREEN 1, BLUE 2}; enum64 big {HUGE 2^32};
    //         struct pair {int a; int b;}; typedef struct thing thing_t; struct flex {int n; int data[];}
    //         struct sized {unsigned u; int s;}
    static final CoreTypes LOCAL = new CoreTypes();
    static final int L_INT, L_UINT, L_THING, L_COLOR, L_BIG, L_PAIR, L_THING_T, L_FLEX, L_SIZED, L_ANON, L_ARR4;

    static {
        CoreTypes t = LOCAL;
        L_INT = t.integer("int", 4, true);
        L_UINT = t.integer("unsigned int", 4, false);
        int idx = L_INT;
        int inner = t.struct("inner", 8, m("a", L_INT, 0), m("b", L_INT, 32));
        L_ARR4 = t.array(L_INT, idx, 4);
        int anon = t.struct("", 8, m("c", L_INT, 0), m("d", L_INT, 32));
        L_ANON = anon;
        L_THING = t.struct("thing", 48, m("x", L_INT, 0), m("y", L_UINT, 32), m("in", inner, 64), m("arr", L_ARR4, 128),
                m("", anon, 256), bits("bf_u", L_UINT, 320, 3), bits("bf_s", L_INT, 323, 5), m("gone", L_INT, 352));
        L_COLOR = t.enumeration("color", 4, false, v("RED", 0), v("GREEN", 1), v("BLUE", 2));
        L_BIG = t.enum64("big", false, v("HUGE", 1L << 32));
        L_PAIR = t.struct("pair", 8, m("a", L_INT, 0), m("b", L_INT, 32));
        L_THING_T = t.typedef("thing_t", L_THING);
        int flexArr = t.array(L_INT, idx, 0);
        L_FLEX = t.struct("flex", 4, m("n", L_INT, 0), m("data", flexArr, 32));
        L_SIZED = t.struct("sized", 8, m("u", L_UINT, 0), m("s", L_INT, 32));
    }

    // Target: struct thing (80 bytes) { unsigned y @0; int x @8; struct inner in @16 {long b @16; int a @24};
    //         int arr[8] @32; int d @64; union { int c; } @68; unsigned bf_u:3 (bit 579); int bf_s:5 (bit 582); }
    //         enum color {BLUE 5, RED 7}; enum64 big {HUGE 2^33}; struct pair {int b; int a; long extra;};
    //         typedef struct thing thing_t; struct flex {long n; int data[];}; struct sized {unsigned long u; long s;}
    static final CoreTypes TARGET = new CoreTypes();
    static final int T_THING, T_THING_T;

    static {
        CoreTypes t = TARGET;
        int tInt = t.integer("int", 4, true);
        int tUint = t.integer("unsigned int", 4, false);
        int tLong = t.integer("long", 8, true);
        int tUlong = t.integer("unsigned long", 8, false);
        int inner = t.struct("inner", 16, m("b", tLong, 0), m("a", tInt, 64));
        int arr8 = t.array(tInt, tInt, 8);
        int anonUnion = t.union("", 4, m("c", tInt, 0));
        T_THING = t.struct("thing", 80, m("y", tUint, 0), m("x", tInt, 64), m("in", inner, 128), m("arr", arr8, 256),
                m("d", tInt, 512), m("", anonUnion, 544), bits("bf_u", tUint, 579, 3), bits("bf_s", tInt, 582, 5));
        t.enumeration("color", 4, false, v("BLUE", 5), v("RED", 7));
        t.enum64("big", false, v("HUGE", 1L << 33));
        t.struct("pair", 16, m("b", tInt, 0), m("a", tInt, 32), m("extra", tLong, 64));
        T_THING_T = t.typedef("thing_t", T_THING);
        int flexArr = t.array(tInt, tInt, 0);
        t.struct("flex", 8, m("n", tLong, 0), m("data", flexArr, 64));
        t.struct("sized", 16, m("u", tUlong, 0), m("s", tLong, 64));
    }

    static CoreResult relocate(int type, String access, CoreRelocation.Kind kind) {
        return relocate(LOCAL.btf(), TARGET.btf(), type, access, kind);
    }

    static CoreResult relocate(Btf local, Btf target, int type, String access, CoreRelocation.Kind kind) {
        return CoreRelocator.of(local, target).relocate(new CoreRelocation(0, type, access, kind));
    }

    static CoreResult.Patch patch(CoreResult r) {
        return assertInstanceOf(CoreResult.Patch.class, r);
    }

    static void assertPatch(long original, long value, CoreResult r) {
        CoreResult.Patch p = patch(r);
        assertEquals(original, p.originalValue(), "original value");
        assertEquals(value, p.newValue(), "new value");
    }

    @ParameterizedTest(name = "byte offset of {0} ({1}): {2} -> {3}")
    @CsvSource({
            "x,      0:0,   0,  8",
            "y,      0:1,   4,  0",
            "in.a,   0:2:0, 8,  24",
            "in.b,   0:2:1, 12, 16",
            "arr[3], 0:3:3, 28, 44",
            "arr,    0:3,   16, 32",
            "c (anonymous struct -> anonymous union), 0:4:0, 32, 68",
            "d (anonymous struct -> direct member),   0:4:1, 36, 64",
            "thing[1] (the root pointer indexed),     1,     48, 80",
    })
    void fieldByteOffset(String what, String access, long local, long target) {
        assertPatch(local, target, relocate(L_THING, access, FIELD_BYTE_OFFSET));
    }

    @Test
    void byteOffsetCarriesLoadSizesAndWhetherResizingIsSafe() {
        CoreResult.Patch b = patch(relocate(L_THING, "0:2:1", FIELD_BYTE_OFFSET)); // int b -> long b
        assertEquals(4, b.originalSize());
        assertEquals(8, b.newSize());
        assertTrue(b.memorySizeUnsafe(), "a signed int widened to long cannot be loaded with a wider load");
        CoreResult.Patch u = patch(relocate(L_SIZED, "0:0", FIELD_BYTE_OFFSET)); // unsigned -> unsigned long
        assertEquals(4, u.originalSize());
        assertEquals(8, u.newSize());
        assertFalse(u.memorySizeUnsafe(), "unsigned ints zero-extend");
        assertTrue(patch(relocate(L_SIZED, "0:1", FIELD_BYTE_OFFSET)).memorySizeUnsafe());
        CoreResult.Patch same = patch(relocate(L_THING, "0:0", FIELD_BYTE_OFFSET));
        assertEquals(4, same.newSize());
        assertFalse(same.memorySizeUnsafe());
        assertTrue(same.validate());
    }

    @Test
    void fieldByteSize() {
        assertPatch(4, 8, relocate(L_THING, "0:2:1", FIELD_BYTE_SIZE));
        assertPatch(4, 4, relocate(L_THING, "0:0", FIELD_BYTE_SIZE));
        assertPatch(16, 32, relocate(L_THING, "0:3", FIELD_BYTE_SIZE));
        assertPatch(4, 4, relocate(L_THING, "0:3:1", FIELD_BYTE_SIZE)); // an array element
    }

    @Test
    void fieldExists() {
        assertPatch(1, 1, relocate(L_THING, "0:0", FIELD_EXISTS));
        assertPatch(1, 0, relocate(L_THING, "0:7", FIELD_EXISTS)); // gone
    }

    @Test
    void missingFieldPoisonsEveryOtherFieldKind() {
        for (var kind : new CoreRelocation.Kind[]{FIELD_BYTE_OFFSET, FIELD_BYTE_SIZE, FIELD_SIGNED, FIELD_LSHIFT_U64, FIELD_RSHIFT_U64}) {
            var poison = assertInstanceOf(CoreResult.Poison.class, relocate(L_THING, "0:7", kind), kind.toString());
            assertTrue(poison.reason().contains("thing"), poison.reason());
        }
    }

    @Test
    void fieldSigned() {
        assertPatch(1, 1, relocate(L_THING, "0:0", FIELD_SIGNED));
        assertPatch(0, 0, relocate(L_THING, "0:1", FIELD_SIGNED));
        assertPatch(1, 1, relocate(L_THING, "0:6", FIELD_SIGNED));
        assertTrue(patch(relocate(L_THING, "0:6", FIELD_SIGNED)).validate(), "signedness is never ambiguous");
    }

    // bf_u: local bits 320..322 of a u32 at byte 40; target bits 579..581 of a u32 at byte 72.
    // bf_s: local bits 323..327;                     target bits 582..586.
    // Little endian: lshift = 64 - (end bit - load start bit); big endian: (8 - load size) * 8 + (start bit - load start bit).
    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({
            "LITTLE_ENDIAN, 0:5, FIELD_LSHIFT_U64, 61, 58",
            "LITTLE_ENDIAN, 0:6, FIELD_LSHIFT_U64, 56, 53",
            "BIG_ENDIAN,    0:5, FIELD_LSHIFT_U64, 32, 35",
            "BIG_ENDIAN,    0:6, FIELD_LSHIFT_U64, 35, 38",
            "LITTLE_ENDIAN, 0:5, FIELD_RSHIFT_U64, 61, 61",
            "BIG_ENDIAN,    0:6, FIELD_RSHIFT_U64, 59, 59",
            "LITTLE_ENDIAN, 0:6, FIELD_BYTE_OFFSET, 40, 72",
            "BIG_ENDIAN,    0:6, FIELD_BYTE_SIZE, 4, 4",
    })
    void bitfields(String order, String access, CoreRelocation.Kind kind, long local, long target) {
        ByteOrder o = order.equals("BIG_ENDIAN") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        CoreResult r = relocate(LOCAL.btf(o), TARGET.btf(o), L_THING, access, kind);
        assertPatch(local, target, r);
        // Offsets and sizes of bitfields are ambiguous (a compiler may load differently): not checked.
        assertEquals(kind == FIELD_RSHIFT_U64, patch(r).validate());
    }

    @Test
    void bitfieldStraddlingItsTypeNeedsAWiderLoad() {
        // unsigned int f:5 at bit 30: a u32 load at 0 ends at bit 32 < 35, so a u64 load at 0 (lshift 64 - 35 = 29).
        var local = new CoreTypes();
        int u = local.integer("unsigned int", 4, false);
        int s = local.struct("s", 8, bits("f", u, 30, 5));
        assertPatch(0, 0, relocate(local.btf(), local.btf(), s, "0:0", FIELD_BYTE_OFFSET));
        assertPatch(8, 8, relocate(local.btf(), local.btf(), s, "0:0", FIELD_BYTE_SIZE));
        assertPatch(29, 29, relocate(local.btf(), local.btf(), s, "0:0", FIELD_LSHIFT_U64));
        assertPatch(30, 30, relocate(local.btf(ByteOrder.BIG_ENDIAN), local.btf(ByteOrder.BIG_ENDIAN), s, "0:0", FIELD_LSHIFT_U64));
        // In a target with the field at bit 60 no aligned 64-bit load covers bits 60..64: a hard error.
        var target = new CoreTypes();
        int tu = target.integer("unsigned int", 4, false);
        target.struct("s", 16, bits("f", tu, 60, 5));
        var e = assertThrows(CoreRelocationException.class, () -> relocate(local.btf(), target.btf(), s, "0:0", FIELD_LSHIFT_U64));
        assertFalse(e.objectFault());
        assertTrue(e.getMessage().contains("64-bit load"), e.getMessage());
    }

    @Test
    void typeRelocations() {
        assertPatch(L_THING, L_THING, relocate(L_THING, "0", TYPE_ID_LOCAL));
        assertFalse(patch(relocate(L_THING, "0", TYPE_ID_LOCAL)).validate());
        assertPatch(L_THING, T_THING, relocate(L_THING, "0", TYPE_ID_TARGET));
        assertFalse(patch(relocate(L_THING, "0", TYPE_ID_TARGET)).validate(), "type ids change in linking: not checked");
        assertPatch(1, 1, relocate(L_THING, "0", TYPE_EXISTS));
        assertPatch(48, 80, relocate(L_THING, "0", TYPE_SIZE));
        assertPatch(L_THING_T, T_THING_T, relocate(L_THING_T, "0", TYPE_ID_TARGET));
        assertPatch(48, 80, relocate(L_THING_T, "0", TYPE_SIZE));
    }

    @Test
    void typeIdLocalNeedsNoTarget() {
        assertPatch(L_PAIR, L_PAIR, relocate(LOCAL.btf(), null, L_PAIR, "0", TYPE_ID_LOCAL));
        assertThrows(IllegalStateException.class, () -> relocate(LOCAL.btf(), null, L_PAIR, "0", TYPE_EXISTS));
    }

    @Test
    void missingTypeGivesZeroForEveryTypeKind() {
        var empty = new CoreTypes();
        empty.integer("int", 4, true);
        for (var kind : new CoreRelocation.Kind[]{TYPE_ID_TARGET, TYPE_EXISTS, TYPE_SIZE, TYPE_MATCHES})
            assertEquals(0, patch(relocate(LOCAL.btf(), empty.btf(), L_THING, "0", kind)).newValue(), kind.toString());
    }

    @Test
    void typeMatches() {
        // pair: every local member (a, b) is in the target by name with a matching int: matches.
        assertPatch(1, 1, relocate(L_PAIR, "0", TYPE_MATCHES));
        // thing: 'gone' is not in the target, and inner.b is int here, long there.
        assertPatch(1, 0, relocate(L_THING, "0", TYPE_MATCHES));
        // color: GREEN has no counterpart.
        assertPatch(1, 0, relocate(L_COLOR, "0", TYPE_MATCHES));
        // ... yet both are compatible for TYPE_EXISTS, which ignores members.
        assertPatch(1, 1, relocate(L_THING, "0", TYPE_EXISTS));
        assertPatch(1, 1, relocate(L_COLOR, "0", TYPE_EXISTS));
    }

    @Test
    void enumValues() {
        assertPatch(1, 1, relocate(L_COLOR, "0", ENUMVAL_EXISTS));
        assertPatch(1, 0, relocate(L_COLOR, "1", ENUMVAL_EXISTS)); // GREEN
        assertPatch(0, 7, relocate(L_COLOR, "0", ENUMVAL_VALUE));  // RED
        assertPatch(2, 5, relocate(L_COLOR, "2", ENUMVAL_VALUE));  // BLUE
        assertInstanceOf(CoreResult.Poison.class, relocate(L_COLOR, "1", ENUMVAL_VALUE));
        assertPatch(1L << 32, 1L << 33, relocate(L_BIG, "0", ENUMVAL_VALUE));
    }

    @Test
    void enumAndEnum64AreOneFamily() {
        var target = new CoreTypes();
        target.enum64("color", true, v("RED", -1), v("GREEN", 1L << 40));
        assertPatch(0, -1, relocate(LOCAL.btf(), target.btf(), L_COLOR, "0", ENUMVAL_VALUE));
        assertPatch(1, 1L << 40, relocate(LOCAL.btf(), target.btf(), L_COLOR, "1", ENUMVAL_VALUE));
    }

    @Test
    void a32BitEnumeratorReadsSignExtendedAsLibbpfDoes() {
        var target = new CoreTypes();
        target.enumeration("color", 4, false, v("RED", 0x8000_0000L));
        assertPatch(0, 0xffff_ffff_8000_0000L, relocate(LOCAL.btf(), target.btf(), L_COLOR, "0", ENUMVAL_VALUE));
    }

    @Test
    void localFlavorMatchesTheTargetsPlainName() {
        var local = new CoreTypes();
        int i = local.integer("int", 4, true);
        int old = local.struct("thing___v1", 4, m("x", i, 0));
        assertPatch(0, 8, relocate(local.btf(), TARGET.btf(), old, "0:0", FIELD_BYTE_OFFSET));
    }

    @Test
    void targetFlavorsAreCandidatesAndMustAgree() {
        var target = new CoreTypes();
        int i = target.integer("int", 4, true);
        target.struct("pair___a", 8, m("a", i, 32), m("b", i, 0));
        target.struct("pair___b", 12, m("z", i, 0), m("a", i, 32));
        // Both flavors put 'a' at byte 4: no ambiguity.
        assertPatch(0, 4, relocate(LOCAL.btf(), target.btf(), L_PAIR, "0:0", FIELD_BYTE_OFFSET));
        target.struct("pair___c", 8, m("a", i, 0));
        var e = assertThrows(CoreRelocationException.class,
                () -> relocate(LOCAL.btf(), target.btf(), L_PAIR, "0:0", FIELD_BYTE_OFFSET));
        assertTrue(e.getMessage().contains("field offset ambiguity: 0 != 32"), e.getMessage());
        assertFalse(e.objectFault());
    }

    @Test
    void candidatesDisagreeingOnAValueAreAmbiguous() {
        // Same offset, different sizes: "relocation decision ambiguity".
        var target = new CoreTypes();
        int i = target.integer("int", 4, true);
        int l = target.integer("long", 8, true);
        target.struct("pair___a", 8, m("a", i, 0));
        target.struct("pair___b", 8, m("a", l, 0));
        var e = assertThrows(CoreRelocationException.class,
                () -> relocate(LOCAL.btf(), target.btf(), L_PAIR, "0:0", FIELD_BYTE_SIZE));
        assertTrue(e.getMessage().contains("relocation decision ambiguity: success 8 != success 4"), e.getMessage());
    }

    @Test
    void matchedCandidatesNarrowTheListForLaterRelocationsOfTheSameType() {
        // As in libbpf: relocating 'b' keeps only pair___1; 'a' then has one candidate (byte 0),
        // although pair___2 puts it at byte 4 and would have been ambiguous on its own.
        var target = new CoreTypes();
        int i = target.integer("int", 4, true);
        target.struct("pair___1", 8, m("a", i, 0), m("b", i, 32));
        target.struct("pair___2", 8, m("c", i, 0), m("a", i, 32));
        var relocator = CoreRelocator.of(LOCAL.btf(), target.btf());
        assertPatch(4, 4, relocator.relocate(new CoreRelocation(0, L_PAIR, "0:1", FIELD_BYTE_OFFSET)));
        assertPatch(0, 0, relocator.relocate(new CoreRelocation(8, L_PAIR, "0:0", FIELD_BYTE_OFFSET)));
        assertThrows(CoreRelocationException.class, () -> relocate(LOCAL.btf(), target.btf(), L_PAIR, "0:0", FIELD_BYTE_OFFSET));
    }

    @Test
    void flexibleArrayTakesAnyIndex() {
        // data[5]: local 4 + 5 * 4 = 24, target 8 + 20 = 28.
        assertPatch(24, 28, relocate(L_FLEX, "0:1:5", FIELD_BYTE_OFFSET));
    }

    @Test
    void arrayIndexBeyondTheTargetsArrayDoesNotMatch() {
        var target = new CoreTypes();
        int i = target.integer("int", 4, true);
        int a2 = target.array(i, i, 2);
        target.struct("thing", 8, m("arr", a2, 0));
        assertInstanceOf(CoreResult.Poison.class, relocate(LOCAL.btf(), target.btf(), L_THING, "0:3:3", FIELD_BYTE_OFFSET));
        assertPatch(20, 4, relocate(LOCAL.btf(), target.btf(), L_THING, "0:3:1", FIELD_BYTE_OFFSET));
    }

    @Test
    void incompatibleFieldTypeDoesNotMatch() {
        var target = new CoreTypes();
        int i = target.integer("int", 4, true);
        int p = target.pointer(i);
        target.struct("thing", 8, m("x", p, 0)); // int in the object, pointer in the target
        assertInstanceOf(CoreResult.Poison.class, relocate(LOCAL.btf(), target.btf(), L_THING, "0:0", FIELD_BYTE_OFFSET));
        assertPatch(1, 0, relocate(LOCAL.btf(), target.btf(), L_THING, "0:0", FIELD_EXISTS));
    }

    @ParameterizedTest(name = "\"{0}\": {1}")
    @CsvSource(delimiter = '|', value = {
            "''        | empty access string",
            "0:x       | access #1 'x' is not a number",
            "0::1      | access #1 is empty",
            "0:1:      | access #2 is empty",
            ":0        | access #0 is empty",
            "-1        | access #0 '-1' is not a number",
            "0:99      | member index 99 at step #1 is out of range: [",
            "0:0:1     | step #2 (index 1) goes into [1] INT 'int', which is not a struct, union or array",
            "0:3:4     | array index 4 at step #2 is out of range",
            "0:99999999999 | out of range",
    })
    void malformedAccessStrings(String access, String message) {
        var e = assertThrows(CoreRelocationException.class, () -> relocate(L_THING, access, FIELD_BYTE_OFFSET));
        assertTrue(e.objectFault());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertTrue(e.getMessage().contains("STRUCT 'thing'"), "names the type: " + e.getMessage());
    }

    @Test
    void tooManyAccesses() {
        var e = assertThrows(CoreRelocationException.class,
                () -> relocate(L_THING, "0" + ":0".repeat(64), FIELD_BYTE_OFFSET));
        assertTrue(e.getMessage().contains("more than 64 accesses"), e.getMessage());
    }

    @Test
    void malformedForTheKind() {
        assertMalformed(L_THING, "1", TYPE_SIZE, "takes the access string \"0\"");
        assertMalformed(L_THING, "0", ENUMVAL_VALUE, "needs an enum");
        assertMalformed(L_COLOR, "0:1", ENUMVAL_VALUE, "takes one index");
        assertMalformed(L_COLOR, "3", ENUMVAL_EXISTS, "enumerator index 3 is out of range");
        assertMalformed(L_THING, "0:3:1", FIELD_LSHIFT_U64, "cannot be applied to an array element");
        assertMalformed(L_ANON, "0:0", FIELD_BYTE_OFFSET, "anonymous type");
        assertMalformed(9999, "0", TYPE_EXISTS, "type id 9999");
    }

    private static void assertMalformed(int type, String access, CoreRelocation.Kind kind, String message) {
        var e = assertThrows(CoreRelocationException.class, () -> relocate(type, access, kind));
        assertTrue(e.objectFault(), e.getMessage());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }
}
