package dev.bpf4j.asm;

/**
 * The numbers of the BPF instruction set (RFC 9669 and the kernel's {@code linux/bpf.h}),
 * named as in the kernel without the {@code BPF_} prefix, and small helpers that take an
 * opcode apart.
 *
 * <p>An opcode is one byte: the low three bits are the class; for ALU and jump classes the
 * high four bits are the operation and bit 3 the source (register or immediate); for load
 * and store classes the high three bits are the mode and bits 3-4 the size.
 *
 * <pre>{@code
 * int opcode = Opcodes.ALU64 | Opcodes.ADD | Opcodes.K;          // 0x07: r1 += imm
 * assert Opcodes.instructionClass(opcode) == Opcodes.ALU64;
 * assert Opcodes.sizeInBytes(Opcodes.LDX | Opcodes.MEM | Opcodes.H) == 2;
 * }</pre>
 */
public final class Opcodes {
    private Opcodes() {
    }

    // ---- instruction classes (bits 0-2)
    public static final int LD = 0x00;
    public static final int LDX = 0x01;
    public static final int ST = 0x02;
    public static final int STX = 0x03;
    public static final int ALU = 0x04;
    public static final int JMP = 0x05;
    public static final int JMP32 = 0x06;
    public static final int ALU64 = 0x07;

    // ---- load/store sizes (bits 3-4)
    public static final int W = 0x00;
    public static final int H = 0x08;
    public static final int B = 0x10;
    public static final int DW = 0x18;

    // ---- load/store modes (bits 5-7)
    public static final int IMM = 0x00;
    /** Legacy packet load at a constant offset; the packet is implicitly r6's skb. */
    public static final int ABS = 0x20;
    /** Legacy packet load at a register plus constant offset. */
    public static final int IND = 0x40;
    public static final int MEM = 0x60;
    /** Sign-extending load (instruction set v4). */
    public static final int MEMSX = 0x80;
    public static final int ATOMIC = 0xc0;

    // ---- source (bit 3) of ALU and jump instructions
    /** The operand is the 32-bit immediate. */
    public static final int K = 0x00;
    /** The operand is the source register. */
    public static final int X = 0x08;
    /** Byte-swap direction of {@link #END} in class ALU: to little-endian. */
    public static final int TO_LE = 0x00;
    /** Byte-swap direction of {@link #END} in class ALU: to big-endian. */
    public static final int TO_BE = 0x08;

    // ---- ALU operations (bits 4-7)
    public static final int ADD = 0x00;
    public static final int SUB = 0x10;
    public static final int MUL = 0x20;
    /** Unsigned division, or signed with offset 1 (v4). */
    public static final int DIV = 0x30;
    public static final int OR = 0x40;
    public static final int AND = 0x50;
    public static final int LSH = 0x60;
    public static final int RSH = 0x70;
    public static final int NEG = 0x80;
    /** Unsigned modulo, or signed with offset 1 (v4). */
    public static final int MOD = 0x90;
    public static final int XOR = 0xa0;
    /** Move; with source X, offset 8/16/32 sign-extends (v4), offset 1 is addr_space_cast. */
    public static final int MOV = 0xb0;
    public static final int ARSH = 0xc0;
    /** Byte swap: le/be in class ALU, unconditional bswap in class ALU64 (v4). */
    public static final int END = 0xd0;

    // ---- jump operations (bits 4-7)
    public static final int JA = 0x00;
    public static final int JEQ = 0x10;
    public static final int JGT = 0x20;
    public static final int JGE = 0x30;
    public static final int JSET = 0x40;
    public static final int JNE = 0x50;
    public static final int JSGT = 0x60;
    public static final int JSGE = 0x70;
    public static final int CALL = 0x80;
    public static final int EXIT = 0x90;
    public static final int JLT = 0xa0;
    public static final int JLE = 0xb0;
    public static final int JSLT = 0xc0;
    public static final int JSLE = 0xd0;
    /** Conditional pseudo-jump ({@code may_goto}). */
    public static final int JCOND = 0xe0;

    // ---- atomic operations, carried in the immediate of STX|ATOMIC
    /** Or-ed into an atomic operation: the old value is returned in the source register. */
    public static final int FETCH = 0x01;
    /** Exchange; always fetches. */
    public static final int XCHG = 0xe0 | FETCH;
    /** Compare with r0 and exchange; always fetches into r0. */
    public static final int CMPXCHG = 0xf0 | FETCH;
    public static final int LOAD_ACQ = 0x100;
    public static final int STORE_REL = 0x110;

