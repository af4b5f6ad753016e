package dev.bpf4j.loader;

import dev.bpf4j.asm.Disassembler;
import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Instructions;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.asm.Reference;
import dev.bpf4j.testdata.LibbpfTool;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Our {@link Linker} hands the kernel the same instructions as the system's libbpf (Debian's
 * 1.1), byte for byte, map file descriptors aside: for every bpfel testdata object libbpf can
 * open and for the Linux kernel BPF selftests in {@code testdata/src/selftests} (code we did not
 * write). libbpf's side comes from {@code testdata/tools/libbpf_relocate.c}, which really loads
 * each object ({@code bpf_object__load}, pinning off) and prints every autoloaded program's
 * final instructions, an ld_imm64's map fd replaced by the map's name, plus the initial value of
 * each internal map ({@code .data*}, {@code .rodata*}, {@code .bss*}, {@code .kconfig} as
 * resolved from the running kernel). Root and a working bpf(2) are needed; otherwise, and
 * without gcc or libbpf-dev, the tests skip and say why.
 *
 * <p>A failed load is no obstacle: libbpf 1.1 relocates every autoloaded program before loading
 * any, and keeps the relocated arrays when a load fails, so the tool prints them all; it names
 * maps from the fds it recorded while the maps were alive (see the tool's header).
 * {@link #aFailedLoadStillShowsEveryProgramsRelocation()} checks that premise on this libbpf.
 *
 * <p>Each program's func_info and line_info ({@code .BTF.ext}, carried along with appended
 * subprograms) are compared too, for every program libbpf handed to BPF_PROG_LOAD: the tool
 * captures what libbpf passes by interposing {@code syscall(2)} (libbpf 1.1 has no API for it).
 *
 * <p>Sections libbpf 1.1 cannot type ({@code tcx/}, {@code tc/ingress}, {@code netfilter},
 * {@code sk_skb/verdict}, {@code map_trace/}, an unknown name) need no exemption: libbpf gives
 * them program type UNSPEC but still autoloads and relocates them exactly like the others; only
 * loading refuses them ("missing BPF prog type"), after relocation. So they are compared like
 * every other program, whatever type our section table gives them.
 *
 * <p>Every difference goes into one assertion message: per program the slot index, both
 * sides disassembled and their raw fields, up to {@value #MAX_SLOTS_SHOWN} slots a program
 * (then the count of the rest), and per internal map both initial values.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // the tool is built once, into this instance's fields
class LibbpfEqualityTest {
    private static final int MAX_SLOTS_SHOWN = 40;

    private Path work;
    private Path relocate;

    @BeforeAll
    void buildToolAndProbeKernel(@TempDir Path dir) throws IOException, InterruptedException {
        work = dir; // lives until the class's last test has run
        assumeTrue(isRoot(), "not root: libbpf_relocate loads programs into the kernel, which needs CAP_BPF/CAP_SYS_ADMIN");
        String source = new String(TestObjects.resource("tools/libbpf_relocate.c"), StandardCharsets.UTF_8);
        relocate = LibbpfTool.build(work, "libbpf_relocate", source);
        // A probe with an object that loads wherever BPF works: if bpf(2) is missing or
        // forbidden (seccomp, lockdown, a container), libbpf fails before relocating anything.
        Path probe = write("probe", "globals.o", TestObjects.object("globals", Target.BPFEL));
        LibbpfTool.Result r = LibbpfTool.run(relocate, "", probe.toString());
        assumeTrue(r.exitCode() == 0 && r.stdout().startsWith("load\t0\n"),
                "bpf(2) is not usable here: libbpf could not load testdata globals.o:\n" + r.stderr());
    }

    static List<String> testdataObjects() {
        return TestObjects.names();
    }

    static List<String> selftests() {
        return TestObjects.selftestNames();
    }

    @ParameterizedTest(name = "testdata {0}")
    @MethodSource("testdataObjects")
    void testdataObjectLinksAsLibbpfLoadsIt(String name) throws IOException, InterruptedException {
        compare(write("testdata", name + ".o", TestObjects.object(name, Target.BPFEL)));
    }

    @ParameterizedTest(name = "selftest {0}")
    @MethodSource("selftests")
    void kernelSelftestLinksAsLibbpfLoadsIt(String name) throws IOException, InterruptedException {
        compare(write("selftests", name + ".o", TestObjects.selftest(name)));
    }

    /**
     * The func/line info comparison is live: for subprogs.o (an entry calling four subprograms,
     * two of them static), libbpf hands the kernel one func_info per function, entry first,
     * at the slots where the copies landed, and ours are the same; so is every line_info.
     */
    @Test
    void appendedSubprogramsCarryTheirFuncAndLineInfoAsLibbpf() throws IOException, InterruptedException {
        Path file = write("ext", "subprogs.o", TestObjects.object("subprogs", Target.BPFEL));
        LibbpfRun theirs = LibbpfRun.parse(LibbpfTool.run(relocate, "", file.toString()).stdout());
        LibbpfProgram p = theirs.programs().stream().filter(x -> x.name().equals("sub_socket")).findFirst().orElseThrow();
        assertTrue(p.reachedKernel(), "libbpf did not load sub_socket");
        assertEquals(5, p.funcInfo().size(), p.funcInfo().toString());
        LinkedProgram ours = Linker.link(SpecReader.read(file)).program("sub_socket").orElseThrow();
        StringBuilder report = new StringBuilder();
        compareExtInfo(p, ours, report);
        assertTrue(report.isEmpty(), report.toString());
        assertEquals(p.lineInfo().size(), ours.lineInfo().size());
    }

    /**
     * The tool's premise, on the installed libbpf: after a load that failed part-way, each
     * program's printed instructions (map names included) equal those it gets when it is the
     * only program loaded ({@code --each}: a fresh object per program, autoload off for the
     * rest). At least one object must have failed to load, or nothing was checked.
     */
    @Test
    void aFailedLoadStillShowsEveryProgramsRelocation() throws IOException, InterruptedException {
        List<String> checked = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (String name : TestObjects.names())
            files.add(write("testdata", name + ".o", TestObjects.object(name, Target.BPFEL)));
        for (String name : TestObjects.selftestNames())
            files.add(write("selftests", name + ".o", TestObjects.selftest(name)));
        StringBuilder problems = new StringBuilder();
        for (Path file : files) {
            LibbpfTool.Result whole = LibbpfTool.run(relocate, "", file.toString());
            if (whole.exitCode() != 0)
                continue; // libbpf cannot open it (legacy maps): nothing was loaded
            LibbpfRun run = LibbpfRun.parse(whole.stdout());
            if (run.load() == 0)
                continue;
            LibbpfTool.Result each = LibbpfTool.run(relocate, "", "--each", file.toString());
            assertEquals(0, each.exitCode(), each.stderr());
            LibbpfRun alone = LibbpfRun.parse(each.stdout());
            checked.add(file.getFileName() + " (load " + run.load() + ")");
            Map<String, List<Slot>> a = new LinkedHashMap<>(), b = new LinkedHashMap<>();
            run.programs().forEach(p -> a.put(p.name(), p.slots()));
            alone.programs().forEach(p -> b.put(p.name(), p.slots()));
            if (!a.equals(b) || !run.maps().equals(alone.maps()))
                problems.append(file.getFileName()).append(": whole-object load and one-program loads differ\n");
        }
        assertTrue(problems.isEmpty(), problems.toString());
        assertTrue(!checked.isEmpty(), "no object failed to load, so the premise was not exercised");
    }

    private void compare(Path file) throws IOException, InterruptedException {
        byte[] bytes = Files.readAllBytes(file);
        String fileName = file.getFileName().toString();
        ObjectSpec spec = SpecReader.read(fileName, bytes);
        LibbpfTool.Result r = LibbpfTool.run(relocate, "", file.toString());
        if (spec.maps().stream().anyMatch(m -> m.kind() == MapKind.LEGACY)) {
            // libbpf 1.x dropped SEC("maps"); we keep reading it, as libbpf 0.x and iproute2 do.
            assertEquals(1, r.exitCode(), "libbpf 1.x should refuse legacy maps:\n" + r.stdout());
            assertTrue(r.stderr().contains("legacy map definitions"), r.stderr());
            return; // the refusal is what there is to check: libbpf has no relocation of it to compare with

        }
        assertEquals(0, r.exitCode(), "libbpf could not open " + fileName + ":\n" + r.stderr());
        LibbpfRun theirs = LibbpfRun.parse(r.stdout());
        List<String> unrelocated = theirs.programs().stream().filter(p -> p.status().equals("unrelocated"))
                .map(LibbpfProgram::name).toList();
        // Not our linker's fault: libbpf stopped before relocating (e.g. the kernel refused a map).
        assumeTrue(unrelocated.isEmpty(), "libbpf's load of " + fileName + " failed (" + theirs.load()
                + ") before relocation, so there is nothing to compare:\n" + r.stderr());

        LoadPlan plan;
        try {
            plan = Linker.link(spec);
        } catch (RuntimeException e) {
            throw new AssertionError(fileName + ": libbpf relocated it (load " + theirs.load() + "), our Linker threw "
                    + e, e);
        }

        StringBuilder report = new StringBuilder();
        List<String> theirNames = theirs.programs().stream().map(LibbpfProgram::name).toList();
        List<String> ourNames = plan.programs().stream().map(LinkedProgram::name).toList();
        if (!theirNames.equals(ourNames))
            report.append("programs: libbpf ").append(theirNames).append(", ours ").append(ourNames).append('\n');
        Map<String, LibbpfProgram> alone = aloneWhereNeeded(theirs, file);
        for (LibbpfProgram p : theirs.programs()) {
            LinkedProgram ours = plan.program(p.name()).orElse(null);
            if (ours != null) {
                compareProgram(p, ours, report);
                compareExtInfo(p.reachedKernel() ? p : alone.getOrDefault(p.name(), p), ours, report);
            }
            else
                report.append("prog ").append(p.name()).append(" (libbpf: ").append(p.status()).append("): ")
                        .append(p.slots().size()).append(" slots at libbpf, not in our plan\n");
        }
        for (LinkedProgram p : plan.programs())
            if (!theirNames.contains(p.name()))
                report.append("prog ").append(p.name()).append(": ").append(p.slotCount())
                        .append(" slots in our plan, libbpf has no such autoloaded program\n");
        for (Map.Entry<String, String> m : theirs.maps().entrySet()) {
            MapSpec ours = plan.map(m.getKey()).orElse(null);
            if (ours == null) {
                report.append("map ").append(m.getKey()).append(": libbpf has this internal map, our plan does not\n");
                continue;
            }
            byte[] data = ours.initialData() == null ? new byte[ours.valueSize()] : ours.initialData();
            String hex = HexFormat.of().formatHex(data);
            if (!hex.equals(m.getValue()))
                report.append("map ").append(m.getKey()).append(" initial value:\n  libbpf ").append(m.getValue())
                        .append("\n  ours   ").append(hex).append('\n');
        }
        for (MapSpec m : plan.maps())
            if (m.kind() != MapKind.BTF && m.kind() != MapKind.LEGACY && !theirs.maps().containsKey(m.name()))
                report.append("map ").append(m.name()).append(": an internal map of our plan, which libbpf does not have\n");
        if (!report.isEmpty())
            fail(fileName + " (libbpf load " + theirs.load() + "): our Linker differs from libbpf\n" + report);
    }

    /**
     * After a load that stopped at a failing program, the programs after it never reached
     * BPF_PROG_LOAD, so the tool saw no func/line info for them: load each alone
     * ({@code --each}, as the premise test does) to get theirs. Empty when every program was seen.
     */
    private Map<String, LibbpfProgram> aloneWhereNeeded(LibbpfRun theirs, Path file) throws IOException, InterruptedException {
        Map<String, LibbpfProgram> alone = new LinkedHashMap<>();
        if (theirs.programs().stream().allMatch(LibbpfProgram::reachedKernel))
            return alone;
        LibbpfTool.Result each = LibbpfTool.run(relocate, "", "--each", file.toString());
        if (each.exitCode() == 0)
            LibbpfRun.parse(each.stdout()).programs().forEach(p -> alone.put(p.name(), p));
        return alone;
    }

    /**
     * The func_info and line_info libbpf passed to BPF_PROG_LOAD (the tool captures them)
     * equal our linked program's, record for record, names and source text resolved. Only for
     * programs libbpf handed to the kernel: for the others the tool saw nothing.
     */
    private static void compareExtInfo(LibbpfProgram theirs, LinkedProgram ours, StringBuilder report) {
        if (!theirs.reachedKernel())
            return;
        List<String> funcs = ours.funcInfo().stream()
                .map(f -> f.slot() + "\t" + f.typeId() + "\t" + f.name()).toList();
        List<String> lines = ours.lineInfo().stream()
                .map(l -> l.slot() + "\t" + escape(l.fileName()) + "\t" + escape(l.line()) + "\t" + l.lineNumber() + "\t" + l.column())
                .toList();
        diffRecords("func_info", theirs, theirs.funcInfo(), funcs, report);
        diffRecords("line_info", theirs, theirs.lineInfo(), lines, report);
    }

    private static void diffRecords(String kind, LibbpfProgram theirs, List<String> their, List<String> mine, StringBuilder report) {
        if (their.equals(mine))
            return;
        report.append("prog ").append(theirs.name()).append(' ').append(kind).append(": libbpf ").append(their.size())
                .append(" records, ours ").append(mine.size()).append('\n');
        int shown = 0;
        for (int i = 0; i < Math.max(their.size(), mine.size()) && shown < MAX_SLOTS_SHOWN; i++) {
            String a = i < their.size() ? their.get(i) : "(none)";
            String b = i < mine.size() ? mine.get(i) : "(none)";
            if (!a.equals(b)) {
                report.append(String.format("  #%d%n    libbpf %s%n    ours   %s%n", i, a, b));
                shown++;
            }
        }
    }

    /** As the tool escapes strings: backslash, tab and newline. */
    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n");
    }

    private static void compareProgram(LibbpfProgram theirs, LinkedProgram ours, StringBuilder report) {
        List<Slot> mine = slotsOf(ours.instructions());
        List<Slot> their = theirs.slots();
        Annotated theirInsns = Annotated.of(theirs.instructions());
        Annotated ourInsns = Annotated.of(ours.instructions());
        List<String> lines = new ArrayList<>();
        int differing = 0;
        for (int i = 0; i < Math.max(mine.size(), their.size()); i++) {
            Slot a = i < their.size() ? their.get(i) : null;
            Slot b = i < mine.size() ? mine.get(i) : null;
            if (a != null && a.equals(b))
                continue;
            differing++;
            if (lines.size() < MAX_SLOTS_SHOWN)
                lines.add(String.format("  slot %d:%n    libbpf %s%n    ours   %s", i,
                        describe(a, theirInsns, i), describe(b, ourInsns, i)));
        }
        if (differing == 0)
            return;
        report.append("prog ").append(theirs.name()).append(" (libbpf: ").append(theirs.status()).append("): ")
                .append(their.size()).append(" slots, ours ").append(mine.size())
                .append(", our appended subprograms ").append(ours.subprograms()).append(", ")
                .append(differing).append(" slot(s) differ\n");
        lines.forEach(l -> report.append(l).append('\n'));
        if (differing > lines.size())
            report.append("  ... and ").append(differing - lines.size()).append(" more differing slot(s)\n");
    }

    private static String describe(Slot s, Annotated insns, int slot) {
        if (s == null)
            return "(none)";
        return String.format("%-44s [%s]", insns.textAt(slot), s);
    }

    /** Our instructions as the tool prints libbpf's: 8-byte slots, map fd 0, the map named. */
    private static List<Slot> slotsOf(List<Instruction> insns) {
        List<Slot> slots = new ArrayList<>();
        for (Instruction insn : insns) {
            byte[] raw = Instructions.encode(List.of(insn), ByteOrder.LITTLE_ENDIAN);
            for (int k = 0; k < raw.length; k += 8) {
                String map = "-";
                if (k == 0 && insn.isLoadImm64()
                        && (insn.src() == Opcodes.PSEUDO_MAP_FD || insn.src() == Opcodes.PSEUDO_MAP_VALUE)) {
                    if (insn.reference() instanceof Reference.Map m)
                        map = m.name();
                    else if (insn.reference() instanceof Reference.MapValue v)
                        map = v.map();
                    else
                        map = "<no map reference>";
                }
                slots.add(Slot.of(raw, k, map));
            }
        }
        return slots;
    }

    private Path write(String dir, String fileName, byte[] bytes) throws IOException {
        // The file name matters: libbpf derives the object name, and so internal map names, from it.
        Path d = Files.createDirectories(work.resolve(dir));
        Path file = d.resolve(fileName);
        Files.write(file, bytes);
        return file;
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("Uid:"))
                    return line.split("\\s+")[2].equals("0"); // the effective uid
        } catch (IOException e) {
            return false; // not Linux
        }
        return false;
    }

    /** One 8-byte slot as the tool prints it: map fd replaced by 0 and the map's name. */
    record Slot(int code, int dst, int src, int off, int imm, String map) {
        static Slot of(byte[] raw, int p, String map) {
            int off = (short) ((raw[p + 2] & 0xff) | (raw[p + 3] & 0xff) << 8);
            int imm = (raw[p + 4] & 0xff) | (raw[p + 5] & 0xff) << 8 | (raw[p + 6] & 0xff) << 16 | (raw[p + 7] & 0xff) << 24;
            return new Slot(raw[p] & 0xff, raw[p + 1] & 0xf, (raw[p + 1] & 0xff) >>> 4, off, imm, map);
        }

        @Override
        public String toString() {
            return String.format("code=0x%02x dst=%d src=%d off=%d imm=%d%s", code, dst, src, off, imm,
                    map.equals("-") ? "" : " map=" + map);
        }
    }

    /**
     * @param funcInfo {@code func} lines after their tag, or null when the program never reached
     *                 BPF_PROG_LOAD (the tool printed no {@code btfext} line), so there is
     *                 nothing to compare
     */
    record LibbpfProgram(String name, String status, List<Slot> slots, List<String> funcInfo, List<String> lineInfo) {
        LibbpfProgram(String name, String status, List<Slot> slots) {
            this(name, status, slots, null, null);
        }

        /** Whether libbpf handed this program to BPF_PROG_LOAD, so the tool saw its func/line info. */
        boolean reachedKernel() {
            return funcInfo != null;
        }

        /** The slots as instructions, for disassembly: ld_imm64 joined, the map as a reference. */
        List<Instruction> instructions() {
            List<Instruction> out = new ArrayList<>();
            for (int i = 0; i < slots.size(); i++) {
                Slot s = slots.get(i);
                if (Opcodes.isLoadImm64(s.code()) && i + 1 < slots.size()) {
                    Slot hi = slots.get(++i);
                    long constant = (long) hi.imm() << 32 | s.imm() & 0xffffffffL;
                    Reference ref = s.src() == Opcodes.PSEUDO_MAP_FD ? new Reference.Map(s.map())
                            : s.src() == Opcodes.PSEUDO_MAP_VALUE ? new Reference.MapValue(s.map(), hi.imm()) : null;
                    out.add(new Instruction(s.code(), s.dst(), s.src(), (short) s.off(), constant, ref));
                } else {
                    out.add(new Instruction(s.code(), s.dst(), s.src(), (short) s.off(), s.imm(), null));
                }
            }
            return out;
        }
    }

    /** What libbpf_relocate printed: the load result, the programs, the internal maps' values. */
    record LibbpfRun(int load, List<LibbpfProgram> programs, Map<String, String> maps) {
        static LibbpfRun parse(String text) {
            int load = 0;
            List<LibbpfProgram> programs = new ArrayList<>();
            Map<String, String> maps = new LinkedHashMap<>();
            String name = null, status = null;
            List<Slot> slots = null;
            List<String> funcs = null, lines = null;
            for (String line : text.split("\n")) {
                if (line.isEmpty())
                    continue;
                String[] f = line.split("\t", -1);
                switch (f[0]) {
                    case "load" -> load = Integer.parseInt(f[1]);
                    case "prog" -> {
                        if (name != null)
                            programs.add(new LibbpfProgram(name, status, slots, funcs, lines));
                        name = f[1];
                        status = f[2];
                        slots = new ArrayList<>();
                        funcs = null;
                        lines = null;
                    }
                    case "insn" -> slots.add(new Slot(Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                            Integer.parseInt(f[3]), Integer.parseInt(f[4]), Integer.parseInt(f[5]), f[6]));
                    case "map" -> maps.put(f[1], f[2]);
                    case "btfext" -> {
                        funcs = new ArrayList<>();
                        lines = new ArrayList<>();
                    }
                    case "func" -> funcs.add(line.substring("func\t".length()));
                    case "line" -> lines.add(line.substring("line\t".length()));
                    default -> throw new AssertionError("unexpected libbpf_relocate output: " + line);
                }
            }
            if (name != null)
                programs.add(new LibbpfProgram(name, status, slots, funcs, lines));
            return new LibbpfRun(load, programs, maps);
        }
    }

    /** Disassembly by slot: the instruction starting at (or covering) each slot. */
    record Annotated(List<String> bySlot) {
        static Annotated of(List<Instruction> insns) {
            List<String> bySlot = new ArrayList<>();
            for (Instruction insn : insns) {
                bySlot.add(Disassembler.format(insn));
                if (insn.width() == 2)
                    bySlot.add("(second half of the ld_imm64 above)");
            }
            return new Annotated(bySlot);
        }

        String textAt(int slot) {
            return slot < bySlot.size() ? bySlot.get(slot) : "(past the end)";
        }
    }
}
