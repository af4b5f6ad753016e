package dev.bpf4j.emulator;

/**
 * A run of a BPF program stopped because the program did something the emulator kernel
 * refuses: an access outside its memory regions or against their permissions, a jump out
 * of the program, too deep a call chain, an unknown helper, an exhausted instruction
 * budget. The message names the instruction slot and, for memory faults, the address and
 * the nearest region, so that a reader can find the culprit in a disassembly.
 *
 * <pre>{@code
 * try {
 *     vm.run(state);
 * } catch (VmFault f) {
 *     System.err.println(f.getMessage()); // "instruction 3: r1+0x14: 4-byte read at 0x100000000014 is ..."
 *     int culprit = f.slot();
 * }
 * }</pre>
 */
public final class VmFault extends RuntimeException {
    /** What went wrong, for callers that react differently (a test, a verifier comparing notes). */
    public enum Kind {
        /** A load or store outside every region, or across a region's end. */
        OUT_OF_REGION,
        /** A store into a read-only region. */
        READ_ONLY,
        /** A local call beyond the frame limit. */
        CALL_DEPTH,
        /** The instruction budget ran out. */
        BUDGET,
        /** A call of a helper the run does not provide. */
        UNKNOWN_HELPER,
        /** A jump or call whose target is outside the program or inside an ld_imm64. */
        BAD_JUMP,
        /** The last instruction was not an exit, and execution ran past it. */
        FELL_OFF,
        /** An opcode or encoding the VM does not execute. */
        INVALID_INSTRUCTION,
        /** An atomic operation on an address that is not a multiple of its size. */
        MISALIGNED,
        /** A helper called with arguments the kernel's verifier would have refused (a wrong map type, a bad callback). */
        HELPER_ARGUMENT,
        /**
         * A poisoned instruction was reached: {@code call 0xbad2310}, which the linker put where
         * a CO-RE relocation failed (the message names the relocation and why).
         */
        CORE_POISON
    }

    private final Kind kind;
    private final int slot;

    /** @param slot the slot (8-byte instruction index) that faulted, or -1 when no instruction ran */
    public VmFault(Kind kind, int slot, String message) {
        super(slot < 0 ? message : "instruction " + slot + ": " + message);
        this.kind = kind;
        this.slot = slot;
    }

    public Kind kind() {
        return kind;
    }

    /** The slot of the faulting instruction, counted in 8-byte units, or -1. */
    public int slot() {
        return slot;
    }
}
