package dev.bpf4j.elf;

import dev.bpf4j.loader.SpecReader;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Builders;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The writer's laws: an unchanged copy of a clang object is the same bytes and the same spec;
 * a copy differs exactly in the contents replaced; an object built from sections, symbols and
 * relocations reads back as exactly those, laid out as ELF wants (alignment, no overlap), and a
 * copy of it is byte-identical again.
 */
class ElfWriterProperties {

    @Provide
    Arbitrary<TestObjectFiles.Entry> testObjects() {
        return Arbitraries.of(TestObjectFiles.all());
    }

    /** Few enough cases for jqwik to try each one (exhaustive generation). */
    @Property(tries = 100)
    void unchangedCopyIsTheSameBytesAndTheSameSpec(@ForAll("testObjects") TestObjectFiles.Entry o) {
        byte[] in = o.bytes();
        byte[] out = ElfWriter.copyOf(ElfReader.read(o.fileName(), in)).write();
        assertArrayEquals(in, out, o.toString());
        assertEquals(SpecReader.read(o.fileName(), in), SpecReader.read(o.fileName(), out), o.toString());
    }

    @Property(tries = 300)
    void copyDiffersExactlyInTheReplacedContents(@ForAll("testObjects") TestObjectFiles.Entry o, @ForAll @IntRange(min = 0, max = 1000) int pick,
                                                  @ForAll long seed) {
        ElfFile elf = ElfReader.read(o.fileName(), o.bytes());
        // Sections the ELF reader does not interpret: random string or symbol tables would not parse.
        List<Section> withBytes = elf.sections().stream().filter(s -> s.index() > 0 && !s.isNoBits() && s.type() != Section.SHT_NULL
                && s.type() != Section.SHT_STRTAB && !s.isSymbolTable() && !s.isRel()).toList();
        Section target = withBytes.get(pick % withBytes.size());
        byte[] replacement = new byte[(int) target.size()];
        new Random(seed).nextBytes(replacement);

        byte[] out = ElfWriter.copyOf(elf).replaceContents(target.index(), replacement).write();

        assertEquals(o.bytes().length, out.length);
        ElfFile back = ElfReader.read("out.o", out);
        assertEquals(elf.sections(), back.sections(), "section headers (same sizes, so same offsets)");
        for (Section s : elf.sections())
            assertArrayEquals(s.index() == target.index() ? replacement : elf.bytes(s), back.bytes(back.section(s.index())), s.name());
    }

    // ---- objects built from scratch --------------------------------------------------------

    record SectionModel(String name, int type, long flags, byte[] contents, long noBitsSize, int link, int info, long align,
                        long entrySize) {
        boolean noBits() {
            return type == Section.SHT_NOBITS;
        }
    }

    record SymbolModel(String name, long value, long size, int binding, int type, int other, int sectionPick) {
    }

    record RelocationModel(long offset, int symbolPick, int type) {
    }

    record RelSectionModel(int targetPick, List<RelocationModel> relocations) {
    }

    record ObjectModel(ByteOrder order, List<SectionModel> sections, List<SymbolModel> locals, List<SymbolModel> globals,
                       List<RelSectionModel> rels) {
        int symbolCount() {
            return 1 + locals.size() + globals.size();
        }

        /** Section indexes a symbol or relocation can name: user sections, or SHN_UNDEF/ABS/COMMON. */
        int section(int pick) {
            int n = sections.size() + 1;
            return switch (pick % 8) {
                case 0 -> Symbol.SHN_UNDEF;
                case 1 -> Symbol.SHN_ABS;
                case 2 -> Symbol.SHN_COMMON;
                default -> pick % n;
            };
        }
    }

    private static final int[] TYPES = {Section.SHT_PROGBITS, Section.SHT_NOBITS, Section.SHT_STRTAB, 7 /* NOTE */,
            Section.SHT_LLVM_ADDRSIG, 0x70000001};

