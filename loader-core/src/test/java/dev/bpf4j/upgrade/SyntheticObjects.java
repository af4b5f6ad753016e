package dev.bpf4j.upgrade;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.asm.Reference;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.ObjectSpec;
import dev.bpf4j.loader.ProgramSpec;

import java.util.ArrayList;
import java.util.List;

/**
 * Linked objects written instruction by instruction, for the shapes the testdata does not
 * have (dependency cycles, shared counters, an object's own tracers): programs that look
 * maps up, update them and bump counters, on maps copied from dynencap's definitions.
 */
final class SyntheticObjects {
    private static final ObjectSpec OLD = UpgradeFixtures.spec("dynencap_old");
    private static final ObjectSpec MIG = UpgradeFixtures.spec("dynencap_migration");
    private static final MapSpec MAP = OLD.maps().get(0);

    private SyntheticObjects() {
    }

    /** A program's instructions, built up. */
    static final class Code {
        final List<Instruction> insns = new ArrayList<>();

        private Code ld(int reg, String map) {
            insns.add(Instruction.loadImm64(reg, 0).withSrc(Opcodes.PSEUDO_MAP_FD).withReference(new Reference.Map(map)));
            return this;
        }

        private Code op(int opcode, int dst, int src, int off, int imm) {
            insns.add(Instruction.of(opcode, dst, src, off, imm));
            return this;
        }

        private Code keyArgs() {
            return op(0xbf, 2, 10, 0, 0).op(0x07, 2, 0, 0, -8).op(0xbf, 3, 10, 0, 0).op(0x07, 3, 0, 0, -16).op(0xb7, 4, 0, 0, 0);
        }

        Code reads(String map) {
            return ld(1, map).keyArgs().op(Opcodes.CALL_INSN, 0, 0, 0, 1);
        }

        Code writes(String map) {
            return ld(1, map).keyArgs().op(Opcodes.CALL_INSN, 0, 0, 0, 2);
        }

        /** lookup, then an atomic add through the value: what a counter does. */
        Code bumps(String map) {
            return reads(map).op(0x15, 0, 0, 2, 0).op(0xb7, 1, 0, 0, 1).op(0xdb, 0, 1, 0, 0);
        }

        List<Instruction> exit() {
            op(0xb7, 0, 0, 0, 0).op(Opcodes.EXIT_INSN, 0, 0, 0, 0);
            return insns;
        }
    }

    static Code code() {
        return new Code();
    }

    static LinkedProgram egress(String name, List<Instruction> insns) {
        return program(OLD.program("dynencap_egress").orElseThrow(), name, "tc/egress", insns);
    }

    static LinkedProgram setsockopt(String name, List<Instruction> insns) {
        return program(OLD.program("dynencap_setsockopt").orElseThrow(), name, "cgroup/setsockopt", insns);
    }

    static LinkedProgram tracer(String name, String section, List<Instruction> insns) {
        return program(MIG.program("dynencap_cow_update").orElseThrow(), name, section, insns);
    }

    static LinkedProgram iterator(String name, List<Instruction> insns) {
        return program(MIG.program("dynencap_copy").orElseThrow(), name, "iter/bpf_map_elem", insns);
    }

    private static LinkedProgram program(ProgramSpec template, String name, String section, List<Instruction> insns) {
        ProgramSpec p = new ProgramSpec(name, section, template.type(), template.expectedAttachType(),
                section.startsWith("iter/") ? "bpf_map_elem" : template.attachTarget(), template.sectionDef(),
                true, template.sectionIndex(), 0, true, insns, List.of(), template.license(), template.kernelVersion());
        return new LinkedProgram(p, insns, List.of());
    }

    static MapSpec map(String name) {
        return new MapSpec(name, MAP.kind(), MAP.type(), MAP.keySize(), MAP.valueSize(), MAP.maxEntries(), MAP.flags(),
                MAP.numaNode(), MAP.pinning(), MAP.mapExtra(), MAP.sectionName(), MAP.sectionOffset(), MAP.keyType(),
                MAP.valueType(), null, null, List.of());
    }

    static LoadPlan plan(String name, List<LinkedProgram> programs, String... maps) {
        ObjectSpec s = new ObjectSpec(name, OLD.byteOrder(), OLD.license(), 0, programs.stream().map(LinkedProgram::spec).toList(),
                List.of(), List.of(), List.of(), List.of(), null, OLD.elf());
        List<MapSpec> specs = new ArrayList<>();
        for (String m : maps)
            specs.add(map(m));
        return new LoadPlan(s, programs, specs);
    }

    /** A migration carrying {@code carried} maps: old_X/new_X, a tracer and an iterator each. */
    static LoadPlan migration(String... carried) {
        List<LinkedProgram> programs = new ArrayList<>();
        List<String> maps = new ArrayList<>();
        for (String m : carried) {
            maps.add("old_" + m);
            maps.add("new_" + m);
            programs.add(tracer("cow_" + m, "map_trace/old_" + m + "/UPDATE_ELEM", code().writes("new_" + m).exit()));
            programs.add(iterator("copy_" + m, code().writes("new_" + m).exit()));
        }
        return plan("mig", programs, maps.toArray(new String[0]));
    }
}
