package dev.bpf4j.loader;

import dev.bpf4j.btf.Btf;
import dev.bpf4j.elf.ElfFile;

import java.nio.ByteOrder;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything one BPF object declares, as pure data: programs, subprograms, maps (BTF-defined,
 * legacy and libbpf's internal ones), global variables, externs and BTF. Nothing here touches
 * a kernel; backends turn a spec into loaded objects.
 *
 * <pre>{@code
 * ObjectSpec spec = SpecReader.read(Path.of("xdp_parser.o"));
 * for (ProgramSpec p : spec.programs())
 *     System.out.println(p.name() + ": " + p.type().libbpfName() + ", " + p.slotCount() + " insns");
 * MapSpec counters = spec.map("counters").orElseThrow();
 * }</pre>
 *
 * @param name          libbpf's object name (file base name up to the first '.')
 * @param programs      entry programs, in libbpf's order (section index, then offset)
 * @param subprograms   {@code .text} functions, in offset order
 * @param maps          BTF and legacy maps in definition order, then internal maps by section
 *                      index, then {@code .kconfig}, as libbpf orders them
 * @param kernelVersion the {@code version} section's value, 0 when absent
 * @param btf           the object's {@code .BTF}, or null when it has none
 * @param elf           the parsed file, kept for relocation and for writing templates back
 */
public record ObjectSpec(String name, ByteOrder byteOrder, String license, int kernelVersion,
                         List<ProgramSpec> programs, List<ProgramSpec> subprograms, List<MapSpec> maps,
                         List<VariableSpec> variables, List<ExternSpec> externs, Btf btf, ElfFile elf) {

    public ObjectSpec {
        programs = List.copyOf(programs);
        subprograms = List.copyOf(subprograms);
        maps = List.copyOf(maps);
        variables = List.copyOf(variables);
        externs = List.copyOf(externs);
    }

    public Optional<ProgramSpec> program(String programName) {
        return programs.stream().filter(p -> p.name().equals(programName)).findFirst();
    }

    public Optional<MapSpec> map(String mapName) {
        return maps.stream().filter(m -> m.name().equals(mapName)).findFirst();
    }

    public Optional<VariableSpec> variable(String variableName) {
        return variables.stream().filter(v -> v.name().equals(variableName)).findFirst();
    }

    public Optional<Btf> btfTypes() {
        return Optional.ofNullable(btf);
    }

    /**
     * Specs compare by content: every component but {@code elf} (the parsed file, a view of
     * bytes the other components already describe), with BTF compared by its bytes. So an
     * object read twice, or written back with {@code ElfWriter} and read again, gives equal
     * specs, and a template that changed a variable gives a spec that differs exactly there.
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof ObjectSpec s && Objects.equals(name, s.name) && Objects.equals(byteOrder, s.byteOrder)
                && Objects.equals(license, s.license) && kernelVersion == s.kernelVersion && programs.equals(s.programs)
                && subprograms.equals(s.subprograms) && maps.equals(s.maps) && variables.equals(s.variables)
                && externs.equals(s.externs) && Objects.equals(btf, s.btf);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, byteOrder, license, kernelVersion, programs, subprograms, maps, variables, externs, btf);
    }
}
