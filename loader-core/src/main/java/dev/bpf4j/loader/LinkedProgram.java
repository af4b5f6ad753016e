package dev.bpf4j.loader;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.InstructionList;
import dev.bpf4j.asm.Instructions;

import java.util.List;

/**
 * One entry program after linking: its own instructions followed by every subprogram it
 * reaches (each appended once, in libbpf's order), with calls, subprogram addresses, map
 * references, global data and kconfig externs resolved. Map references stay symbolic: an
 * ld_imm64 with src_reg 1 carries {@code Reference.Map(name)} and src_reg 2
 * {@code Reference.MapValue(name, offset)}, with imm 0 until a backend binds a map fd.
 *
 * <pre>{@code
 * LinkedProgram p = Linker.link(spec).program("xdp_parser").orElseThrow();
 * byte[] raw = Instructions.encode(p.instructions(), spec.byteOrder());
 * }</pre>
 *
 * @param subprograms names of the subprograms appended, in the order they were appended
 */
public record LinkedProgram(ProgramSpec spec, List<Instruction> instructions, List<String> subprograms) {

    public LinkedProgram {
        // An InstructionList is immutable already; copying it would decode every instruction.
        instructions = instructions instanceof InstructionList ? instructions : List.copyOf(instructions);
        subprograms = List.copyOf(subprograms);
    }

    public String name() {
        return spec.name();
    }

    /** Size in 8-byte slots, the length of the {@code struct bpf_insn} array a kernel receives. */
    public int slotCount() {
        return Instructions.slotCount(instructions);
    }
}
