package dev.bpf4j.loader;

import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a user of templates sees: values read and set by type, and every refusal's message. */
class ObjectTemplateTest {

    static ObjectTemplate template(String name, Target target) {
        return ObjectTemplate.of(SpecReader.read(name + ".o", TestObjects.object(name, target)));
    }

    static ObjectTemplate typed(ByteOrder order) {
        return ObjectTemplate.of(SpecReader.read(TypedGlobals.FILE, TypedGlobals.object(order)));
    }

    static ByteOrder order(Target t) {
        return t == Target.BPFEL ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
    }

    /** The bytes the new spec's internal map starts with, where the variable lives. */
    static byte[] initialBytes(ObjectSpec spec, String variable) {
        VariableSpec v = spec.variable(variable).orElseThrow();
        byte[] data = spec.map(v.map()).orElseThrow().initialData();
        return Arrays.copyOfRange(data, (int) v.offset(), (int) (v.offset() + v.size()));
    }

    static byte[] le(ByteOrder order, int size, long value) {
        ByteBuffer b = ByteBuffer.allocate(8).order(order);
        if (order == ByteOrder.LITTLE_ENDIAN)
            return Arrays.copyOf(b.putLong(0, value).array(), size);
        return Arrays.copyOfRange(b.putLong(0, value).array(), 8 - size, 8);
    }

    // ---- reading ---------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Target.class)
    void globalsReadAsTheirCTypes(Target target) {
        ObjectTemplate t = template("globals", target);
        ByteOrder o = order(target);
        assertEquals(1L, t.variable("counter").get());
        assertEquals(7L, t.variable("static_counter").get());
        assertEquals(100L, t.variable("max_packets").get());
        assertEquals(2L, t.variable("debug_level").get());
        assertEquals("bpf4j", t.variable("tag").get());
        assertEquals("globals: len %u tag %c", t.variable("globals_xdp.____fmt").get());
        assertArrayEquals(ByteBuffer.allocate(8).order(o).putInt(10).putInt(1500).array(), (byte[]) t.variable("limits").get());
        assertArrayEquals(ByteBuffer.allocate(32).order(o).putLong(1).putLong(2).putLong(3).putLong(4).array(),
                (byte[]) t.variable("data_arr").get());
        assertEquals(42L, t.variable("custom_val").get());
        assertEquals(5L, t.variable("custom_static").get());
        assertEquals(1L, t.variable("priv_seq").get());
        assertEquals(0L, t.variable("total_bytes").get(), ".bss reads as zero: that is what it starts as");

        assertEquals(List.of("s32", "u32", "u32", "u8", "char[8]", "const volatile struct limits, 8 bytes", "__u64[4], 32 bytes", "u64"),
                List.of("counter", "static_counter", "max_packets", "debug_level", "tag", "limits", "data_arr", "priv_seq").stream()
                        .map(n -> t.variable(n).typeName()).toList());
        assertEquals("\"bpf4j\"", t.variable("tag").text());
        assertEquals("0x" + (target == Target.BPFEL ? "0a000000dc050000" : "0000000a000005dc"), t.variable("limits").text());
    }

    @Test
    void anUnchangedTemplateWritesTheSameObject() {
        byte[] in = TestObjects.object("globals", Target.BPFEB);
        ObjectSpec spec = SpecReader.read("globals.o", in);
        ObjectTemplate t = ObjectTemplate.of(spec);
        assertArrayEquals(in, t.toBytes());
        assertEquals(spec, t.spec());
        assertEquals(spec, t.original());
    }

    // ---- setting ---------------------------------------------------------------------------

