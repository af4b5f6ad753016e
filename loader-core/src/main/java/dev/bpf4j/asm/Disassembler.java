package dev.bpf4j.asm;

import java.nio.ByteOrder;
import java.util.List;
import java.util.Objects;

import static dev.bpf4j.asm.Opcodes.*;

/**
 * Prints instructions in the syntax of LLVM's BPF back end, so that our listings read like
 * {@code llvm-objdump -d}: {@code r1 = *(u32 *)(r1 + 4)}, {@code if w1 s< 3 goto -2},
 * {@code r0 = 0 ll}, {@code lock *(u64 *)(r1 + 0) += r2}. The v4 instructions use LLVM 18's
 * syntax ({@code r1 = (s8)r2}, {@code r1 s/= r2}, {@code r1 = bswap16 r1},
 * {@code gotol +100000}); store-immediate, {@code jset}, {@code may_goto},
 * {@code addr_space_cast}, {@code load_acquire} and {@code store_release} use later LLVM
 * releases' syntax.
 *
 * <p>Where LLVM prints nothing useful we chose (and pin in tests):
 * <ul>
 * <li>ld_imm64 with a pseudo src_reg (set by libbpf, never by clang) prints in bpftool's
 *     words: {@code r1 = map[fd:5] ll}, {@code r1 = map[fd:5][0]+8 ll},
 *     {@code r1 = btf_id[5] ll}, {@code r1 = subprog[+5] ll}, {@code r1 = map[idx:5] ll},
 *     {@code r1 = map[idx:5]+8 ll}; an undefined src_reg prints
 *     {@code r1 = pseudo7[5, 0] ll} (both immediates). LLVM prints {@code ld_pseudo r1, 1, 5}.</li>
 * <li>{@code callx} names dst, as the kernel and LLVM 19+ do (LLVM 14 read imm).</li>
 * <li>A legacy indirect packet load with a non-zero imm prints {@code skb[r2 + 4]}; LLVM
 *     drops the imm.</li>
 * <li>32-bit atomics other than {@code lock ... +=} exist in LLVM only with the alu32
 *     feature, and always print {@code w} registers.</li>
 * <li>Registers 11-15 print as {@code r11}..{@code r15}; LLVM refuses them.</li>
 * <li>An opcode (or offset/imm selector) that defines no instruction prints
 *     {@code <unknown opcode 0xNN>}.</li>
 * </ul>
 * A {@link Reference} is appended as a comment: {@code r1 = 0 ll  ; map: counters},
 * {@code ; map value: .data+8}, {@code ; func: sub}, {@code ; extern: bpf_foo}.
 *
 * <pre>{@code
 * Disassembler.format(Instruction.of(0x07, 1, 0, 0, -1));     // "r1 += -1"
 * System.out.print(Disassembler.listing(insns));               // "       0:\tr1 = 0\n..."
 * System.out.print(Disassembler.listing(insns, Disassembler.Options.OBJDUMP));
 * // "       0:\tb7 01 00 00 00 00 00 00\tr1 = 0\n..."
 * }</pre>
 */
public final class Disassembler {
    private Disassembler() {
    }

    /**
     * How {@link #listing(List, Options)} lays out lines, and one syntax switch.
     *
     * @param slotNumbers print the slot number first, as llvm-objdump does ({@code "%8d:\t"})
     * @param rawBytes    print the instruction's bytes (16 for ld_imm64) before the text
     * @param byteOrder   the order of the raw bytes
     * @param alu32       print sub-64-bit loads, stores and atomic adds with {@code w}
     *                    registers, like {@code llvm-objdump --mattr=+alu32}
     * @param firstSlot   the slot number of the first instruction, for listing a function
     *                    in the middle of a section
     */
    public record Options(boolean slotNumbers, boolean rawBytes, ByteOrder byteOrder, boolean alu32, int firstSlot) {
        /** Slot numbers, no raw bytes: like {@code llvm-objdump -d --no-show-raw-insn}. */
        public static final Options DEFAULT = new Options(true, false, ByteOrder.LITTLE_ENDIAN, false, 0);
        /** Slot numbers and little-endian raw bytes: like {@code llvm-objdump -d}. */
        public static final Options OBJDUMP = new Options(true, true, ByteOrder.LITTLE_ENDIAN, false, 0);
        /** Just the instruction text, one a line. */
        public static final Options PLAIN = new Options(false, false, ByteOrder.LITTLE_ENDIAN, false, 0);