    // ---- whole opcodes that are tested for often
    /** The 16-byte 64-bit immediate load ({@code LD | IMM | DW}). */
    public static final int LD_IMM64 = LD | IMM | DW;
    /** {@code JMP | CALL | K}: helper, local (src 1) or kfunc (src 2) call. */
    public static final int CALL_INSN = JMP | CALL | K;
    /** {@code JMP | CALL | X}: call of the helper whose number is in dst. */
    public static final int CALLX_INSN = JMP | CALL | X;
    public static final int EXIT_INSN = JMP | EXIT | K;
    /** {@code JMP | JA}: goto with a 16-bit offset. */
    public static final int JA_INSN = JMP | JA | K;
    /** {@code JMP32 | JA}: gotol, whose 32-bit offset is in the immediate (v4). */
    public static final int JA32_INSN = JMP32 | JA | K;

    // ---- src_reg of ld_imm64: what the immediate means
    /** imm is a map file descriptor. */
    public static final int PSEUDO_MAP_FD = 1;
    /** imm is a map file descriptor, the second imm an offset into its value. */
    public static final int PSEUDO_MAP_VALUE = 2;
    /** imm is a BTF id of a kernel variable. */
    public static final int PSEUDO_BTF_ID = 3;
    /** imm is the relative address of a function. */
    public static final int PSEUDO_FUNC = 4;
    /** imm is an index into the program's map array. */
    public static final int PSEUDO_MAP_IDX = 5;
    /** imm is an index into the map array, the second imm an offset into its value. */
    public static final int PSEUDO_MAP_IDX_VALUE = 6;

    // ---- src_reg of call
    /** imm is the relative address of a subprogram. */
    public static final int PSEUDO_CALL = 1;
    /** imm is the BTF id of a kernel function. */
    public static final int PSEUDO_KFUNC_CALL = 2;

    /**
     * The helper number libbpf writes into an instruction whose CO-RE relocation failed
     * ("0xbad2310", bad relo): {@code call 0xbad2310} is harmless until executed, so a program
     * fails only if it reaches the instruction (the kernel says "invalid func unknown#195896080").
     */
    public static final int CORE_POISON_HELPER = 0xbad2310;

    // ---- taking an opcode apart

    /** The class, bits 0-2: one of {@link #LD} ... {@link #ALU64}. */
    public static int instructionClass(int opcode) {
        return opcode & 0x07;
    }

    /** The operation of an ALU or jump opcode, bits 4-7. */
    public static int operation(int opcode) {
        return opcode & 0xf0;
    }

    /** The source bit of an ALU or jump opcode: {@link #K} or {@link #X}. */
    public static int source(int opcode) {
        return opcode & 0x08;
    }

    /** The mode of a load or store opcode, bits 5-7. */
    public static int mode(int opcode) {
        return opcode & 0xe0;
    }

    /** The size field of a load or store opcode: {@link #W}, {@link #H}, {@link #B} or {@link #DW}. */
    public static int size(int opcode) {
        return opcode & 0x18;
    }

    /** Bytes accessed by a load or store opcode: 1, 2, 4 or 8. */
    public static int sizeInBytes(int opcode) {
        return switch (size(opcode)) {
            case W -> 4;
            case H -> 2;
            case B -> 1;
            default -> 8;
        };
    }

    /** Whether the opcode is the 16-byte ld_imm64, the only instruction two slots wide. */
    public static boolean isLoadImm64(int opcode) {
        return opcode == LD_IMM64;
    }

    /** Whether the class is ALU or ALU64. */
    public static boolean isAluClass(int opcode) {
        int c = instructionClass(opcode);
        return c == ALU || c == ALU64;
    }

    /** Whether the class is JMP or JMP32 (which includes call and exit). */
    public static boolean isJumpClass(int opcode) {
        int c = instructionClass(opcode);
        return c == JMP || c == JMP32;
    }

    /** Whether the class is LD, LDX, ST or STX. */
    public static boolean isLoadStoreClass(int opcode) {
        return instructionClass(opcode) <= STX;
    }
}
