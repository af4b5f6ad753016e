package dev.bpf4j.loader;

import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.BtfKind;
import dev.bpf4j.btf.FuncInfo;
import dev.bpf4j.btf.LineInfo;
import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.ElfReader;
import dev.bpf4j.elf.ElfWriter;
import dev.bpf4j.elf.ObjectFormatException;
import dev.bpf4j.elf.Section;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each function's {@code .BTF.ext} records, as {@link SpecReader} hands them out and the
 * {@link Linker} carries them along. The facts come from the C sources in testdata (the line a
 * record quotes is that line of the file) and from BTF (a func_info names the function); the
 * comparison with libbpf itself is in {@link LibbpfEqualityTest}.
 */
class ExtInfoTest {

    static Stream<String> objects() {
        return TestObjects.names().stream();
    }

    private static ObjectSpec spec(String name, Target target) {
        return SpecReader.read(name + ".o", TestObjects.object(name, target));
    }

    private static List<ProgramSpec> functions(ObjectSpec spec) {
        List<ProgramSpec> all = new ArrayList<>(spec.programs());
        all.addAll(spec.subprograms());
        return all;
    }

    /** The source of a testdata object's file, or null for a header or a file we do not keep. */
    private static List<String> source(String fileName) {
        String base = fileName.substring(fileName.lastIndexOf('/') + 1);
        if (!base.endsWith(".c"))
            return null;
        try {
            return new String(TestObjects.resource("src/" + base), StandardCharsets.UTF_8).lines().toList();
        } catch (RuntimeException e) {
            return null;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("objects")
    void everyLineRecordQuotesTheLineOfTheSourceItNames(String name) {
        int checked = 0;
        for (Target target : Target.values()) {
            for (ProgramSpec p : functions(spec(name, target))) {
                for (LineInfo l : p.lineInfo()) {
                    if (l.lineNumber() == 0) {
                        assertEquals("", l.line(), p.name() + ": a record without a line number quotes nothing");
                        continue;
                    }
                    List<String> src = source(l.fileName());
                    if (src == null)
                        continue;
                    assertTrue(l.lineNumber() <= src.size(), l.toString());
                    assertEquals(src.get(l.lineNumber() - 1), l.line(), name + " " + target + " " + p.name() + " slot " + l.slot());
                    // Columns are 1-based positions within that line (0: unknown).
                    assertTrue(l.column() <= l.line().length() + 1, l.toString());
                    checked++;
                }
            }
        }
        assertTrue(checked > 0, name + ": no line record was checked against the source");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("objects")
    void eachFunctionHasOneFuncInfoAtItsFirstSlotAndLinesInsideIt(String name) {
        ObjectSpec spec = spec(name, Target.BPFEL);
        Btf btf = spec.btf();
        for (ProgramSpec p : functions(spec)) {
            assertEquals(1, p.funcInfo().size(), p.name());
            FuncInfo f = p.funcInfo().get(0);
            assertEquals(0, f.slot(), p.name());
            assertEquals(p.name(), f.name());
            assertEquals(BtfKind.FUNC, btf.kind(f.typeId()));
            assertEquals(p.name(), btf.name(f.typeId()));
            assertFalse(p.lineInfo().isEmpty(), p.name());
            assertEquals(0, p.lineInfo().get(0).slot(), p.name() + ": the kernel wants a line at the first instruction");
            int previous = -1;
            for (LineInfo l : p.lineInfo()) {
                assertTrue(l.slot() > previous && l.slot() < p.slotCount(), p.name() + ": " + l);
                previous = l.slot();
            }
        }
    }

    /** The BTF is the same in both byte orders (the code is not: bpf_ntohs is a no-op on bpfeb). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("objects")
    void bothByteOrdersGiveTheSameFuncInfo(String name) {
        List<ProgramSpec> le = functions(spec(name, Target.BPFEL)), be = functions(spec(name, Target.BPFEB));
        assertEquals(le.size(), be.size());
        for (int i = 0; i < le.size(); i++)
            assertEquals(le.get(i).funcInfo(), be.get(i).funcInfo(), le.get(i).name());
    }

    @Test
    void subSocketStartsAtItsSignatureAndCallsReachTheirLines() {
        ObjectSpec spec = spec("subprogs", Target.BPFEL);
        List<String> src = source("subprogs.c");
        ProgramSpec main = spec.program("sub_socket").orElseThrow();
        LineInfo first = main.lineInfo().get(0);
        assertEquals("int sub_socket(struct __sk_buff *skb)", first.line());
        assertEquals(src.indexOf("int sub_socket(struct __sk_buff *skb)") + 1, first.lineNumber());
        assertTrue(first.fileName().endsWith("subprogs.c"), first.fileName());
        ProgramSpec mix = spec.subprograms().stream().filter(p -> p.name().equals("mix")).findFirst().orElseThrow();
        assertEquals(src.indexOf("static __noinline __u64 mix(__u64 a, __u64 b)") + 1, mix.lineInfo().get(0).lineNumber());
    }

    /**
     * Linked, each program's func_info is the entry's followed by each appended subprogram's,
     * at the slot where its copy starts; its line_info is each function's lines, shifted the
     * same way, in the same order.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("objects")
    void linkingCarriesRecordsWithTheAppendedCode(String name) {
        ObjectSpec spec = spec(name, Target.BPFEL);
        LoadPlan plan = Linker.link(spec);
        for (LinkedProgram lp : plan.programs()) {
            List<ProgramSpec> placed = new ArrayList<>();
            placed.add(lp.spec());
            for (String sub : lp.subprograms())
                placed.add(spec.subprograms().stream().filter(s -> s.name().equals(sub)).findFirst().orElseThrow());
            List<FuncInfo> funcs = new ArrayList<>();
            List<LineInfo> lines = new ArrayList<>();
            int start = 0;
            for (ProgramSpec f : placed) {
                int at = start;
                f.funcInfo().forEach(x -> funcs.add(x.atSlot(x.slot() + at)));
                f.lineInfo().forEach(x -> lines.add(x.atSlot(x.slot() + at)));
                start += f.slotCount();
            }
            assertEquals(start, lp.slotCount(), lp.name());
            assertEquals(funcs, lp.funcInfo(), lp.name());
            assertEquals(lines, lp.lineInfo(), lp.name());
            assertEquals(placed.stream().map(ProgramSpec::name).toList(), lp.funcInfo().stream().map(FuncInfo::name).toList());
        }
    }

    @Test
    void aSubprogramWithoutFuncInfoFailsTheLinkWhenTheEntryHasSome() {
        ObjectSpec spec = spec("subprogs", Target.BPFEL);
        List<ProgramSpec> subs = spec.subprograms().stream()
                .map(s -> s.name().equals("mix") ? s.withExtInfo(List.of(), s.lineInfo(), s.coreRelocations()) : s).toList();
        ObjectSpec broken = withFunctions(spec, spec.programs(), subs);
        ObjectFormatException e = assertThrows(ObjectFormatException.class, () -> Linker.link(broken));
        assertTrue(e.getMessage().contains("missing .BTF.ext function info for subprogram 'mix'"), e.getMessage());

        List<ProgramSpec> noLines = spec.subprograms().stream()
                .map(s -> s.name().equals("clamp_len") ? s.withExtInfo(s.funcInfo(), List.of(), s.coreRelocations()) : s).toList();
        ObjectSpec broken2 = withFunctions(spec, spec.programs(), noLines);
        e = assertThrows(ObjectFormatException.class, () -> Linker.link(broken2));
        assertTrue(e.getMessage().contains("missing .BTF.ext line info for subprogram 'clamp_len'"), e.getMessage());
    }

    @Test
    void anEntryWithoutFuncInfoDropsFuncInfoForTheWholeProgramAsLibbpfDoes() {
        ObjectSpec spec = spec("subprogs", Target.BPFEL);
        List<ProgramSpec> mains = spec.programs().stream()
                .map(p -> p.name().equals("sub_socket") ? p.withExtInfo(List.of(), p.lineInfo(), p.coreRelocations()) : p).toList();
        LinkedProgram p = Linker.link(withFunctions(spec, mains, spec.subprograms())).program("sub_socket").orElseThrow();
        assertEquals(List.of(), p.funcInfo());
        assertFalse(p.lineInfo().isEmpty());
    }

    private static ObjectSpec withFunctions(ObjectSpec s, List<ProgramSpec> programs, List<ProgramSpec> subprograms) {
        return new ObjectSpec(s.name(), s.byteOrder(), s.license(), s.kernelVersion(), programs, subprograms, s.maps(),
                s.variables(), s.externs(), s.btf(), s.elf());
    }

    // ---- malformed .BTF.ext inside an object ---------------------------------------------

    private static byte[] withBtfExt(byte[] object, java.util.function.UnaryOperator<byte[]> change) {
        ElfFile elf = ElfReader.read("subprogs.o", object);
        Section ext = elf.section(".BTF.ext").orElseThrow();
        return ElfWriter.copyOf(elf).replaceContents(ext.index(), change.apply(elf.bytes(ext))).write();
    }

    @Test
    void aMalformedBtfExtIsOneTypedErrorNamingTheSection() {
        byte[] bad = withBtfExt(TestObjects.object("subprogs", Target.BPFEL), b -> {
            byte[] c = b.clone();
            ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN).putInt(4, 0x7fff_0000); // hdr_len
            return c;
        });
        ObjectFormatException e = assertThrows(ObjectFormatException.class, () -> SpecReader.read("subprogs.o", bad));
        assertTrue(e.getMessage().startsWith("subprogs.o: section '.BTF.ext': .BTF.ext header: hdr_len"), e.getMessage());
    }

    @Test
    void recordsOutOfOrderInsideAFunctionsRunAreRefused() {
        // Swap the last line_info record of the first .text function with the first of the
        // second: the second function's run of records then holds one from before its start.
        ProgramSpec second = spec("subprogs", Target.BPFEL).subprograms().get(1);
        int boundary = (int) (second.sectionOffset() / 8);
        byte[] bad = withBtfExt(TestObjects.object("subprogs", Target.BPFEL), b -> swapLineRecords(b, ".text", boundary));
        ObjectFormatException e = assertThrows(ObjectFormatException.class, () -> SpecReader.read("subprogs.o", bad));
        assertTrue(e.getMessage().contains("not sorted by insn_off"), e.getMessage());
        assertTrue(e.getMessage().contains("line_info record #"), e.getMessage());
    }

    /**
     * Finds the line_info block of {@code section} by walking the documented layout and swaps
     * the first record at or after slot {@code boundary} with the one before it.
     */
    private static byte[] swapLineRecords(byte[] ext, String section, int boundary) {
        Btf btf = spec("subprogs", Target.BPFEL).btf();
        byte[] c = ext.clone();
        ByteBuffer b = ByteBuffer.wrap(c).order(ByteOrder.LITTLE_ENDIAN);
        int hdrLen = b.getInt(4), lineOff = b.getInt(16), lineLen = b.getInt(20);
        int pos = hdrLen + lineOff, end = pos + lineLen;
        int recSize = b.getInt(pos);
        pos += 4;
        while (pos < end) {
            String name = btf.string(b.getInt(pos));
            int n = b.getInt(pos + 4);
            pos += 8;
            if (name.equals(section)) {
                int k = 0;
                while (k < n && b.getInt(pos + k * recSize) / 8 < boundary)
                    k++;
                assertTrue(k > 0 && k < n, "boundary " + boundary + " not inside the block");
                byte[] r1 = new byte[recSize], r2 = new byte[recSize];
                b.get(pos + (k - 1) * recSize, r1);
                b.get(pos + k * recSize, r2);
                b.put(pos + (k - 1) * recSize, r2);
                b.put(pos + k * recSize, r1);
                return c;
            }
            pos += n * recSize;
        }
        throw new AssertionError("no line_info block for " + section);
    }
}