        public Options {
            Objects.requireNonNull(byteOrder, "byteOrder");
        }

        public Options withSlotNumbers(boolean on) {
            return new Options(on, rawBytes, byteOrder, alu32, firstSlot);
        }

        public Options withRawBytes(boolean on) {
            return new Options(slotNumbers, on, byteOrder, alu32, firstSlot);
        }

        public Options withByteOrder(ByteOrder order) {
            return new Options(slotNumbers, rawBytes, order, alu32, firstSlot);
        }

        public Options withAlu32(boolean on) {
            return new Options(slotNumbers, rawBytes, byteOrder, on, firstSlot);
        }

        public Options withFirstSlot(int slot) {
            return new Options(slotNumbers, rawBytes, byteOrder, alu32, slot);
        }
    }

    /** The text of one instruction, with its reference comment if it has one. */
    public static String format(Instruction insn) {
        return format(insn, false);
    }

    /** The text of one instruction; {@code alu32} as in {@link Options#alu32()}. */
    public static String format(Instruction insn, boolean alu32) {
        String text = text(insn, alu32);
        Reference r = insn.reference();
        return r == null ? text : text + "  ; " + describe(r);
    }

    /** One line per instruction, each ending in a newline, laid out as {@link Options#DEFAULT}. */
    public static String listing(List<Instruction> insns) {
        return listing(insns, Options.DEFAULT);
    }

    /** One line per instruction, each ending in a newline. */
    public static String listing(List<Instruction> insns, Options options) {
        StringBuilder sb = new StringBuilder();
        int slot = options.firstSlot();
        for (Instruction insn : insns) {
            if (options.slotNumbers())
                sb.append(String.format("%8d:\t", slot));
            if (options.rawBytes()) {
                byte[] raw = Instructions.encode(List.of(insn), options.byteOrder());
                for (int i = 0; i < raw.length; i++)
                    sb.append(i == 0 ? "" : " ").append(String.format("%02x", raw[i] & 0xff));
                sb.append('\t');
            }
            sb.append(format(insn, options.alu32())).append('\n');
            slot += insn.width();
        }
        return sb.toString();
    }

    private static String describe(Reference r) {
        if (r instanceof Reference.Map m)
            return "map: " + m.name();
        if (r instanceof Reference.MapValue v)
            return "map value: " + v.map() + "+" + v.offset();
        if (r instanceof Reference.Function f)
            return "func: " + f.name();
        if (r instanceof Reference.Extern e)
            return "extern: " + e.name();
        if (r instanceof Reference.CorePoison p)
            return "CO-RE relo #" + p.relocation() + " failed: " + p.reason();
        throw new AssertionError(r);
    }

    // ---- the instruction text

    private static String text(Instruction insn, boolean alu32) {
        String s = switch (instructionClass(insn.opcode())) {
            case LD -> ld(insn);
            case LDX -> ldx(insn, alu32);
            case ST -> st(insn);
            case STX -> stx(insn, alu32);
            case ALU, ALU64 -> alu(insn);
            default -> jmp(insn);
        };
        return s != null ? s : unknown(insn);
    }

    private static String unknown(Instruction insn) {
        return String.format("<unknown opcode 0x%02x>", insn.opcode());
    }

    private static String reg(int n, boolean w) {
        return (w ? "w" : "r") + n;
    }

    private static String type(int opcode, boolean signed) {
        return (signed ? "s" : "u") + 8 * sizeInBytes(opcode);
    }

    /** {@code (r1 + 4)}, {@code (r10 - 8)}: LLVM's memory operand. */
    private static String address(int base, short offset) {
        return "r" + base + (offset >= 0 ? " + " + offset : " - " + -offset);
    }

