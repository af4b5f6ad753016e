package dev.bpf4j.loader;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.InstructionList;
import dev.bpf4j.asm.Instructions;
import dev.bpf4j.btf.FuncInfo;
import dev.bpf4j.btf.LineInfo;

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
 * <p>{@code funcInfo} and {@code lineInfo} are the {@code .BTF.ext} records libbpf hands the
 * kernel with the program ({@code bpf_attr.func_info}, {@code line_info}): the entry's, then
 * each appended subprogram's, slots counted from the start of this linked program.
 *
 * <pre>{@code
 * for (LineInfo l : p.lineInfo())
 *     System.out.println("insn " + l.slot() + ": " + l.line() + " @ " + l.fileName() + ":" + l.lineNumber());
 * }</pre>
 *
 * @param subprograms names of the subprograms appended, in the order they were appended
 * @param funcInfo    one record per function in the program, entry first; empty when the
 *                    object has no {@code .BTF.ext} or the entry has no function info
 * @param lineInfo    the source lines, in the order libbpf passes them
 */
public record LinkedProgram(ProgramSpec spec, List<Instruction> instructions, List<String> subprograms,
                            List<FuncInfo> funcInfo, List<LineInfo> lineInfo) {

    public LinkedProgram {
        // An InstructionList is immutable already; copying it would decode every instruction.
        instructions = instructions instanceof InstructionList ? instructions : List.copyOf(instructions);
        subprograms = List.copyOf(subprograms);
        funcInfo = List.copyOf(funcInfo);
        lineInfo = List.copyOf(lineInfo);
    }

    /** A linked program without {@code .BTF.ext} records (hand-assembled programs). */
    public LinkedProgram(ProgramSpec spec, List<Instruction> instructions, List<String> subprograms) {
        this(spec, instructions, subprograms, List.of(), List.of());
    }

    public String name() {
        return spec.name();
    }

    /** Size in 8-byte slots, the length of the {@code struct bpf_insn} array a kernel receives. */
    public int slotCount() {
        return Instructions.slotCount(instructions);
    }
}