    @Provide
    Arbitrary<ObjectModel> objects() {
        Arbitrary<String> names = Arbitraries.strings().withCharRange('\u0001', '\u00ff').ofMaxLength(12);
        Arbitrary<SectionModel> section = Builders.withBuilder(() -> new Object[9])
                .use(names).in((a, v) -> set(a, 0, v))
                .use(Arbitraries.of(Arrays.stream(TYPES).boxed().toList())).in((a, v) -> set(a, 1, v))
                .use(Arbitraries.longs()).in((a, v) -> set(a, 2, v))
                .use(Arbitraries.bytes().array(byte[].class).ofMaxSize(64)).in((a, v) -> set(a, 3, v))
                .use(Arbitraries.longs().between(0, 1 << 20)).in((a, v) -> set(a, 4, v))
                .use(Arbitraries.integers()).in((a, v) -> set(a, 5, v))
                .use(Arbitraries.integers()).in((a, v) -> set(a, 6, v))
                .use(Arbitraries.of(0L, 1L, 2L, 4L, 8L, 16L, 4096L)).in((a, v) -> set(a, 7, v))
                .use(Arbitraries.longs()).in((a, v) -> set(a, 8, v))
                .build(a -> new SectionModel((String) a[0], (Integer) a[1], (Long) a[2], (byte[]) a[3], (Long) a[4],
                        (Integer) a[5], (Integer) a[6], (Long) a[7], (Long) a[8]));
        Arbitrary<Integer> stt = Arbitraries.of(Symbol.STT_NOTYPE, Symbol.STT_OBJECT, Symbol.STT_FUNC, Symbol.STT_SECTION, Symbol.STT_FILE);
        Arbitrary<SymbolModel> local = Combinators.combine(names, Arbitraries.longs(), Arbitraries.longs(), stt,
                        Arbitraries.integers().between(0, 255), Arbitraries.integers().between(0, 1000))
                .as((n, v, s, t, o, p) -> new SymbolModel(n, v, s, Symbol.STB_LOCAL, t, o, p));
        Arbitrary<SymbolModel> global = Combinators.combine(names, Arbitraries.longs(), Arbitraries.longs(),
                        Arbitraries.of(Symbol.STB_GLOBAL, Symbol.STB_WEAK), stt, Arbitraries.integers().between(0, 255),
                        Arbitraries.integers().between(0, 1000))
                .as((n, v, s, b, t, o, p) -> new SymbolModel(n, v, s, b, t, o, p));
        Arbitrary<RelocationModel> relocation = Combinators.combine(Arbitraries.longs(), Arbitraries.integers().between(0, 1000),
                Arbitraries.integers()).as(RelocationModel::new);
        Arbitrary<RelSectionModel> rel = Combinators.combine(Arbitraries.integers().between(0, 1000),
                relocation.list().ofMaxSize(6)).as(RelSectionModel::new);
        return Combinators.combine(Arbitraries.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN), section.list().ofMinSize(1).ofMaxSize(8),
                local.list().ofMaxSize(5), global.list().ofMaxSize(5), rel.list().ofMaxSize(3)).as(ObjectModel::new);
    }

    private static Object[] set(Object[] a, int i, Object v) {
        a[i] = v;
        return a;
    }

    static byte[] build(ObjectModel m) {
        ElfWriter w = ElfWriter.create(m.order());
        for (SectionModel s : m.sections()) {
            ElfWriter.SectionBuilder b = w.addSection(s.name(), s.type()).flags(s.flags()).link(s.link()).info(s.info())
                    .align(s.align()).entrySize(s.entrySize());
            if (s.noBits())
                b.size(s.noBitsSize());
            else
                b.contents(s.contents());
        }
        for (SymbolModel s : concat(m.locals(), m.globals()))
            w.addSymbol(s.name(), s.value(), s.size(), s.binding() << 4 | s.type(), s.other(), m.section(s.sectionPick()));
        for (RelSectionModel r : m.rels())
            w.addRelocations(1 + r.targetPick() % m.sections().size(), r.relocations().stream()
                    .map(x -> new Relocation(x.offset(), x.symbolPick() % m.symbolCount(), x.type())).toList());
        return w.write();
    }

    @Property(tries = 1000)
    void builtObjectReadsBackAsBuilt(@ForAll("objects") ObjectModel m) {
        byte[] bytes = build(m);
        ElfFile elf = ElfReader.read("built.o", bytes);

        assertEquals(m.order(), elf.byteOrder());
        int n = m.sections().size();
        boolean hasSymtab = !m.locals().isEmpty() || !m.globals().isEmpty() || !m.rels().isEmpty();
        int symtabIndex = n + m.rels().size() + 1;
        assertEquals(1 + n + m.rels().size() + (hasSymtab ? 2 : 0) + 1, elf.sections().size(), "section count");
        for (int i = 0; i < n; i++) {
            SectionModel s = m.sections().get(i);
            Section got = elf.section(i + 1);
            assertEquals(List.of(s.name(), s.type(), s.flags(), s.noBits() ? s.noBitsSize() : (long) s.contents().length,
                            s.link(), s.info(), s.align(), s.entrySize()),
                    List.of(got.name(), got.type(), got.flags(), got.size(), got.link(), got.info(), got.addressAlignment(),
                            got.entrySize()), "section " + (i + 1));
            if (!s.noBits())
                assertArrayEquals(s.contents(), elf.bytes(got));
        }
        List<SymbolModel> symbols = concat(m.locals(), m.globals());
        if (hasSymtab) {
            Section symtab = elf.section(symtabIndex);
            assertTrue(symtab.isSymbolTable());
            assertEquals(".strtab", elf.section(symtab.link()).name());
            assertEquals(1 + m.locals().size(), symtab.info(), "sh_info = index of the first non-local symbol");
            assertEquals(1 + symbols.size(), elf.symbols().size());
            for (int i = 0; i < symbols.size(); i++) {
                SymbolModel s = symbols.get(i);
                assertEquals(new Symbol(i + 1, s.name(), s.value(), s.size(), s.binding() << 4 | s.type(), s.other(),
                        m.section(s.sectionPick())), elf.symbols().get(i + 1));
            }
        }
        for (int j = 0; j < m.rels().size(); j++) {
            RelSectionModel r = m.rels().get(j);
            Section rel = elf.section(n + 1 + j);
            int target = 1 + r.targetPick() % n;
            assertEquals(List.of(Section.SHT_REL, ".rel" + m.sections().get(target - 1).name(), symtabIndex, target),
                    List.of(rel.type(), rel.name(), rel.link(), rel.info()));
            assertEquals(r.relocations().stream().map(x -> new Relocation(x.offset(), x.symbolPick() % m.symbolCount(), x.type())).toList(),
                    elf.relocations(rel));
        }
        assertEquals(".shstrtab", elf.section(elf.sections().size() - 1).name());
        checkLayout(elf, bytes);
        assertArrayEquals(bytes, ElfWriter.copyOf(elf).write(), "a copy of a built object is the same bytes");
    }

    /** Every section at a multiple of its alignment, inside the file, not overlapping another or the headers. */
    static void checkLayout(ElfFile elf, byte[] bytes) {
        long shoff = java.nio.ByteBuffer.wrap(bytes).order(elf.byteOrder()).getLong(40);
        assertEquals(0, shoff % 8, "section header table 8-aligned");
        List<long[]> ranges = new ArrayList<>();
        ranges.add(new long[]{0, 64});
        ranges.add(new long[]{shoff, shoff + 64L * elf.sections().size()});
        for (Section s : elf.sections()) {
            if (s.index() == 0)
                continue;
            if (s.addressAlignment() > 1)
                assertEquals(0, s.offset() % s.addressAlignment(), s.name() + " aligned");
            if (!s.isNoBits() && s.size() > 0)
                ranges.add(new long[]{s.offset(), s.offset() + s.size()});
        }
        ranges.sort(Comparator.comparingLong(r -> r[0]));
        for (int i = 1; i < ranges.size(); i++)
            assertTrue(ranges.get(i)[0] >= ranges.get(i - 1)[1], "overlap at 0x" + Long.toHexString(ranges.get(i)[0]));
        assertTrue(ranges.get(ranges.size() - 1)[1] <= bytes.length);
    }

    private static <T> List<T> concat(List<T> a, List<T> b) {
        List<T> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
