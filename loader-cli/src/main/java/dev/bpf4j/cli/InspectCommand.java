package dev.bpf4j.cli;

import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.BtfType;
import dev.bpf4j.btf.CTypeNames;
import dev.bpf4j.elf.Section;
import dev.bpf4j.loader.AttachType;
import dev.bpf4j.loader.ExternSpec;
import dev.bpf4j.loader.MapSlot;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.ObjectSpec;
import dev.bpf4j.loader.ProgramSpec;
import dev.bpf4j.loader.SpecReader;
import dev.bpf4j.loader.VariableSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code bpf4j object inspect FILE [--json]}: sections, programs, maps, variables and BTF of an object. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
        description = "Print the sections, programs, maps, variables and a BTF summary of an object.")
final class InspectCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "BPF ELF object")
    Path file;

    @Option(names = "--json", description = "print JSON (format documented in README.md)")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() throws Exception {
        ObjectSpec spec = SpecReader.read(file);
        PrintWriter out = command.commandLine().getOut();
        Map<String, Object> report = report(file.getFileName().toString(), spec);
        if (json)
            out.print(Json.write(report));
        else
            TextReport.print(out, report);
        out.flush();
        return 0;
    }

    /** The report as ordered maps: the JSON output, and the source of the text output. */
    static Map<String, Object> report(String fileName, ObjectSpec spec) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("file", fileName);
        r.put("object", spec.name());
        r.put("byte_order", spec.byteOrder() == ByteOrder.LITTLE_ENDIAN ? "little" : "big");
        r.put("license", spec.license());
        r.put("kernel_version", spec.kernelVersion());
        r.put("sections", sections(spec));
        List<Object> programs = new ArrayList<>();
        spec.programs().forEach(p -> programs.add(program(p)));
        r.put("programs", programs);
        List<Object> subprograms = new ArrayList<>();
        spec.subprograms().forEach(p -> subprograms.add(program(p)));
        r.put("subprograms", subprograms);
        List<Object> maps = new ArrayList<>();
        spec.maps().forEach(m -> maps.add(map(spec.btf(), m)));
        r.put("maps", maps);
        List<Object> variables = new ArrayList<>();
        spec.variables().forEach(v -> variables.add(variable(spec.btf(), v)));
        r.put("variables", variables);
        List<Object> externs = new ArrayList<>();
        spec.externs().forEach(e -> externs.add(extern(spec.btf(), e)));
        r.put("externs", externs);
        r.put("btf", btf(spec.btf()));
        return r;
    }

    private static List<Object> sections(ObjectSpec spec) {
        List<Object> out = new ArrayList<>();
        for (Section s : spec.elf().sections()) {
            if (s.index() == 0)
                continue;
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", s.index());
            m.put("name", s.name());
            m.put("type", s.type());
            m.put("type_name", sectionType(s.type()));
            m.put("flags", s.flags());
            m.put("size", s.size());
            out.add(m);
        }
        return out;
    }

    static String sectionType(int type) {
        return switch (type) {
            case Section.SHT_NULL -> "NULL";
            case Section.SHT_PROGBITS -> "PROGBITS";
            case Section.SHT_SYMTAB -> "SYMTAB";
            case Section.SHT_STRTAB -> "STRTAB";
            case Section.SHT_RELA -> "RELA";
            case Section.SHT_NOBITS -> "NOBITS";
            case Section.SHT_REL -> "REL";
            case Section.SHT_LLVM_ADDRSIG -> "LLVM_ADDRSIG";
            default -> String.format("0x%x", type);
        };
    }

    private static Map<String, Object> program(ProgramSpec p) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", p.name());
        m.put("section", p.sectionName());
        m.put("type", p.type().number());
        m.put("type_name", p.type().libbpfName());
        m.put("attach_type", p.expectedAttachType().map(AttachType::number).orElse(null));
        m.put("attach_type_name", p.expectedAttachType().map(AttachType::libbpfName).orElse(null));
        m.put("attach_target", p.attachTarget());
        m.put("insns", p.slotCount());
        m.put("autoload", p.autoload());
        m.put("global", p.global());
        m.put("relocations", p.relocations().size());
        return m;
    }

    private static Map<String, Object> map(Btf btf, MapSpec s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", s.name());
        m.put("kernel_name", s.kernelName());
        m.put("kind", s.kind().name().toLowerCase());
        m.put("type", s.type().number());
        m.put("type_name", s.type().libbpfName());
        m.put("key_size", Integer.toUnsignedLong(s.keySize()));
        m.put("value_size", Integer.toUnsignedLong(s.valueSize()));
        m.put("max_entries", Integer.toUnsignedLong(s.maxEntries()));
        m.put("flags", Integer.toUnsignedLong(s.flags()));
        m.put("numa_node", s.numaNode());
        m.put("pinning", s.pinning().name().toLowerCase());
        m.put("map_extra", s.mapExtra());
        m.put("key_type", CTypeNames.of(btf, s.keyType()));
        m.put("value_type", CTypeNames.of(btf, s.valueType()));
        m.put("inner_map", s.innerMap() == null ? null : map(btf, s.innerMap()));
        List<Object> slots = new ArrayList<>();
        for (MapSlot slot : s.initialSlots()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("index", slot.index());
            entry.put("target", slot.target());
            slots.add(entry);
        }
        m.put("initial_slots", slots);
        return m;
    }

    private static Map<String, Object> variable(Btf btf, VariableSpec v) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", v.name());
        m.put("section", v.section());
        m.put("map", v.map());
        m.put("offset", v.offset());
        m.put("size", v.size());
        m.put("type", CTypeNames.of(btf, v.type()));
        m.put("global", v.global());
        m.put("extern", v.extern());
        return m;
    }

    private static Map<String, Object> extern(Btf btf, ExternSpec e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", e.name());
        m.put("kind", e.kind().name().toLowerCase());
        m.put("weak", e.weak());
        m.put("type", CTypeNames.of(btf, e.type()));
        m.put("offset", e.kind() == ExternSpec.Kind.KCONFIG ? e.offset() : null);
        m.put("size", e.kind() == ExternSpec.Kind.KCONFIG ? e.size() : null);
        return m;
    }

    private static Map<String, Object> btf(Btf btf) {
        if (btf == null)
            return null;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("types", btf.typeCount() - 1);
        Map<String, Integer> kinds = new TreeMap<>();
        for (BtfType t : btf.types())
            if (!(t instanceof BtfType.Void))
                kinds.merge(t.kind().name(), 1, Integer::sum);
        m.put("kinds", new LinkedHashMap<>(kinds));
        return m;
    }
}
