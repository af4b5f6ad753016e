package dev.bpf4j.cli;

import dev.bpf4j.asm.Disassembler;
import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Reference;
import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.BtfType;
import dev.bpf4j.btf.CTypeNames;
import dev.bpf4j.btf.FuncInfo;
import dev.bpf4j.btf.LineInfo;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.ObjectSpec;
import dev.bpf4j.loader.ProgramSpec;
import dev.bpf4j.loader.SpecReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.concurrent.Callable;

/**
 * {@code bpf4j object dump FILE [--program NAME] [--relocated] [--json] [--source]}: the programs'
 * instructions, as compiled or as linked (what libbpf would hand the kernel, map fds aside).
 * {@code --source} interleaves the source lines of {@code .BTF.ext} as
 * {@code bpftool prog dump xlated linum} does: a function's signature before its first
 * instruction, and {@code ; <line> [file:F line_num:N line_col:C]} before the instructions
 * each line covers.
 */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = "Print the object's programs: disassembly, or JSON instruction arrays; unrelocated, or linked as libbpf links them.")
final class DumpCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "BPF ELF object")
    Path file;

    @Option(names = "--program", paramLabel = "NAME", description = "only this program")
    String program;

    @Option(names = "--relocated", description = "link first: subprograms appended, calls and map, data and kconfig references resolved")
    boolean relocated;

    @Option(names = "--json", description = "print {\"programs\":[...],\"maps\":[...]} with one [code,dst,src,off,imm(,map)] array per instruction slot")
    boolean json;

    @Option(names = "--source", description = "interleave source lines (.BTF.ext line info) with the disassembly, like bpftool prog dump xlated linum")
    boolean source;

    @Mixin
    LinkOptionsMixin link;

    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    /** One program as printed: the spec, its instructions (as compiled or linked), and where they came from. */
    private record Listing(ProgramSpec spec, List<Instruction> instructions, List<String> subprograms, boolean subprogram,
                           List<FuncInfo> funcInfo, List<LineInfo> lineInfo) {
    }

    @Override
    public Integer call() throws Exception {
        if (source && json)
            throw new Main.UsageException("--source prints a text listing; it cannot be combined with --json");
        ObjectSpec spec = SpecReader.read(file);
        List<Listing> all = new ArrayList<>();
        List<MapSpec> maps = spec.maps();
        if (relocated) {
            LoadPlan plan = Linker.link(spec, link.toLinkOptions());
            for (LinkedProgram p : plan.programs())
                all.add(new Listing(p.spec(), p.instructions(), p.subprograms(), false, p.funcInfo(), p.lineInfo()));
            maps = plan.maps();
        } else {
            for (ProgramSpec p : spec.programs())
                all.add(new Listing(p, p.instructions(), List.of(), false, p.funcInfo(), p.lineInfo()));
            if (!json)
                for (ProgramSpec p : spec.subprograms())
                    all.add(new Listing(p, p.instructions(), List.of(), true, p.funcInfo(), p.lineInfo()));
        }
        List<Listing> selected = program == null ? all : all.stream().filter(l -> l.spec().name().equals(program)).toList();
        if (selected.isEmpty())
            throw new Main.UsageException(file.getFileName() + ": no " + (relocated ? "autoloaded " : "") + "program named '" + program
                    + "'; programs: " + all.stream().map(l -> l.spec().name()).toList());
        PrintWriter out = command.commandLine().getOut();
        if (json) {
            out.print(Json.write(json(selected, maps)));
        } else {
            if (source && selected.stream().allMatch(l -> l.lineInfo().isEmpty()))
                command.commandLine().getErr().println("note: " + file.getFileName()
                        + " has no .BTF.ext line info (compile with clang -g); showing the plain disassembly");
            text(out, selected, source ? spec.btf() : null);
        }
        out.flush();
        return 0;
    }

    private static void text(PrintWriter out, List<Listing> listings, Btf btf) {
        boolean first = true;
        for (Listing l : listings) {
            if (!first)
                out.println();
            first = false;
            ProgramSpec p = l.spec();
            String kind = l.subprogram() ? "subprogram" : "program";
            String type = l.subprogram() ? "subprogram" : p.type().libbpfName();
            out.printf("%s <%s> (section '%s', %s, %d insns%s):%n", kind, p.name(), p.sectionName(), type,
                    dev.bpf4j.asm.Instructions.slotCount(l.instructions()),
                    l.subprograms().isEmpty() ? "" : ", subprograms " + String.join(", ", l.subprograms()));
            if (btf == null || l.lineInfo().isEmpty() && l.funcInfo().isEmpty())
                out.print(Disassembler.listing(l.instructions()));
            else
                withSource(out, l, btf);
        }
    }

    /** bpftool's xlated_dumper with linum: at each slot, the function signature, then the line, then the instruction. */
    private static void withSource(PrintWriter out, Listing l, Btf btf) {
        Map<Integer, FuncInfo> funcs = l.funcInfo().stream().collect(Collectors.toMap(FuncInfo::slot, f -> f, (a, b) -> a));
        Map<Integer, LineInfo> lines = new HashMap<>();
        for (LineInfo li : l.lineInfo())
            lines.putIfAbsent(li.slot(), li);
        int slot = 0;
        for (Instruction insn : l.instructions()) {
            FuncInfo f = funcs.get(slot);
            if (f != null)
                out.println(signature(btf, f) + ":");
            LineInfo li = lines.get(slot);
            if (li != null)
                out.printf("; %s [file:%s line_num:%d line_col:%d]%n", li.line().stripLeading(), li.fileName(),
                        li.lineNumber(), li.column());
            out.print(Disassembler.listing(List.of(insn), Disassembler.Options.DEFAULT.withFirstSlot(slot)));
            slot += insn.width();
        }
    }

    /** {@code int name(struct __sk_buff * skb)}, as bpftool prints a func_info's function. */
    private static String signature(Btf btf, FuncInfo f) {
        if (!(btf.type(f.typeId()) instanceof BtfType.Func func) || !(btf.type(func.type()) instanceof BtfType.FuncProto proto))
            return f.name();
        StringBuilder sb = new StringBuilder(CTypeNames.of(btf, btf.type(proto.returnType()))).append(' ').append(f.name()).append('(');
        for (int i = 0; i < proto.params().size(); i++) {
            BtfType.Param p = proto.params().get(i);
            if (i > 0)
                sb.append(", ");
            sb.append(p.type() == 0 && p.name().isEmpty() ? "..." : CTypeNames.of(btf, btf.type(p.type())));
            if (!p.name().isEmpty())
                sb.append(' ').append(p.name());
        }
        return sb.append(')').toString();
    }

    private static Map<String, Object> json(List<Listing> listings, List<MapSpec> maps) {
        List<Object> programs = new ArrayList<>();
        for (Listing l : listings) {
            Map<String, Object> p = new LinkedHashMap<>();
            p.put("name", l.spec().name());
            p.put("section", l.spec().sectionName());
            p.put("type", l.spec().type().number());
            p.put("type_name", l.spec().type().libbpfName());
            p.put("insns", slots(l.instructions()));
            programs.add(p);
        }
        List<Object> mapList = new ArrayList<>();
        for (MapSpec m : maps) {
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("name", m.name());
            j.put("type", m.type().number());
            j.put("type_name", m.type().libbpfName());
            j.put("key_size", Integer.toUnsignedLong(m.keySize()));
            j.put("value_size", Integer.toUnsignedLong(m.valueSize()));
            j.put("max_entries", Integer.toUnsignedLong(m.maxEntries()));
            j.put("flags", Integer.toUnsignedLong(m.flags()));
            mapList.add(j);
        }
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("programs", programs);
        root.put("maps", mapList);
        return root;
    }

    /** Each 8-byte slot as [code, dst, src, off, imm], as in the kernel's struct bpf_insn array. */
    static List<Object> slots(List<Instruction> insns) {
        List<Object> out = new ArrayList<>();
        for (Instruction i : insns) {
            List<Object> slot = new ArrayList<>(List.of(i.opcode(), i.dst(), i.src(), (int) i.offset(), i.imm()));
            String map = i.reference() instanceof Reference.Map m ? m.name()
                    : i.reference() instanceof Reference.MapValue v ? v.map() : null;
            if (map != null && (i.src() == 1 || i.src() == 2))
                slot.add(map);
            out.add(slot);
            if (i.isLoadImm64())
                out.add(List.of(0, 0, 0, 0, i.imm2()));
        }
        return out;
    }
}
