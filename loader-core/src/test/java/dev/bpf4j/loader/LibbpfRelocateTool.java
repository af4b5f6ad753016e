package dev.bpf4j.loader;

import dev.bpf4j.asm.Disassembler;
import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Instructions;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.asm.Reference;
import dev.bpf4j.testdata.LibbpfTool;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;

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

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code testdata/tools/libbpf_relocate.c} as a test peer, shared by {@link LibbpfEqualityTest}
 * and {@link CoreEqualityTest}: builds the tool, runs it on an object (optionally with
 * {@code --btf}, libbpf's {@code btf_custom_path}), parses what it prints, and compares a
 * libbpf program with one of our {@link LinkedProgram}s slot by slot, reporting every
 * difference with both sides disassembled.
 *
 * <pre>{@code
 * LibbpfRelocateTool tool = LibbpfRelocateTool.build(tempDir);      // skips without root, gcc, libbpf, bpf(2)
 * LibbpfRelocateTool.LibbpfRun theirs = tool.relocate(object, "--btf", target.toString());
 * }</pre>
 */
final class LibbpfRelocateTool {
    static final int MAX_SLOTS_SHOWN = 40;

    private final Path binary;

    private LibbpfRelocateTool(Path binary) {
        this.binary = binary;
    }

    /**
     * Builds the tool into {@code dir} and checks that bpf(2) works here by loading testdata
     * {@code globals.o}; skips the calling test (JUnit assumption, with the reason) when not
     * root, without gcc or libbpf-dev, or when the kernel refuses BPF altogether.
     */
    static LibbpfRelocateTool build(Path dir) throws IOException, InterruptedException {
        assumeTrue(isRoot(), "not root: libbpf_relocate loads programs into the kernel, which needs CAP_BPF/CAP_SYS_ADMIN");
        String source = new String(TestObjects.resource("tools/libbpf_relocate.c"), StandardCharsets.UTF_8);
        LibbpfRelocateTool tool = new LibbpfRelocateTool(LibbpfTool.build(dir, "libbpf_relocate", source));
        // A probe with an object that loads wherever BPF works: if bpf(2) is missing or
        // forbidden (seccomp, lockdown, a container), libbpf fails before relocating anything.
        Path probeDir = Files.createDirectories(dir.resolve("probe"));
        Path probe = probeDir.resolve("globals.o");
        Files.write(probe, TestObjects.object("globals", Target.BPFEL));
        LibbpfTool.Result r = tool.run(probe);
        assumeTrue(r.exitCode() == 0 && r.stdout().startsWith("load\t0\n"),
                "bpf(2) is not usable here: libbpf could not load testdata globals.o:\n" + r.stderr());
        return tool;
    }

    /** Runs the tool: {@code options} ({@code --each}, {@code --debug}, {@code --btf PATH}) then the object. */
    LibbpfTool.Result run(Path object, String... options) throws IOException, InterruptedException {
        String[] args = new String[options.length + 1];
        System.arraycopy(options, 0, args, 0, options.length);
        args[options.length] = object.toString();
        return LibbpfTool.run(binary, "", args);
    }

    /** Runs the tool and parses its output; fails the test if libbpf could not open the object. */
    LibbpfRun relocate(Path object, String... options) throws IOException, InterruptedException {
        LibbpfTool.Result r = run(object, options);
        if (r.exitCode() != 0)
            throw new AssertionError("libbpf could not open " + object.getFileName() + ":\n" + r.stderr());
        return LibbpfRun.parse(r.stdout());
    }

    /**
     * After a load that stopped at a failing program, the programs after it never reached
     * BPF_PROG_LOAD, so the tool saw no func/line info for them: load each alone
     * ({@code --each}, with the same {@code options}) to get theirs. Empty when every program was seen.
     */
    Map<String, LibbpfProgram> aloneWhereNeeded(LibbpfRun theirs, Path file, String... options)
            throws IOException, InterruptedException {
        Map<String, LibbpfProgram> alone = new LinkedHashMap<>();
        if (theirs.programs().stream().allMatch(LibbpfProgram::reachedKernel))
            return alone;
        String[] each = new String[options.length + 1];
        each[0] = "--each";
        System.arraycopy(options, 0, each, 1, options.length);
        LibbpfTool.Result r = run(file, each);
        if (r.exitCode() == 0)
            LibbpfRun.parse(r.stdout()).programs().forEach(p -> alone.put(p.name(), p));
        return alone;
    }

    /**
     * Every difference between what libbpf loaded and our plan: the programs (names, slot by
     * slot, func/line info, taken from {@code alone} for programs libbpf never handed to the
     * kernel in the whole-object load) and the internal maps' initial values. Empty when equal.
     */
    static String differences(LibbpfRun theirs, LoadPlan plan, Map<String, LibbpfProgram> alone) {
        StringBuilder report = new StringBuilder();
        List<String> theirNames = theirs.programs().stream().map(LibbpfProgram::name).toList();
        List<String> ourNames = plan.programs().stream().map(LinkedProgram::name).toList();
        if (!theirNames.equals(ourNames))
            report.append("programs: libbpf ").append(theirNames).append(", ours ").append(ourNames).append('\n');
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
        return report.toString();
    }

    /**
     * The func_info and line_info libbpf passed to BPF_PROG_LOAD (the tool captures them)
     * equal our linked program's, record for record, names and source text resolved. Only for
     * programs libbpf handed to the kernel: for the others the tool saw nothing.
     */
    static void compareExtInfo(LibbpfProgram theirs, LinkedProgram ours, StringBuilder report) {
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

    static void compareProgram(LibbpfProgram theirs, LinkedProgram ours, StringBuilder report) {
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
    static List<Slot> slotsOf(List<Instruction> insns) {
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

    static boolean isRoot() {
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
