package dev.bpf4j.asm;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

import java.io.ByteArrayOutputStream;
import java.nio.ByteOrder;
import java.util.List;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The laws of the codec, tried against random instruction streams and random garbage. */
class InstructionsProperties {

    @Property
    void encodeOfDecodeGivesBackTheBytes(@ForAll("validStreams") byte[] bytes, @ForAll("orders") ByteOrder order) {
        List<Instruction> insns = Instructions.decode(bytes, 0, bytes.length, order);
        assertArrayEquals(bytes, Instructions.encode(insns, order));
        assertEquals(bytes.length / 8, Instructions.slotCount(insns));
    }

    @Property
    void decodeOfEncodeGivesBackTheInstructions(@ForAll("instructionLists") List<Instruction> insns,
                                                @ForAll("orders") ByteOrder order) {
        assertEquals(insns, Instructions.decode(Instructions.encode(insns, order), order));
    }

    /** Big-endian is little-endian with every field byte-swapped and the register nibbles exchanged. */
    @Property
    void bigEndianIsLittleEndianWithFieldsSwapped(@ForAll("validStreams") byte[] bytes) {
        assertEquals(Instructions.decode(bytes, BIG_ENDIAN), Instructions.decode(swapFields(bytes), LITTLE_ENDIAN));
    }

    @Property
    void garbageDecodesOrThrowsOnlyInstructionFormatException(@ForAll("garbage") byte[] bytes,
                                                              @ForAll @IntRange(max = 24) int skip,
                                                              @ForAll("orders") ByteOrder order) {
        int offset = Math.min(skip, bytes.length);
        int length = bytes.length - offset;
        try {
            List<Instruction> insns = Instructions.decode(bytes, offset, length, order);
            assertEquals(length, Instructions.slotCount(insns) * 8);
            byte[] again = Instructions.encode(insns, order);
            for (int i = 0; i < length; i++)
                assertEquals(bytes[offset + i], again[i]);
        } catch (InstructionFormatException e) {
            assertTrue(e.slot() >= 0 && e.slot() <= length / 8, e.getMessage());
            assertTrue(e.getMessage().startsWith("insn #" + e.slot() + ": "), e.getMessage());
        }
    }

    @Property
    void slotMapIsConsistentWithTheEncoding(@ForAll("instructionLists") List<Instruction> insns) {
        SlotMap map = Instructions.slotMap(insns);
        assertEquals(Instructions.encode(insns, LITTLE_ENDIAN).length / 8, map.slotCount());
        int starts = 0;
        for (int slot = 0; slot <= map.slotCount(); slot++) {
            int index = map.indexAt(slot);
            if (index >= 0) {
                starts++;
                assertEquals(slot, map.slotOf(index));
            } else {
                assertTrue(insns.get(map.indexAt(slot - 1)).isLoadImm64(), "only a second half has no index");
            }
        }
        assertEquals(insns.size() + 1, starts);
    }

    /** The disassembler accepts any instruction and says something for each. */
    @Property
    void disassemblerFormatsEveryInstruction(@ForAll("instructions") Instruction insn, @ForAll boolean alu32) {
        String text = Disassembler.format(insn, alu32);
        assertTrue(!text.isEmpty() && !text.contains("null") && !text.contains("\n"), text);
        if (text.startsWith("<unknown"))
            assertEquals(String.format("<unknown opcode 0x%02x>", insn.opcode()), text);
    }

    // ---- generators

    @Provide
    Arbitrary<ByteOrder> orders() {
        return Arbitraries.of(LITTLE_ENDIAN, BIG_ENDIAN);
    }

    /** Streams that decode: any slots, each ld_imm64 followed by a second half with zero fields. */
    @Provide
    Arbitrary<byte[]> validStreams() {
        Arbitrary<byte[]> plain = Arbitraries.bytes().array(byte[].class).ofSize(8)
                .filter(b -> (b[0] & 0xff) != Opcodes.LD_IMM64);
        Arbitrary<byte[]> wide = Arbitraries.bytes().array(byte[].class).ofSize(11).map(b -> {
            byte[] out = new byte[16];
            out[0] = (byte) Opcodes.LD_IMM64;
            System.arraycopy(b, 0, out, 1, 7);
            System.arraycopy(b, 7, out, 12, 4);
            return out;
        });
        return Arbitraries.frequencyOf(Tuple.of(3, plain), Tuple.of(1, wide))
                .list().ofMaxSize(40).map(InstructionsProperties::concat);
    }

    /** Mostly near-valid bytes: many ld_imm64 opcodes and zero bytes, odd lengths. */
    @Provide
    Arbitrary<byte[]> garbage() {
        Arbitrary<Byte> b = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.bytes()),
                Tuple.of(3, Arbitraries.just((byte) 0)),
                Tuple.of(2, Arbitraries.just((byte) Opcodes.LD_IMM64)));
        return b.array(byte[].class).ofMaxSize(120);
    }

    @Provide
    Arbitrary<Instruction> instructions() {
        Arbitrary<Integer> opcode = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.integers().between(0, 255)),
                Tuple.of(1, Arbitraries.just(Opcodes.LD_IMM64)));
        Arbitrary<Integer> reg = Arbitraries.integers().between(0, 15);
        Arbitrary<Short> off = Arbitraries.shorts();
        Arbitrary<Long> wideConstant = Arbitraries.longs();
        Arbitrary<Integer> imm = Arbitraries.integers();
        return Combinators.combine(opcode, reg, reg, off, wideConstant, imm).as((op, d, s, o, c, i) ->
                new Instruction(op, d, s, o, Opcodes.isLoadImm64(op) ? c : i, null));
    }

    @Provide
    Arbitrary<List<Instruction>> instructionLists() {
        return instructions().list().ofMaxSize(30);
    }

    private static byte[] concat(List<byte[]> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    /** An independent statement of the layout difference, slot by slot. */
    private static byte[] swapFields(byte[] b) {
        byte[] out = b.clone();
        for (int p = 0; p < b.length; p += 8) {
            out[p + 1] = (byte) ((b[p + 1] & 0x0f) << 4 | (b[p + 1] & 0xf0) >>> 4);
            out[p + 2] = b[p + 3];
            out[p + 3] = b[p + 2];
            for (int i = 0; i < 4; i++)
                out[p + 4 + i] = b[p + 7 - i];
        }
        return out;
    }
}
