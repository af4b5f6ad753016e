package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Laws of the .BTF.ext reader: whatever records {@link BtfExtBuilder} writes (any byte order,
 * padded record sizes, several sections) read back equal; and a valid section damaged at
 * random (bytes flipped, words overwritten with hostile values, cut short) either parses or
 * throws {@link BtfFormatException}, never anything else, never a huge allocation or a hang.
 */
class BtfExtProperties {

    /** A generated section: records per section name, for the three subsections. */
    record Sample(ByteOrder order, int pad, List<String> sections, List<List<int[]>> funcs, List<List<int[]>> lines,
                  List<List<int[]>> cores) {
    }

    private static final String[] TEXTS = {"", "int main(void)", "\treturn 0;", "x = y + 1; // ünïcode", "}"};

    @Provide
    Arbitrary<Sample> samples() {
        Arbitrary<ByteOrder> order = Arbitraries.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN);
        Arbitrary<Integer> pad = Arbitraries.integers().between(0, 3);
        Arbitrary<List<String>> sections = Arbitraries.of("xdp", ".text", "tc", "?tc", "kprobe/sys_open", "socket")
                .list().ofMinSize(1).ofMaxSize(4).uniqueElements();
        // Raw fields: slot, then picks (func type 3 or 4; text index; line/col; core type/kind).
        Arbitrary<int[]> rec = Arbitraries.integers().between(0, 1 << 20).array(int[].class).ofSize(5);
        Arbitrary<List<List<int[]>>> blocks = rec.list().ofMinSize(1).ofMaxSize(6).list().ofSize(4);
        return Combinators.combine(order, pad, sections, blocks, blocks, blocks).as(Sample::new);
    }

    @Property(tries = 300)
    void whatIsWrittenReadsBack(@ForAll("samples") Sample s) {
        BtfBuilder b = new BtfBuilder(s.order());
        b.add(new BtfType.Int(1, "int", 4, BtfType.Int.SIGNED, 0, 32));
        b.add(new BtfType.FuncProto(2, "", 1, List.of()));
        b.add(new BtfType.Func(3, "f", 2, 1));
        b.add(new BtfType.Func(4, "g", 2, 0));
        var e = new BtfExtBuilder(s.order(), b).recordSizes(8 + 4 * s.pad(), 16 + 4 * s.pad(), 16 + 4 * s.pad());
        List<List<FuncInfo>> funcs = new ArrayList<>();
        List<List<LineInfo>> lines = new ArrayList<>();
        List<List<CoreRelocation>> cores = new ArrayList<>();
        for (int i = 0; i < s.sections().size(); i++) {
            String sec = s.sections().get(i);
            List<FuncInfo> f = new ArrayList<>();
            for (int[] r : s.funcs().get(i))
                f.add(new FuncInfo(r[0], 3 + (r[1] & 1), (r[1] & 1) == 0 ? "f" : "g"));
            List<LineInfo> l = new ArrayList<>();
            for (int[] r : s.lines().get(i)) {
                String file = "/src/p" + (r[1] % 3) + ".c", text = TEXTS[r[2] % TEXTS.length];
                l.add(new LineInfo(r[0], file, text, r[3] & 0x3fffff, r[4] & 0x3ff, b.string(file), b.string(text)));
            }
            List<CoreRelocation> c = new ArrayList<>();
            for (int[] r : s.cores().get(i))
                c.add(new CoreRelocation(r[0], r[1] % 5, r[2] % 2 == 0 ? "0:" + (r[3] % 7) : "0",
                        CoreRelocation.Kind.values()[r[4] % CoreRelocation.Kind.values().length]));
            e.func(sec, f).line(sec, l).core(sec, c);
            funcs.add(f);
            lines.add(l);
            cores.add(c);
        }
        byte[] ext = e.build();
        BtfExt parsed = BtfExt.parse(ext, Btf.parse(b.build()));
        assertEquals(s.order(), parsed.byteOrder());
        for (int i = 0; i < s.sections().size(); i++) {
            String sec = s.sections().get(i);
            assertEquals(funcs.get(i), parsed.funcInfo(sec), sec);
            assertEquals(lines.get(i), parsed.lineInfo(sec), sec);
            assertEquals(cores.get(i), parsed.coreRelocations(sec), sec);
        }
    }

    /** One damage to a valid section; positions are taken modulo its size. */
    record Damage(int kind, int at, int value) {
        byte[] apply(byte[] ext) {
            byte[] b = ext.clone();
            if (b.length == 0)
                return b;
            int pos = Math.floorMod(at, b.length);
            return switch (kind) {
                case 0 -> { // flip bits of one byte
                    b[pos] ^= (byte) (value | 1);
                    yield b;
                }
                case 1 -> { // overwrite an aligned word with a hostile value
                    int w = pos & ~3;
                    yield w + 4 <= b.length ? BtfBuilder.patch(b, w, value) : b;
                }
                default -> java.util.Arrays.copyOf(b, pos); // cut short
            };
        }
    }

    @Provide
    Arbitrary<Damage> damages() {
        Arbitrary<Integer> hostile = Arbitraries.oneOf(Arbitraries.of(0, 1, 3, 4, 7, 8, 12, 16, 0x7fffffff, -1, -8, 0x10000),
                Arbitraries.integers());
        return Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers(), hostile).as(Damage::new);
    }

    @Property(tries = 2000)
    void damagedSectionsParseOrFailTyped(@ForAll("damages") Damage d1, @ForAll("damages") Damage d2,
                                         @ForAll boolean bigEndian, @ForAll @IntRange(min = 0, max = 2) int pad) {
        ByteOrder order = bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        BtfBuilder b = new BtfBuilder(order);
        b.add(new BtfType.Int(1, "int", 4, BtfType.Int.SIGNED, 0, 32));
        b.add(new BtfType.FuncProto(2, "", 1, List.of()));
        b.add(new BtfType.Func(3, "f", 2, 1));
        var e = new BtfExtBuilder(order, b).recordSizes(8 + 4 * pad, 16 + 4 * pad, 16);
        e.func("xdp", List.of(new FuncInfo(0, 3, "f"), new FuncInfo(4, 3, "f")));
        e.line("xdp", List.of(new LineInfo(0, "a.c", "x", 3, 1, b.string("a.c"), b.string("x"))));
        e.core(".text", List.of(new CoreRelocation(2, 1, "0:0", CoreRelocation.Kind.FIELD_BYTE_SIZE)));
        byte[] ext = d2.apply(d1.apply(e.build()));
        Btf btf = Btf.parse(b.build());
        try {
            BtfExt parsed = BtfExt.parse(ext, btf);
            // Whatever parsed is usable: every record's strings and ids resolved.
            parsed.funcInfo().forEach(block -> block.records().forEach(f -> btf.type(f.typeId())));
        } catch (BtfFormatException expected) {
            // the one exception malformed input may produce
        }
    }
}
