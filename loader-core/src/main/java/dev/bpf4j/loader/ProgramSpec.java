package dev.bpf4j.loader;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.InstructionList;
import dev.bpf4j.asm.Instructions;
import dev.bpf4j.btf.CoreRelocation;
import dev.bpf4j.btf.FuncInfo;
import dev.bpf4j.btf.LineInfo;

import java.util.List;
import java.util.Optional;

/**
 * One BPF function of the object, before relocation: an entry program (an STT_FUNC symbol in an
 * executable section other than {@code .text}) or a subprogram (one in {@code .text}). As in
 * libbpf, a function in {@code .text} is an entry program only when it is the object's sole
 * function; {@link ObjectSpec#programs()} and {@link ObjectSpec#subprograms()} say which.
 *
 * <pre>{@code
 * for (ProgramSpec p : spec.programs())
 *     System.out.println(p.name() + " " + p.sectionName() + " " + p.type().libbpfName());
 * }</pre>
 *
 * @param sectionName        the ELF section name as libbpf reports it (a leading '?' removed)
 * @param expectedAttachType what the section table gives, empty when it sets none
 * @param attachTarget       text after the section prefix that names what to attach to
 *                           (kernel function, map for map_trace, iterator), or null
 * @param sectionDef         the section-table entry that matched, or null when none did
 * @param sectionOffset      byte offset of the first instruction in its section
 * @param global             false for static (STB_LOCAL) functions
 * @param instructions       the unrelocated instructions (ld_imm64 counts once)
 * @param relocations        raw relocations against this function's instructions
 * @param funcInfo           its {@code .BTF.ext} function info (normally one record, at slot 0),
 *                           slots counted from this function's first instruction; empty
 *                           without {@code .BTF.ext}
 * @param lineInfo           its {@code .BTF.ext} line info, slots from its first instruction
 * @param coreRelocations    its {@code .BTF.ext} CO-RE relocations, slots from its first
 *                           instruction; not applied here
 */
public record ProgramSpec(String name, String sectionName, ProgramType type, Optional<AttachType> expectedAttachType,
                          String attachTarget, SectionDef sectionDef, boolean autoload, int sectionIndex,
                          long sectionOffset, boolean global, List<Instruction> instructions,
                          List<ProgramRelocation> relocations, String license, int kernelVersion,
                          List<FuncInfo> funcInfo, List<LineInfo> lineInfo, List<CoreRelocation> coreRelocations) {

    public ProgramSpec {
        // An InstructionList is immutable already; copying it would decode every instruction.
        instructions = instructions instanceof InstructionList ? instructions : List.copyOf(instructions);
        relocations = List.copyOf(relocations);
        funcInfo = List.copyOf(funcInfo);
        lineInfo = List.copyOf(lineInfo);
        coreRelocations = List.copyOf(coreRelocations);
    }

    /** A function without {@code .BTF.ext} records (hand-built programs, objects without BTF). */
    public ProgramSpec(String name, String sectionName, ProgramType type, Optional<AttachType> expectedAttachType,
                       String attachTarget, SectionDef sectionDef, boolean autoload, int sectionIndex,
                       long sectionOffset, boolean global, List<Instruction> instructions,
                       List<ProgramRelocation> relocations, String license, int kernelVersion) {
        this(name, sectionName, type, expectedAttachType, attachTarget, sectionDef, autoload, sectionIndex, sectionOffset,
                global, instructions, relocations, license, kernelVersion, List.of(), List.of(), List.of());
    }

    /** This function with these relocations. */
    ProgramSpec withRelocations(List<ProgramRelocation> newRelocations) {
        return new ProgramSpec(name, sectionName, type, expectedAttachType, attachTarget, sectionDef, autoload, sectionIndex,
                sectionOffset, global, instructions, newRelocations, license, kernelVersion, funcInfo, lineInfo, coreRelocations);
    }

    /** This function with these {@code .BTF.ext} records (slots from its first instruction). */
    ProgramSpec withExtInfo(List<FuncInfo> newFuncInfo, List<LineInfo> newLineInfo, List<CoreRelocation> newCore) {
        return new ProgramSpec(name, sectionName, type, expectedAttachType, attachTarget, sectionDef, autoload, sectionIndex,
                sectionOffset, global, instructions, relocations, license, kernelVersion, newFuncInfo, newLineInfo, newCore);
    }

    /** Size in 8-byte instruction slots, as libbpf's {@code bpf_program__insn_cnt} counts. */
    public int slotCount() {
        return Instructions.slotCount(instructions);
    }

    /** True for functions in {@code .text}: subprograms, unless the object has no other function. */
    public boolean inText() {
        return ".text".equals(sectionName);
    }
}
