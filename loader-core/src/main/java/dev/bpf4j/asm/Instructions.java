package dev.bpf4j.asm;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Converts between the wire format of BPF code (8-byte slots) and {@link Instruction}s.
 *
 * <p>A slot is {@code opcode:8 regs:8 offset:16 imm:32}, each multi-byte field in the
 * object's byte order. The register byte follows the C bit-field layout of
 * {@code struct bpf_insn}: in little-endian objects dst is the low nibble and src the high
 * one, in big-endian objects (bpfeb) the other way round. An ld_imm64 is followed by a
 * slot whose opcode, registers and offset are zero and whose imm is the high half of the
 * constant.
 *
 * <pre>{@code
 * List<Instruction> insns = Instructions.decode(section, 0, section.length, ByteOrder.LITTLE_ENDIAN);
 * byte[] again = Instructions.encode(insns, ByteOrder.LITTLE_ENDIAN);   // equal to section
 * }</pre>
 */
public final class Instructions {
    /** Bytes per slot. */
    public static final int SLOT_SIZE = 8;

    private Instructions() {
    }

    /**
     * Decodes {@code length} bytes starting at {@code offset}. Any opcode is accepted; only
     * the framing is checked.
     *
     * @return an immutable list, without references, holding a copy of the bytes
     * @throws InstructionFormatException if length is not a multiple of 8, or an ld_imm64
     *         lacks its second half or has a second half with non-zero opcode, registers or offset
     * @throws IllegalArgumentException if the range lies outside {@code bytes}
     */
    public static InstructionList decode(byte[] bytes, int offset, int length, ByteOrder order) {
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(order, "order");
        if (offset < 0 || length < 0 || offset > bytes.length - length)
            throw new IllegalArgumentException(String.format(
                    "range offset %d length %d is outside the array of %d bytes", offset, length, bytes.length));
        int slots = length / SLOT_SIZE;
        if (length % SLOT_SIZE != 0)
            throw new InstructionFormatException(slots, String.format(
                    "truncated instruction: length %d is not a multiple of 8 (%d bytes left over)",
                    length, length % SLOT_SIZE));
        boolean big = order == ByteOrder.BIG_ENDIAN;
        // Check the framing once, keep the bytes: instructions are decoded when someone asks.
        int count = 0;
        for (int slot = 0; slot < slots; count++) {
            int p = offset + slot * SLOT_SIZE;
            if ((bytes[p] & 0xff) != Opcodes.LD_IMM64) {
                slot++;
                continue;
            }
            if (slot + 1 >= slots)
                throw missingSecondHalf(slot);
            int q = p + SLOT_SIZE;
            if (bytes[q] != 0 || bytes[q + 1] != 0 || bytes[q + 2] != 0 || bytes[q + 3] != 0)
                throw badSecondHalf(bytes, q, slot, big);
            slot += 2;
        }
        int[] starts = new int[count];
        for (int i = 0, slot = 0; i < count; i++) {
            starts[i] = slot;
            slot += (bytes[offset + slot * SLOT_SIZE] & 0xff) == Opcodes.LD_IMM64 ? 2 : 1;
        }
        return InstructionList.trusted(Arrays.copyOfRange(bytes, offset, offset + length), order, starts);
    }

    /** The instruction whose first slot starts at byte {@code p} (framing already checked). */
    static Instruction decodeAt(byte[] bytes, int p, ByteOrder order, Reference reference) {
        boolean big = order == ByteOrder.BIG_ENDIAN;
        int opcode = bytes[p] & 0xff;
        int regs = bytes[p + 1] & 0xff;
        int dst = big ? regs >>> 4 : regs & 0xf;
        int src = big ? regs & 0xf : regs >>> 4;
        short off = (short) read16(bytes, p + 2, big);
        int imm = read32(bytes, p + 4, big);
        long constant = opcode == Opcodes.LD_IMM64 ? (long) read32(bytes, p + SLOT_SIZE + 4, big) << 32 | imm & 0xffffffffL : imm;
        return new Instruction(opcode, dst, src, off, constant, reference);
    }