    private static String target(int delta) {
        return delta >= 0 ? "+" + delta : Integer.toString(delta);
    }

    private static String ld(Instruction insn) {
        int op = insn.opcode();
        int size = size(op);
        switch (mode(op)) {
            case IMM:
                return size == DW ? ldImm64(insn) : null;
            case ABS:
                return size == DW ? null : "r0 = *(" + type(op, false) + " *)skb[" + insn.imm() + "]";
            case IND:
                if (size == DW)
                    return null;
                String index = "r" + insn.src() + (insn.imm() == 0 ? ""
                        : insn.imm() > 0 ? " + " + insn.imm() : " - " + -(long) insn.imm());
                return "r0 = *(" + type(op, false) + " *)skb[" + index + "]";
            default:
                return null;
        }
    }

    private static String ldImm64(Instruction insn) {
        String dst = "r" + insn.dst() + " = ";
        int imm = insn.imm();
        int imm2 = insn.imm2();
        String value = switch (insn.src()) {
            case 0 -> Long.toString(insn.constant());
            case PSEUDO_MAP_FD -> "map[fd:" + imm + "]";
            case PSEUDO_MAP_VALUE -> "map[fd:" + imm + "][0]+" + imm2;
            case PSEUDO_BTF_ID -> "btf_id[" + imm + "]";
            case PSEUDO_FUNC -> "subprog[" + target(imm) + "]";
            case PSEUDO_MAP_IDX -> "map[idx:" + imm + "]";
            case PSEUDO_MAP_IDX_VALUE -> "map[idx:" + imm + "]+" + imm2;
            default -> "pseudo" + insn.src() + "[" + imm + ", " + imm2 + "]";
        };
        return dst + value + " ll";
    }

    private static String ldx(Instruction insn, boolean alu32) {
        int op = insn.opcode();
        String from = " *)(" + address(insn.src(), insn.offset()) + ")";
        return switch (mode(op)) {
            case MEM -> reg(insn.dst(), alu32 && size(op) != DW) + " = *(" + type(op, false) + from;
            case MEMSX -> size(op) == DW ? null : reg(insn.dst(), false) + " = *(" + type(op, true) + from;
            default -> null;
        };
    }

    private static String st(Instruction insn) {
        int op = insn.opcode();
        if (mode(op) != MEM)
            return null;
        return "*(" + type(op, false) + " *)(" + address(insn.dst(), insn.offset()) + ") = " + insn.imm();
    }

    private static String stx(Instruction insn, boolean alu32) {
        int op = insn.opcode();
        boolean dw = size(op) == DW;
        String mem = address(insn.dst(), insn.offset());
        if (mode(op) == MEM)
            return "*(" + type(op, false) + " *)(" + mem + ") = " + reg(insn.src(), alu32 && !dw);
        if (mode(op) != ATOMIC)
            return null;
        int imm = insn.imm();
        String ptr = "(" + type(op, false) + " *)(" + mem + ")";
        if (imm == LOAD_ACQ)
            return reg(insn.dst(), !dw) + " = load_acquire((" + type(op, false) + " *)("
                    + address(insn.src(), insn.offset()) + "))";
        if (imm == STORE_REL)
            return "store_release(" + ptr + ", " + reg(insn.src(), !dw) + ")";
        if (size(op) != DW && size(op) != W)
            return null;
        // LLVM knows a 32-bit form only under alu32, and prints it with w registers; the one
        // exception is the old xadd (lock ... +=), which has a 64-bit-register form too.
        String val = reg(insn.src(), !dw);
        String bits = dw ? "64" : "32";
        switch (imm) {
            case ADD:
                return "lock *" + ptr + " += " + reg(insn.src(), !dw && alu32);
            case OR:
            case AND:
            case XOR:
                return "lock *" + ptr + " " + aluSymbol(imm) + "= " + val;
            case ADD | FETCH:
            case OR | FETCH:
            case AND | FETCH:
            case XOR | FETCH:
                return val + " = atomic_fetch_" + atomicName(imm & ~FETCH) + "(" + ptr + ", " + val + ")";
            case XCHG:
                return val + " = xchg" + (dw ? "" : "32") + "_" + bits + "(" + mem + ", " + val + ")";
            case CMPXCHG: {
                String r0 = reg(0, !dw);
                return r0 + " = cmpxchg" + (dw ? "" : "32") + "_" + bits + "(" + mem + ", " + r0 + ", " + val + ")";
            }
            default:
                return null;
        }
    }

