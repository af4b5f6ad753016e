package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * .BTF.ext parsing: records written by {@link BtfExtBuilder} (from the documented layout) read
 * back in both byte orders; and one test per kind of malformed input, each failing with a
 * {@link BtfFormatException} that names the subsection, section and record.
 */
class BtfExtTest {

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    enum Order {
        LITTLE(ByteOrder.LITTLE_ENDIAN), BIG(ByteOrder.BIG_ENDIAN);

        final ByteOrder order;

        Order(ByteOrder order) {
            this.order = order;
        }
    }

    /** The .BTF of the fixtures: 1 int, 2 proto, 3 FUNC prog_a, 4 FUNC sub_b, 5 struct foo. */
    private static BtfBuilder types(ByteOrder order) {
        var b = new BtfBuilder(order);
        b.add(new BtfType.Int(1, "int", 4, BtfType.Int.SIGNED, 0, 32));
        b.add(new BtfType.FuncProto(2, "", 1, List.of(new BtfType.Param("ctx", 1))));
        b.add(new BtfType.Func(3, "prog_a", 2, 1));
        b.add(new BtfType.Func(4, "sub_b", 2, 0));
        b.add(new BtfType.Struct(5, "foo", 4, List.of(new BtfType.Member("a", 1, 0, 0))));
        return b;
    }

    static final List<FuncInfo> XDP_FUNCS = List.of(new FuncInfo(0, 3, "prog_a"));
    static final List<FuncInfo> TEXT_FUNCS = List.of(new FuncInfo(0, 4, "sub_b"), new FuncInfo(7, 4, "sub_b"));

    static List<LineInfo> lines(BtfBuilder b, String... text) {
        var out = new java.util.ArrayList<LineInfo>();
        for (int i = 0; i < text.length; i++)
            out.add(new LineInfo(i * 2, "./prog.c", text[i], 10 + i, i == 0 ? 0 : 5,
                    b.string("./prog.c"), b.string(text[i])));
        return out;
    }

    /** A parsed pair: the .BTF and the .BTF.ext written with it. */
    record Pair(byte[] btf, byte[] ext) {
        BtfExt parse() {
            return BtfExt.parse(ext, Btf.parse(btf));
        }
    }

    private static Pair fixture(ByteOrder order, Consumer<BtfExtBuilder> records) {
        BtfBuilder b = types(order);
        var e = new BtfExtBuilder(order, b);
        records.accept(e);
        byte[] ext = e.build(); // strings are added to b while building the records
        return new Pair(b.build(), ext);
    }

    @ParameterizedTest
    @EnumSource(Order.class)
    void everyKindOfRecordReadsBackInBothByteOrders(Order o) {
        BtfBuilder b = types(o.order);
        List<LineInfo> xdpLines = lines(b, "int prog_a(struct xdp_md *ctx)", "\treturn XDP_PASS;");
        List<LineInfo> textLines = lines(b, "static int sub_b(int x)", "", "\treturn x + 1;");
        List<CoreRelocation> core = List.of(new CoreRelocation(3, 5, "0:0", CoreRelocation.Kind.FIELD_BYTE_OFFSET),
                new CoreRelocation(9, 5, "0", CoreRelocation.Kind.TYPE_MATCHES));
        var e = new BtfExtBuilder(o.order, b).func("xdp", XDP_FUNCS).func(".text", TEXT_FUNCS)
                .line("xdp", xdpLines).line(".text", textLines).core("xdp", core);
        byte[] ext = e.build();
        BtfExt parsed = BtfExt.parse(ext, Btf.parse(b.build()));

        assertEquals(o.order, parsed.byteOrder());
        assertEquals(XDP_FUNCS, parsed.funcInfo("xdp"));
        assertEquals(TEXT_FUNCS, parsed.funcInfo(".text"));
        assertEquals(xdpLines, parsed.lineInfo("xdp"));
        assertEquals(textLines, parsed.lineInfo(".text"));
        assertEquals(core, parsed.coreRelocations("xdp"));
        assertEquals(List.of(), parsed.coreRelocations(".text"));
        assertEquals(List.of("xdp", ".text"), parsed.funcInfo().stream().map(BtfExt.Block::section).toList());
        // line_col packs the line number above 10 bits of column, as the kernel's BPF_LINE_INFO_LINE_NUM.
        assertEquals(11 << 10 | 5, parsed.lineInfo("xdp").get(1).lineCol());
    }