    @ParameterizedTest
    @EnumSource(Target.class)
    void settingGlobalsChangesTheInternalMapsInitialData(Target target) {
        ObjectTemplate t = template("globals", target);
        ByteOrder o = order(target);
        t.variable("max_packets").set(5000);
        t.variable("tag").set("hello");
        t.variable("limits").set(ByteBuffer.allocate(8).order(o).putInt(20).putInt(9000).array());
        t.variable("debug_level").parse("0x7");          // a static in .rodata
        t.variable("custom_static").set(9);               // a static in .data.xyz
        t.variable("priv_seq").parse("18446744073709551615"); // a static u64 in .data.priv, the top value
        t.variable("counter").set(-5);

        ObjectSpec spec = t.spec();
        assertArrayEquals(le(o, 4, 5000), initialBytes(spec, "max_packets"));
        assertArrayEquals("hello\0\0\0".getBytes(StandardCharsets.US_ASCII), initialBytes(spec, "tag"));
        assertArrayEquals(ByteBuffer.allocate(8).order(o).putInt(20).putInt(9000).array(), initialBytes(spec, "limits"));
        assertArrayEquals(new byte[]{7}, initialBytes(spec, "debug_level"));
        assertArrayEquals(le(o, 4, 9), initialBytes(spec, "custom_static"));
        assertArrayEquals(le(o, 8, -1), initialBytes(spec, "priv_seq"));
        assertArrayEquals(le(o, 4, -5), initialBytes(spec, "counter"));

        ObjectTemplate again = ObjectTemplate.of(spec);
        assertEquals(5000L, again.variable("max_packets").get());
        assertEquals("hello", again.variable("tag").get());
        assertEquals(7L, again.variable("debug_level").get());
        assertEquals(-1L, again.variable("priv_seq").get(), "a u64 reads as the long with the same bits");
        assertEquals("18446744073709551615", again.variable("priv_seq").text());
        assertEquals(-5L, again.variable("counter").get());

        ObjectSpec before = t.original();
        assertNotEquals(before, spec);
        assertEquals(before.programs(), spec.programs());
        assertEquals(before.variables(), spec.variables());
        assertEquals(before.btf(), spec.btf());
        assertEquals(100L, ObjectTemplate.of(before).variable("max_packets").get(), "the spec given is not changed");
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void xdpParserPortIsConfiguredWithoutACompiler(Target target) {
        ObjectTemplate t = template("xdp_parser", target);
        assertEquals(9L, t.variable("blocked_udp_port").get());
        t.variable("blocked_udp_port").set(53);
        t.variable("drop_malformed").parse("1");
        ObjectSpec spec = t.spec();
        assertArrayEquals(le(order(target), 2, 53), initialBytes(spec, "blocked_udp_port"));
        assertArrayEquals(new byte[]{1}, initialBytes(spec, "drop_malformed"));
        assertEquals("xdp_pars.rodata", spec.variable("blocked_udp_port").orElseThrow().map());
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void enumsReadAsEnumeratorNamesAndSetByNameOrNumber(Target target) {
        ObjectTemplate t = typed(order(target));
        ObjectTemplate.Variable mode = t.variable("mode");
        assertEquals("enum mode", mode.typeName());
        assertEquals("MODE_ON", mode.get());
        mode.set("MODE_AUTO");
        assertEquals("MODE_AUTO", mode.get());
        assertArrayEquals(le(order(target), 4, 7), initialBytes(t.spec(), "mode"));
        mode.set(3);
        assertEquals(3L, mode.get(), "no enumerator has the value: the number");
        assertEquals("3", mode.text());
        mode.parse("0x1");
        assertEquals("MODE_ON", mode.get());

        ObjectTemplate.Variable level = t.variable("level");    // packed, signed, 1 byte
        assertEquals("HIGH", level.get());
        level.set(-1);
        assertEquals("LOW", level.get());
        assertArrayEquals(new byte[]{-1}, initialBytes(t.spec(), "level"));

        ObjectTemplate.Variable big = t.variable("big");        // ENUM64
        assertEquals("HUGE", big.get());
        big.parse("18446744073709551615");
        assertEquals("TOP", big.get());
        assertArrayEquals(le(order(target), 8, -1), initialBytes(t.spec(), "big"));
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void boolsCharsAndBytes(Target target) {
        ObjectTemplate t = typed(order(target));
        ObjectTemplate.Variable flag = t.variable("flag");
        assertEquals(List.of("bool", 1L, "true"), List.of(flag.typeName(), flag.get(), flag.text()));
        flag.parse("false");
        assertEquals(0L, flag.get());
        flag.set(new byte[]{2});
        assertEquals("hex:02", flag.text(), "a _Bool holding 2 is only spelled exactly as bytes");

        ObjectTemplate.Variable name = t.variable("name");
        assertEquals("eth0", name.get());
        name.set("veth12");
        assertEquals("veth12", name.get(), "a string may fill the array, as in C");
        name.parse("\"a\\x00b\"");
        assertEquals("a", name.get());
        assertArrayEquals(new byte[]{'a', 0, 'b', 0, 0, 0}, name.bytes());
        assertEquals("\"a\\x00b\"", name.text());
        name.parse("bare text".substring(0, 4));
        assertEquals("bare", name.get());

        ObjectTemplate.Variable delta = t.variable("delta");
        assertEquals(List.of("s8", -3L), List.of(delta.typeName(), delta.get()));
        delta.set(-128);
        assertArrayEquals(new byte[]{-128}, initialBytes(t.spec(), "delta"));

        ObjectTemplate.Variable mac = t.variable("mac");
        assertEquals("unsigned char[4], 4 bytes", mac.typeName(), "unsigned char arrays are bytes, not strings");
        assertArrayEquals(new byte[]{1, 2, 3, 4}, (byte[]) mac.get());
        mac.parse("0x0a0b0c0d");
        assertArrayEquals(new byte[]{10, 11, 12, 13}, initialBytes(t.spec(), "mac"));
        mac.parse("hex:ffeeddcc");
        assertEquals("0xffeeddcc", mac.text());
    }

    // ---- refusals, each with its message ---------------------------------------------------

    private static String error(Runnable r) {
        return assertThrows(TemplateException.class, r::run).getMessage();
    }

    @Test
    void unknownVariable() {
        ObjectTemplate t = template("globals", Target.BPFEL);
        TemplateException e = assertThrows(TemplateException.class, () -> t.variable("nope"));
        assertEquals("globals.o: no variable 'nope'; variables: [counter, data_arr, cfg, static_counter, max_packets, limits, tag,"
                + " debug_level, globals_xdp.____fmt, custom_val, custom_static, priv_seq, total_bytes, bss_stats, hist, static_bss]",
                e.getMessage());
        assertEquals(List.of("globals.o", "nope"), List.of(e.file(), e.variable()));
    }

    @Test
    void valueOutOfRange() {
        ObjectTemplate t = template("xdp_parser", Target.BPFEB);
        assertEquals("xdp_parser.o: value 70000 does not fit in 'blocked_udp_port' (u16, 0..65535)",
                error(() -> t.variable("blocked_udp_port").set(70000)));
        assertEquals("xdp_parser.o: value -1 does not fit in 'blocked_udp_port' (u16, 0..65535)",
                error(() -> t.variable("blocked_udp_port").parse("-1")));
        assertEquals("xdp_parser.o: value 0x100 does not fit in 'drop_malformed' (u8, 0..255)",
                error(() -> t.variable("drop_malformed").parse("0x100")));
        ObjectTemplate g = template("globals", Target.BPFEL);
        assertEquals("globals.o: value 2147483648 does not fit in 'counter' (s32, -2147483648..2147483647)",
                error(() -> g.variable("counter").set(1L << 31)));
        assertEquals("globals.o: value 18446744073709551616 does not fit in 'priv_seq' (u64, 0..18446744073709551615)",
                error(() -> g.variable("priv_seq").parse("18446744073709551616")));
        ObjectTemplate typed = typed(ByteOrder.LITTLE_ENDIAN);
        assertEquals("typed.o: value 256 does not fit in 'level' (enum level, 1 byte: -128..255)",
                error(() -> typed.variable("level").set(256)));
        assertEquals("typed.o: value 2 does not fit in 'flag' (bool, 0..1)", error(() -> typed.variable("flag").set(2)));
        assertEquals("typed.o: value 128 does not fit in 'delta' (s8, -128..127)", error(() -> typed.variable("delta").parse("128")));
        assertArrayEquals(TestObjects.object("xdp_parser", Target.BPFEB), t.toBytes(), "a refused value changes nothing");
    }

    @Test
    void wrongKindOfValue() {
        ObjectTemplate t = template("globals", Target.BPFEL);
        assertEquals("globals.o: 'tag' is char[8]: set it with a string, not the number 5", error(() -> t.variable("tag").set(5)));
        assertEquals("globals.o: 'limits' is const volatile struct limits, 8 bytes: set it with its bytes (0x0102... or hex:0102...), not the number 1",
                error(() -> t.variable("limits").set(1)));
        assertEquals("globals.o: 'max_packets' is u32: 'many' is not a decimal or 0x-hex integer",
                error(() -> t.variable("max_packets").parse("many")));
        assertEquals("globals.o: 'max_packets' has 4 bytes (u32): got 3", error(() -> t.variable("max_packets").set(new byte[3])));
        assertEquals("globals.o: 'limits' has 8 bytes (const volatile struct limits, 8 bytes): got 2", error(() -> t.variable("limits").parse("0x0102")));
        assertEquals("globals.o: 'limits': '0x123' is not hex bytes (two hex digits per byte)", error(() -> t.variable("limits").parse("0x123")));
        assertEquals("globals.o: 'limits' is const volatile struct limits, 8 bytes: give its bytes in hex, as 0x0102... or hex:0102... ('10,1500' is neither)",
                error(() -> t.variable("limits").parse("10,1500")));
        assertEquals("globals.o: a string of 9 bytes does not fit in 'tag' (char[8])", error(() -> t.variable("tag").set("too long!")));
        assertEquals("globals.o: 'tag': unknown escape \\q in \"\\q\" (known: \\\" \\\\ \\n \\t \\r \\0 \\xHH)",
                error(() -> t.variable("tag").parse("\"\\q\"")));
        ObjectTemplate typed = typed(ByteOrder.BIG_ENDIAN);
        assertEquals("typed.o: 'level' is enum level: 'MEDIUM' is neither one of its enumerators [LOW, HIGH] nor a number",
                error(() -> typed.variable("level").set("MEDIUM")));
        assertEquals("typed.o: 'flag' is bool: 'yes' is not true, false or a decimal or 0x-hex integer",
                error(() -> typed.variable("flag").parse("yes")));
    }

    @Test
    void bssHasNoBytesToSet() {
        ObjectTemplate t = template("globals", Target.BPFEL);
        ObjectTemplate.Variable v = t.variable("total_bytes");
        assertFalse(v.isSettable());
        assertEquals("globals.o: 'total_bytes' is in .bss, which has no bytes in the object file (NOBITS: it is zeroed at load),"
                + " so it cannot be set; to make it settable, move it to .data (give it a non-zero initial value, or SEC(\".data\"))",
                error(() -> v.set(1)));
        assertThrows(TemplateException.class, () -> t.variable("static_bss").set(new byte[4]), "statics in .bss too");
    }

    @Test
    void kconfigExternsAreTheLoadersToFill() {
        ObjectTemplate t = template("kconfig", Target.BPFEL);
        ObjectTemplate.Variable hz = t.variable("CONFIG_HZ");
        assertFalse(hz.isSettable());
        String message = "kconfig.o: 'CONFIG_HZ' is a __kconfig extern: the loader fills it in from the kernel's configuration"
                + " at load time, and it has no bytes in the object to read or set";
        assertEquals(message, error(() -> hz.parse("100")));
        assertEquals(message, error(hz::get));
    }

    @Test
    void aNameTwoStaticsShareIsAmbiguous() {
        ObjectTemplate t = typed(ByteOrder.LITTLE_ENDIAN);
        assertEquals("typed.o: 'dup' names 2 variables (sections [.data, .rodata]); they cannot be told apart by name",
                error(() -> t.variable("dup")));
        assertEquals(2, t.variables().stream().filter(v -> v.name().equals("dup")).count());
    }

    @Test
    void settableVariablesAreThoseWithBytesInTheFile() {
        ObjectTemplate t = template("globals", Target.BPFEL);
        assertEquals(List.of("counter", "data_arr", "cfg", "static_counter", "max_packets", "limits", "tag", "debug_level",
                        "globals_xdp.____fmt", "custom_val", "custom_static", "priv_seq"),
                t.variables().stream().filter(ObjectTemplate.Variable::isSettable).map(ObjectTemplate.Variable::name).toList());
        assertTrue(t.variables().stream().noneMatch(v -> v.spec().extern()));
    }
}
