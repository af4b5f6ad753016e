package dev.bpf4j.loader;

import java.util.List;
import java.util.Optional;

/**
 * What a backend needs to load an object: the maps to create (with their initial contents,
 * the {@code .kconfig} map filled in) and the linked programs, whose map references are still
 * names. Pure data: nothing here touches a kernel.
 *
 * <pre>{@code
 * LoadPlan plan = Linker.link(SpecReader.read(Path.of("prog.o")));
 * for (LinkedProgram p : plan.programs())
 *     System.out.println(p.name() + ": " + p.slotCount() + " insns");
 * }</pre>
 *
 * @param programs the autoloaded entry programs, in the spec's order (libbpf links only those)
 * @param maps     the spec's maps, the {@code .kconfig} map's initial data resolved
 */
public record LoadPlan(ObjectSpec spec, List<LinkedProgram> programs, List<MapSpec> maps) {

    public LoadPlan {
        programs = List.copyOf(programs);
        maps = List.copyOf(maps);
    }

    public Optional<LinkedProgram> program(String name) {
        return programs.stream().filter(p -> p.name().equals(name)).findFirst();
    }

    public Optional<MapSpec> map(String name) {
        return maps.stream().filter(m -> m.name().equals(name)).findFirst();
    }
}