    @Test
    void aByteBufferParsesFromItsPositionAndIsLeftAlone() {
        Pair p = fixture(LE, e -> e.func("xdp", XDP_FUNCS));
        byte[] padded = new byte[p.ext().length + 5];
        System.arraycopy(p.ext(), 0, padded, 3, p.ext().length);
        ByteBuffer buf = ByteBuffer.wrap(padded, 3, p.ext().length);
        assertEquals(XDP_FUNCS, BtfExt.parse(buf, Btf.parse(p.btf())).funcInfo("xdp"));
        assertEquals(3, buf.position());
    }

    @Test
    void largerRecordsOfANewerCompilerAreReadByTheirKnownPrefix() {
        BtfBuilder b = types(LE);
        List<LineInfo> xdpLines = lines(b, "a", "b");
        List<CoreRelocation> core = List.of(new CoreRelocation(1, 5, "0:0", CoreRelocation.Kind.FIELD_EXISTS));
        byte[] ext = new BtfExtBuilder(LE, b).recordSizes(12, 24, 20)
                .func("xdp", XDP_FUNCS).line("xdp", xdpLines).core("xdp", core).build();
        BtfExt parsed = BtfExt.parse(ext, Btf.parse(b.build()));
        assertEquals(XDP_FUNCS, parsed.funcInfo("xdp"));
        assertEquals(xdpLines, parsed.lineInfo("xdp"));
        assertEquals(core, parsed.coreRelocations("xdp"));
    }

    @Test
    void aHeaderOf24BytesHasNoCoreRelocations() {
        Pair p = fixture(LE, e -> e.func("xdp", XDP_FUNCS).core("xdp",
                List.of(new CoreRelocation(0, 5, "0", CoreRelocation.Kind.TYPE_SIZE))));
        // Drop the core_relo_off/len words; offsets count from the header's end, so the rest stays valid.
        byte[] ext = p.ext();
        byte[] old = new byte[ext.length - 8];
        System.arraycopy(ext, 0, old, 0, 24);
        System.arraycopy(ext, 32, old, 24, ext.length - 32);
        old = patch(old, BtfExtBuilder.HDR_LEN_AT, 24);
        BtfExt parsed = BtfExt.parse(old, Btf.parse(p.btf()));
        assertEquals(XDP_FUNCS, parsed.funcInfo("xdp"));
        assertEquals(List.of(), parsed.coreRelocations());
    }

    @Test
    void everyCoreKindHasItsUapiNumber() {
        // enum bpf_core_relo_kind in include/uapi/linux/bpf.h
        assertEquals(0, CoreRelocation.Kind.FIELD_BYTE_OFFSET.number());
        assertEquals(5, CoreRelocation.Kind.FIELD_RSHIFT_U64.number());
        assertEquals(7, CoreRelocation.Kind.TYPE_ID_TARGET.number());
        assertEquals(11, CoreRelocation.Kind.ENUMVAL_VALUE.number());
        assertEquals(12, CoreRelocation.Kind.TYPE_MATCHES.number());
        assertTrue(CoreRelocation.Kind.of(13).isEmpty());
        assertTrue(CoreRelocation.Kind.of(-1).isEmpty());
    }

    // ---- malformed input -------------------------------------------------------------------

    private static byte[] patch(byte[] blob, int offset, int value) {
        return BtfBuilder.patch(blob, offset, value);
    }

    private static String failure(byte[] btf, byte[] ext) {
        return assertThrows(BtfFormatException.class, () -> BtfExt.parse(ext, Btf.parse(btf))).getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        for (String part : parts)
            assertTrue(message.contains(part), "'" + message + "' should mention '" + part + "'");
    }