    /** Writes one instruction (both slots of an ld_imm64) at byte {@code p}. */
    static void encodeAt(Instruction insn, byte[] out, int p, ByteOrder order) {
        boolean big = order == ByteOrder.BIG_ENDIAN;
        out[p] = (byte) insn.opcode();
        out[p + 1] = (byte) (big ? insn.dst() << 4 | insn.src() : insn.src() << 4 | insn.dst());
        write16(out, p + 2, insn.offset(), big);
        write32(out, p + 4, insn.imm(), big);
        if (insn.isLoadImm64()) {
            // The second half's opcode, registers and offset stay zero, as decode demands.
            out[p + 8] = 0;
            out[p + 9] = 0;
            write16(out, p + 10, 0, big);
            write32(out, p + 12, insn.imm2(), big);
        }
    }

    private static InstructionFormatException missingSecondHalf(int slot) {
        return new InstructionFormatException(slot, "ld_imm64 is missing its second half");
    }

    private static InstructionFormatException badSecondHalf(byte[] bytes, int q, int slot, boolean big) {
        return new InstructionFormatException(slot, String.format(
                "second half of ld_imm64 (slot %d) must have opcode, registers and offset 0, "
                        + "found opcode 0x%02x, registers 0x%02x, offset %d",
                slot + 1, bytes[q] & 0xff, bytes[q + 1] & 0xff, (short) read16(bytes, q + 2, big)));
    }



    /** Decodes a whole array; see {@link #decode(byte[], int, int, ByteOrder)}. */
    public static InstructionList decode(byte[] bytes, ByteOrder order) {
        return decode(bytes, 0, bytes.length, order);
    }

    /** Encodes instructions into {@code 8 * slotCount(insns)} bytes. References are not encoded. */
    public static byte[] encode(List<Instruction> insns, ByteOrder order) {
        Objects.requireNonNull(order, "order");
        if (insns instanceof InstructionList l && l.byteOrder() == order)
            return l.toBytes();
        byte[] out = new byte[slotCount(insns) * SLOT_SIZE];
        int p = 0;
        for (Instruction insn : insns) {
            encodeAt(insn, out, p, order);
            p += insn.width() * SLOT_SIZE;
        }
        return out;
    }

    /** Number of 8-byte slots the instructions occupy. */
    public static int slotCount(List<Instruction> insns) {
        if (insns instanceof InstructionList l)
            return l.slotCount();
        int n = 0;
        for (Instruction insn : insns)
            n += insn.width();
        return n;
    }

    /** The index/slot translation of these instructions; see {@link SlotMap}. */
    public static SlotMap slotMap(List<Instruction> insns) {
        return SlotMap.of(insns);
    }

    private static int read16(byte[] b, int p, boolean big) {
        return big ? (b[p] & 0xff) << 8 | b[p + 1] & 0xff
                   : (b[p + 1] & 0xff) << 8 | b[p] & 0xff;
    }

    private static int read32(byte[] b, int p, boolean big) {
        return big ? (b[p] & 0xff) << 24 | (b[p + 1] & 0xff) << 16 | (b[p + 2] & 0xff) << 8 | b[p + 3] & 0xff
                   : (b[p + 3] & 0xff) << 24 | (b[p + 2] & 0xff) << 16 | (b[p + 1] & 0xff) << 8 | b[p] & 0xff;
    }

    private static void write16(byte[] b, int p, int v, boolean big) {
        b[big ? p : p + 1] = (byte) (v >>> 8);
        b[big ? p + 1 : p] = (byte) v;
    }

    private static void write32(byte[] b, int p, int v, boolean big) {
        for (int i = 0; i < 4; i++)
            b[big ? p + 3 - i : p + i] = (byte) (v >>> 8 * i);
    }
}
