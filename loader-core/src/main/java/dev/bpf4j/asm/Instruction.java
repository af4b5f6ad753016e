package dev.bpf4j.asm;

/**
 * One logical BPF instruction. An ld_imm64 (opcode {@code 0x18}) occupies two 8-byte slots
 * but is one instruction of {@link #width() width} 2, whose {@code constant} is the whole
 * 64-bit value ({@code (long) imm2 << 32 | imm1 & 0xffffffffL}); for every other
 * instruction {@code constant} is the sign-extended 32-bit immediate, and the constructor
 * refuses anything wider, so that encoding never loses bits.
 *
 * <p>{@code reference} is {@code null} when the instruction points at nothing symbolic;
 * otherwise it names the map, variable, function or extern that a relocation attached.
 * It takes part in {@code equals}, and is never encoded.
 *
 * <pre>{@code
 * var insn = Instruction.of(Opcodes.ALU64 | Opcodes.MOV | Opcodes.K, 1, 0, 0, 42); // r1 = 42
 * var load = Instruction.loadImm64(1, 0).withReference(new Reference.Map("counters"));
 * assert load.width() == 2 && insn.imm() == 42;
 * }</pre>
 *
 * @param opcode    the opcode byte, 0-255
 * @param dst       the destination register, 0-15
 * @param src       the source register (or pseudo kind of ld_imm64 and call), 0-15
 * @param offset    the signed 16-bit offset
 * @param constant  the immediate: 64 bits for ld_imm64, a sign-extended int otherwise
 * @param reference the symbolic target, or {@code null} for none
 */
public record Instruction(int opcode, int dst, int src, short offset, long constant, Reference reference) {

    public Instruction {
        if ((opcode & ~0xff) != 0)
            throw new IllegalArgumentException("opcode " + opcode + " is not a byte");
        if ((dst & ~0xf) != 0)
            throw new IllegalArgumentException("dst register " + dst + " is outside 0-15");
        if ((src & ~0xf) != 0)
            throw new IllegalArgumentException("src register " + src + " is outside 0-15");
        if (!Opcodes.isLoadImm64(opcode) && constant != (int) constant)
            throw new IllegalArgumentException(String.format(
                    "constant 0x%x of opcode 0x%02x does not fit the 32-bit immediate", constant, opcode));
    }

    /** An instruction without reference; {@code offset} must fit a signed 16-bit value. */
    public static Instruction of(int opcode, int dst, int src, int offset, long constant) {
        if (offset != (short) offset)
            throw new IllegalArgumentException("offset " + offset + " does not fit 16 bits");
        return new Instruction(opcode, dst, src, (short) offset, constant, null);
    }

    /** {@code dst = value ll}: a plain ld_imm64 (src 0). */
    public static Instruction loadImm64(int dst, long value) {
        return new Instruction(Opcodes.LD_IMM64, dst, 0, (short) 0, value, null);
    }

    /** Slots (8-byte units) the instruction occupies: 2 for ld_imm64, else 1. */
    public int width() {
        return Opcodes.isLoadImm64(opcode) ? 2 : 1;
    }

    /** The (first) 32-bit immediate: the low half of {@code constant}. */
    public int imm() {
        return (int) constant;
    }

    /** The second immediate of an ld_imm64 (the high half); for others the sign of imm, 0 or -1. */
    public int imm2() {
        return (int) (constant >>> 32);
    }

    public Instruction withReference(Reference r) {
        return new Instruction(opcode, dst, src, offset, constant, r);
    }

    /** A copy with another constant; it must fit 32 bits unless this is an ld_imm64. */
    public Instruction withConstant(long c) {
        return new Instruction(opcode, dst, src, offset, c, reference);
    }

    /** A copy with another offset, which must fit a signed 16-bit value. */
    public Instruction withOffset(int off) {
        if (off != (short) off)
            throw new IllegalArgumentException("offset " + off + " does not fit 16 bits");
        return new Instruction(opcode, dst, src, (short) off, constant, reference);
    }

    /** A copy with another src field (how libbpf marks ld_imm64 and call pseudo kinds). */
    public Instruction withSrc(int s) {
        return new Instruction(opcode, dst, s, offset, constant, reference);
    }

    public boolean isLoadImm64() {
        return Opcodes.isLoadImm64(opcode);
    }

    /** Any {@code call} (opcode 0x85): helper, local or kfunc. */
    public boolean isCall() {
        return opcode == Opcodes.CALL_INSN;
    }

    /** A helper call: opcode 0x85 with src 0. */
    public boolean isHelperCall() {
        return opcode == Opcodes.CALL_INSN && src == 0;
    }

    /** A call of a subprogram: opcode 0x85 with src 1; imm is relative to the next slot. */
    public boolean isLocalCall() {
        return opcode == Opcodes.CALL_INSN && src == Opcodes.PSEUDO_CALL;
    }

    /** A kfunc call: opcode 0x85 with src 2; imm is a BTF id. */
    public boolean isKfuncCall() {
        return opcode == Opcodes.CALL_INSN && src == Opcodes.PSEUDO_KFUNC_CALL;
    }

    /** {@code callx}: opcode 0x8d, the helper number is in dst. */
    public boolean isCallx() {
        return opcode == Opcodes.CALLX_INSN;
    }

    public boolean isExit() {
        return opcode == Opcodes.EXIT_INSN;
    }

    /**
     * A pc-relative branch: goto, gotol, may_goto or a conditional jump (not call or exit).
     * Its target is {@link #jumpOffset()} slots after the slot following it.
     */
    public boolean isJump() {
        int cls = Opcodes.instructionClass(opcode);
        if (cls != Opcodes.JMP && cls != Opcodes.JMP32)
            return false;
        int op = Opcodes.operation(opcode);
        return switch (op) {
            case Opcodes.JA -> Opcodes.source(opcode) == Opcodes.K;
            case Opcodes.CALL, Opcodes.EXIT, 0xf0 -> false;
            case Opcodes.JCOND -> cls == Opcodes.JMP && Opcodes.source(opcode) == Opcodes.K;
            default -> true;
        };
    }

    /** A jump that may fall through: {@link #isJump()} but not goto or gotol. */
    public boolean isConditionalJump() {
        return isJump() && Opcodes.operation(opcode) != Opcodes.JA;
    }

    /**
     * The distance of a {@link #isJump() jump} in slots, counted from the next slot: the
     * immediate for gotol (JMP32 | JA), the offset for every other jump.
     */
    public int jumpOffset() {
        return opcode == Opcodes.JA32_INSN ? imm() : offset;
    }
}