    private static Pair valid() {
        return fixture(LE, e -> e.func("xdp", XDP_FUNCS));
    }

    @Test
    void tooShortForTheHeader() {
        assertMentions(failure(valid().btf(), new byte[] {(byte) 0x9f, (byte) 0xeb, 1}), "header", "needs 8 bytes", "only 3");
    }

    @Test
    void badMagic() {
        byte[] ext = valid().ext().clone();
        ext[0] = 0x12;
        assertMentions(failure(valid().btf(), ext), "magic", "0xeb9f");
    }

    @Test
    void unsupportedVersionAndFlags() {
        byte[] ext = valid().ext().clone();
        ext[2] = 2;
        assertMentions(failure(valid().btf(), ext), "version 2");
        ext = valid().ext().clone();
        ext[3] = 1;
        assertMentions(failure(valid().btf(), ext), "flags 0x1");
    }

    @Test
    void headerLengths() {
        Pair p = valid();
        assertMentions(failure(p.btf(), patch(p.ext(), BtfExtBuilder.HDR_LEN_AT, 0x7fff_fff0)), "hdr_len 2147483632", "exceeds");
        assertMentions(failure(p.btf(), patch(p.ext(), BtfExtBuilder.HDR_LEN_AT, -1)), "hdr_len 4294967295", "exceeds");
        assertMentions(failure(p.btf(), patch(p.ext(), BtfExtBuilder.HDR_LEN_AT, 16)), "hdr_len 16", "smaller than 24");
        byte[] onlyHeader = Arrays.copyOf(p.ext(), 32);
        assertMentions(failure(p.btf(), onlyHeader), "hdr_len 32", "no data");
    }

    @Test
    void subsectionOutsideTheSectionOrUnaligned() {
        Pair p = valid();
        assertMentions(failure(p.btf(), patch(p.ext(), BtfExtBuilder.FUNC_LEN_AT, -4)), "func_info", "beyond the end");
        assertMentions(failure(p.btf(), patch(p.ext(), BtfExtBuilder.FUNC_OFF_AT, 2)), "func_info", "offset 0x2", "aligned");
        Pair withLines = fixture(LE, e -> e.line("xdp", List.of(new LineInfo(0, "a.c", "x", 1, 0, 0, 0))));
        assertMentions(failure(withLines.btf(), patch(withLines.ext(), BtfExtBuilder.LINE_OFF_AT, 0x7fff_fff0)), "line_info", "beyond the end");
        assertMentions(failure(p.btf(), patch(patch(p.ext(), BtfExtBuilder.CORE_LEN_AT, 4), BtfExtBuilder.CORE_OFF_AT, 0x1000)),
                "core_relo", "beyond the end");
    }

    @Test
    void recordSizes() {
        Pair p = valid();
        assertMentions(failure(p.btf(), patch(p.ext(), 32, 4)), "func_info", "record size 4");
        assertMentions(failure(p.btf(), patch(p.ext(), 32, 10)), "func_info", "record size 10");
        // A record size so large that num_info 1 cannot fit.
        assertMentions(failure(p.btf(), patch(p.ext(), 32, 0x7fff_fffc)), "func_info block #0", "section 'xdp'", "num_info 1");
    }

    @Test
    void aSubsectionWithARecordSizeButNoBlocks() {
        Pair p = valid();
        assertMentions(failure(p.btf(), patch(p.ext(), BtfExtBuilder.FUNC_LEN_AT, 4)), "func_info", "no records");
    }