    private static String atomicName(int op) {
        return switch (op) {
            case ADD -> "add";
            case OR -> "or";
            case AND -> "and";
            default -> "xor";
        };
    }

    /** The C operator of an ALU operation that has one. */
    private static String aluSymbol(int op) {
        return switch (op) {
            case ADD -> "+";
            case SUB -> "-";
            case MUL -> "*";
            case DIV -> "/";
            case OR -> "|";
            case AND -> "&";
            case LSH -> "<<";
            case RSH -> ">>";
            case MOD -> "%";
            case XOR -> "^";
            case ARSH -> "s>>";
            default -> null;
        };
    }

    private static String alu(Instruction insn) {
        int opcode = insn.opcode();
        boolean w = instructionClass(opcode) == ALU;
        boolean x = source(opcode) == X;
        int op = operation(opcode);
        int off = insn.offset();
        String dst = reg(insn.dst(), w);
        String operand = x ? reg(insn.src(), w) : Integer.toString(insn.imm());
        switch (op) {
            case ADD, SUB, MUL, OR, AND, LSH, RSH, XOR, ARSH:
                return off == 0 ? dst + " " + aluSymbol(op) + "= " + operand : null;
            case DIV, MOD:
                if (off == 0)
                    return dst + " " + aluSymbol(op) + "= " + operand;
                return off == 1 ? dst + " s" + aluSymbol(op) + "= " + operand : null;
            case NEG:
                return x ? null : dst + " = -" + dst;
            case MOV:
                if (!x || off == 0)
                    return off == 0 ? dst + " = " + operand : null;
                if (off == 8 || off == 16 || off == 32 && !w)
                    return dst + " = (s" + off + ")" + operand;
                if (off == 1 && !w)
                    return dst + " = addr_space_cast(" + operand + ", " + (insn.imm() >>> 16) + ", "
                            + (insn.imm() & 0xffff) + ")";
                return null;
            case END: {
                int bits = insn.imm();
                if (bits != 16 && bits != 32 && bits != 64)
                    return null;
                String r = "r" + insn.dst();
                if (w)
                    return r + " = " + (x ? "be" : "le") + bits + " " + r;
                return x ? null : r + " = bswap" + bits + " " + r;
            }
            default:
                return null;
        }
    }

    private static String jmp(Instruction insn) {
        int opcode = insn.opcode();
        boolean w = instructionClass(opcode) == JMP32;
        boolean x = source(opcode) == X;
        int op = operation(opcode);
        String cond = switch (op) {
            case JEQ -> "==";
            case JGT -> ">";
            case JGE -> ">=";
            case JSET -> "&";
            case JNE -> "!=";
            case JSGT -> "s>";
            case JSGE -> "s>=";
            case JLT -> "<";
            case JLE -> "<=";
            case JSLT -> "s<";
            case JSLE -> "s<=";
            default -> null;
        };
        if (cond != null)
            return "if " + reg(insn.dst(), w) + " " + cond + " "
                    + (x ? reg(insn.src(), w) : Integer.toString(insn.imm())) + " goto " + target(insn.offset());
        if (x)
            return w || op != CALL ? null : "callx r" + insn.dst();
        return switch (op) {
            case JA -> w ? "gotol " + target(insn.imm()) : "goto " + target(insn.offset());
            case CALL -> w ? null : "call " + insn.imm();
            case EXIT -> w ? null : "exit";
            case JCOND -> w ? null : "may_goto " + target(insn.offset());
            default -> null;
        };
    }
}
