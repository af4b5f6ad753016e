package dev.bpf4j.emulator;

import dev.bpf4j.asm.Instruction;

/**
 * Gives the 64-bit value that an ld_imm64 with a pseudo source (map fd, map value,
 * BTF id, function, map index) loads: the address of a map's value region, a map handle,
 * and so on. It is asked once per such instruction, when the {@link Vm} decodes the
 * program; plain ld_imm64 (src 0) loads its constant without asking.
 *
 * <pre>{@code
 * ConstantResolver maps = insn -> insn.src() == Opcodes.PSEUDO_MAP_VALUE
 *         ? valueRegion.base() + insn.imm2() : insn.constant();
 * }</pre>
 */
@FunctionalInterface
public interface ConstantResolver {
    /** Loads the constant as written: what a program without relocations expects. */
    ConstantResolver AS_WRITTEN = Instruction::constant;

    long resolve(Instruction ldImm64);
}