    @Test
    void blockCounts() {
        Pair p = valid();
        // func_info subsection: record size at 32, sec_name_off at 36, num_info at 40.
        assertMentions(failure(p.btf(), patch(p.ext(), 40, 0)), "func_info block #0", "'xdp'", "num_info is 0");
        String huge = failure(p.btf(), patch(p.ext(), 40, 0x7fff_ffff));
        assertMentions(huge, "func_info block #0", "num_info 2147483647", "only 8 are left");
        assertMentions(failure(p.btf(), patch(p.ext(), 40, -1)), "num_info 4294967295");
        // A length that leaves 4 bytes of a second block header.
        byte[] longer = Arrays.copyOf(p.ext(), p.ext().length + 4);
        longer = patch(longer, BtfExtBuilder.FUNC_LEN_AT, 20 + 4);
        assertMentions(failure(p.btf(), longer), "func_info block #1", "num_info", "needs 4 bytes");
    }

    @Test
    void sectionNameOffsetOutsideTheStrings() {
        Pair p = valid();
        assertMentions(failure(p.btf(), patch(p.ext(), 36, 0x10000)), "func_info block #0", "sec_name_off 0x10000",
                "outside the .BTF string section");
    }

    @Test
    void funcInfoRecords() {
        assertMentions(rawFailure(e -> e.rawFunc(xdp(e), List.of(new int[] {0, 3}, new int[] {12, 3}))),
                "func_info section 'xdp' record #1", "insn_off 0xc", "multiple");
        assertMentions(rawFailure(e -> e.rawFunc(xdp(e), List.of(new int[] {0, 99}))),
                "func_info section 'xdp' record #0", "type_id 99", "out of range", "0..5");
        assertMentions(rawFailure(e -> e.rawFunc(xdp(e), List.of(new int[] {0, -2}))), "record #0", "type_id 4294967294");
        assertMentions(rawFailure(e -> e.rawFunc(xdp(e), List.of(new int[] {0, 5}))), "record #0", "type_id 5 is a STRUCT, not a FUNC");
    }

    @Test
    void lineInfoRecords() {
        assertMentions(rawFailure(e -> e.rawLine(xdp(e), List.of(new int[] {0, file(e), file(e), 1 << 10},
                new int[] {8, 0x5000, file(e), 0}))), "line_info section 'xdp' record #1", "file_name_off 0x5000");
        assertMentions(rawFailure(e -> e.rawLine(xdp(e), List.of(new int[] {0, file(e), -1, 0}))),
                "line_info section 'xdp' record #0", "line_off 0xffffffff");
        assertMentions(rawFailure(e -> e.rawLine(xdp(e), List.of(new int[] {3, file(e), file(e), 0}))),
                "line_info section 'xdp' record #0", "insn_off 0x3");
    }

    @Test
    void coreRelocationRecords() {
        assertMentions(rawFailure(e -> e.rawCore(xdp(e), List.of(new int[] {0, 5, access(e), 0}, new int[] {8, 5, access(e), 13}))),
                "core_relo section 'xdp' record #1", "kind 13");
        assertMentions(rawFailure(e -> e.rawCore(xdp(e), List.of(new int[] {0, 77, access(e), 0}))),
                "core_relo section 'xdp' record #0", "type_id 77");
        assertMentions(rawFailure(e -> e.rawCore(xdp(e), List.of(new int[] {0, 5, 0x7000, 0}))),
                "core_relo section 'xdp' record #0", "access_str_off 0x7000");
    }

    private BtfBuilder current; // the .BTF of the raw records being built in this test

    private int xdp(BtfExtBuilder e) {
        return current.string("xdp");
    }

    private int file(BtfExtBuilder e) {
        return current.string("f.c");
    }

    private int access(BtfExtBuilder e) {
        return current.string("0:1");
    }

    /** Raw records over the fixture types; strings they name are added to that .BTF first. */
    private String rawFailure(Consumer<BtfExtBuilder> records) {
        current = types(LE);
        Pair p = pair(current, records);
        return failure(p.btf(), p.ext());
    }

    /** The strings the raw records name must be added to {@code b} before the .BTF is built. */
    private static Pair pair(BtfBuilder b, Consumer<BtfExtBuilder> records) {
        var e = new BtfExtBuilder(LE, b);
        records.accept(e);
        byte[] ext = e.build();
        return new Pair(b.build(), ext);
    }
}
