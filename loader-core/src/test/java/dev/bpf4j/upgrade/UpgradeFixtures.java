package dev.bpf4j.upgrade;

import dev.bpf4j.backend.Hook;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.ObjectSpec;
import dev.bpf4j.loader.ProgramSpec;
import dev.bpf4j.loader.SpecReader;
import dev.bpf4j.testdata.TestObjects;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** The testdata's upgrade scenarios, loaded into a {@link FakeBackend}, and ways to spoil them. */
final class UpgradeFixtures {
    private UpgradeFixtures() {
    }

    static ObjectSpec spec(String name) {
        return SpecReader.read(name + ".o", TestObjects.object(name, TestObjects.Target.BPFEL));
    }

    /** dynencap_old loaded and attached as its skeleton would: setsockopt on the root cgroup, egress on tc. */
    static LoadedObject dynencapOld(FakeBackend b) {
        LoadedObject old = b.load(Linker.link(spec("dynencap_old")));
        old.program("dynencap_setsockopt").attach(Hook.of("cgroup/setsockopt"));
        old.program("dynencap_egress").attach(Hook.of("tc/egress"));
        b.log.clear();
        return old;
    }

    static StatefulUpgrade dynencapUpgrade(FakeBackend b, LoadedObject old) {
        return StatefulUpgrade.of(b, old, spec("dynencap_new"), spec("dynencap_migration"));
    }

    /** {@code spec} with program {@code name} changed by {@code change}. */
    static ObjectSpec withProgram(ObjectSpec spec, String name, UnaryOperator<ProgramSpec> change) {
        List<ProgramSpec> programs = new ArrayList<>();
        boolean found = false;
        for (ProgramSpec p : spec.programs()) {
            found |= p.name().equals(name);
            programs.add(p.name().equals(name) ? change.apply(p) : p);
        }
        if (!found)
            throw new IllegalArgumentException("no program " + name + " in " + spec.name());
        return copy(spec, programs);
    }

    static ObjectSpec withoutProgram(ObjectSpec spec, String name) {
        return copy(spec, spec.programs().stream().filter(p -> !p.name().equals(name)).toList());
    }

    static ProgramSpec section(ProgramSpec p, String section) {
        return new ProgramSpec(p.name(), section, p.type(), p.expectedAttachType(), p.attachTarget(), p.sectionDef(),
                p.autoload(), p.sectionIndex(), p.sectionOffset(), p.global(), p.instructions(), p.relocations(),
                p.license(), p.kernelVersion());
    }

    static ProgramSpec renamed(ProgramSpec p, String name) {
        return new ProgramSpec(name, p.sectionName(), p.type(), p.expectedAttachType(), p.attachTarget(), p.sectionDef(),
                p.autoload(), p.sectionIndex(), p.sectionOffset(), p.global(), p.instructions(), p.relocations(),
                p.license(), p.kernelVersion());
    }

    static ProgramSpec typed(ProgramSpec p, dev.bpf4j.loader.ProgramType type) {
        return new ProgramSpec(p.name(), p.sectionName(), type, p.expectedAttachType(), p.attachTarget(), p.sectionDef(),
                p.autoload(), p.sectionIndex(), p.sectionOffset(), p.global(), p.instructions(), p.relocations(),
                p.license(), p.kernelVersion());
    }

    private static ObjectSpec copy(ObjectSpec s, List<ProgramSpec> programs) {
        return new ObjectSpec(s.name(), s.byteOrder(), s.license(), s.kernelVersion(), programs, s.subprograms(),
                s.maps(), s.variables(), s.externs(), s.btf(), s.elf());
    }
}
