package dev.bpf4j.cli;

import dev.bpf4j.asm.Disassembler;
import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Reference;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code bpf4j object dump FILE [--program NAME] [--relocated] [--json]}: the programs'
 * instructions, as compiled or as linked (what libbpf would hand the kernel, map fds aside).
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

    @Mixin
    LinkOptionsMixin link;

    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    /** One program as printed: the spec, its instructions (as compiled or linked), and where they came from. */
    private record Listing(ProgramSpec spec, List<Instruction> instructions, List<String> subprograms, boolean subprogram) {
    }

    @Override
    public Integer call() throws Exception {
        ObjectSpec spec = SpecReader.read(file);
        List<Listing> all = new ArrayList<>();
        List<MapSpec> maps = spec.maps();
        if (relocated) {
            LoadPlan plan = Linker.link(spec, link.toLinkOptions());
            for (LinkedProgram p : plan.programs())
                all.add(new Listing(p.spec(), p.instructions(), p.subprograms(), false));
            maps = plan.maps();
        } else {
            for (ProgramSpec p : spec.programs())
                all.add(new Listing(p, p.instructions(), List.of(), false));
            if (!json)
                for (ProgramSpec p : spec.subprograms())
                    all.add(new Listing(p, p.instructions(), List.of(), true));
        }
        List<Listing> selected = program == null ? all : all.stream().filter(l -> l.spec().name().equals(program)).toList();
        if (selected.isEmpty())
            throw new Main.UsageException(file.getFileName() + ": no " + (relocated ? "autoloaded " : "") + "program named '" + program
                    + "'; programs: " + all.stream().map(l -> l.spec().name()).toList());
        PrintWriter out = command.commandLine().getOut();
        if (json)
            out.print(Json.write(json(selected, maps)));
        else
            text(out, selected);
        out.flush();
        return 0;
    }

    private static void text(PrintWriter out, List<Listing> listings) {
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
            out.print(Disassembler.listing(l.instructions()));
        }
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
