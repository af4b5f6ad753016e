package dev.bpf4j.asm;

/**
 * Bytes that cannot be split into instructions: a length that is not a multiple of 8, or
 * an ld_imm64 without a valid second half. Only the framing is checked; an unknown opcode
 * is not an error here (that is a verifier's business).
 *
 * <pre>{@code
 * try {
 *     Instructions.decode(bytes, 0, bytes.length, ByteOrder.LITTLE_ENDIAN);
 * } catch (InstructionFormatException e) {
 *     System.err.println("bad instruction at slot " + e.slot() + ": " + e.getMessage());
 * }
 * }</pre>
 */
public final class InstructionFormatException extends RuntimeException {
    private final int slot;

    InstructionFormatException(int slot, String detail) {
        super("insn #" + slot + ": " + detail);
        this.slot = slot;
    }

    /** The 8-byte slot index, from the start of the decoded range, of the faulty instruction. */
    public int slot() {
        return slot;
    }
}
