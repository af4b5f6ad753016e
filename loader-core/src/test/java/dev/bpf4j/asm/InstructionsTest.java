package dev.bpf4j.asm;

import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;

import static java.nio.ByteOrder.BIG_ENDIAN;
import static java.nio.ByteOrder.LITTLE_ENDIAN;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The wire format, pinned byte by byte, and the errors a reader sees. */
class InstructionsTest {

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replace(" ", ""));
    }

    private static List<Instruction> decode(String s, ByteOrder order) {
        byte[] b = hex(s);
        return Instructions.decode(b, 0, b.length, order);
    }

    @Test
    void littleEndianPutsDstInTheLowNibble() {
        Instruction i = decode("bf 21 fe ff 78 56 34 12", LITTLE_ENDIAN).get(0);
        assertEquals(new Instruction(0xbf, 1, 2, (short) -2, 0x12345678, null), i);
    }

    @Test
    void bigEndianPutsDstInTheHighNibble() {
        Instruction i = decode("bf 12 ff fe 12 34 56 78", BIG_ENDIAN).get(0);
        assertEquals(new Instruction(0xbf, 1, 2, (short) -2, 0x12345678, null), i);
    }

    @Test
    void immediatesAreSignExtended() {
        assertEquals(-1L, decode("b7 01 00 00 ff ff ff ff", LITTLE_ENDIAN).get(0).constant());
        assertEquals(-2L, decode("b7 10 00 00 ff ff ff fe", BIG_ENDIAN).get(0).constant());
    }

    @Test
    void loadImm64IsOneInstructionWithTheWholeConstant() {
        List<Instruction> le = decode("18 01 00 00 ff ff ff ff 00 00 00 00 01 00 00 00 95 00 00 00 00 00 00 00",
                LITTLE_ENDIAN);
        assertEquals(2, le.size());
        assertEquals(0x1_ffff_ffffL, le.get(0).constant(), "the low half is not sign-extended");
        assertEquals(2, le.get(0).width());
        assertEquals(-1, le.get(0).imm());
        assertEquals(1, le.get(0).imm2());
        assertTrue(le.get(1).isExit());

        List<Instruction> be = decode("18 10 00 00 ff ff ff ff 00 00 00 00 00 00 00 01", BIG_ENDIAN);
        assertEquals(List.of(Instruction.loadImm64(1, 0x1_ffff_ffffL)), be);
    }

    @Test
    void encodeWritesTheSecondHalfWithZeroFields() {
        Instruction ld = new Instruction(0x18, 3, Opcodes.PSEUDO_MAP_VALUE, (short) 0, 0x8_0000_0005L, null);
        assertArrayEquals(hex("18 23 00 00 05 00 00 00 00 00 00 00 08 00 00 00"), Instructions.encode(List.of(ld), LITTLE_ENDIAN));
        assertArrayEquals(hex("18 32 00 00 00 00 00 05 00 00 00 00 00 00 00 08"), Instructions.encode(List.of(ld), BIG_ENDIAN));
    }

    @Test
    void referencesAreNotEncodedAndDecodeAsNull() {
        Instruction ld = Instruction.loadImm64(1, 0);
        byte[] plain = Instructions.encode(List.of(ld), LITTLE_ENDIAN);
        byte[] withRef = Instructions.encode(List.of(ld.withReference(new Reference.Map("m"))), LITTLE_ENDIAN);
        assertArrayEquals(plain, withRef);
        assertNull(Instructions.decode(plain, LITTLE_ENDIAN).get(0).reference());
    }

    @Test
    void missingSecondHalfNamesTheSlot() {
        var e = assertThrows(InstructionFormatException.class,
                () -> decode("b7 00 00 00 00 00 00 00 95 00 00 00 00 00 00 00 18 01 00 00 00 00 00 00", LITTLE_ENDIAN));
        assertEquals(2, e.slot());
        assertEquals("insn #2: ld_imm64 is missing its second half", e.getMessage());
    }

    @Test
    void secondHalfMustHaveZeroOpcodeRegistersAndOffset() {
        String first = "b7 00 00 00 00 00 00 00 18 01 00 00 00 00 00 00 ";
        for (String second : List.of("95 00 00 00 00 00 00 00", "00 10 00 00 00 00 00 00",
                "00 01 00 00 00 00 00 00", "00 00 01 00 00 00 00 00", "00 00 00 80 00 00 00 00")) {
            var e = assertThrows(InstructionFormatException.class, () -> decode(first + second, LITTLE_ENDIAN), second);
            assertEquals(1, e.slot());
            assertTrue(e.getMessage().startsWith("insn #1: second half of ld_imm64 (slot 2) must have opcode, "
                    + "registers and offset 0, found "), e.getMessage());
        }
        var e = assertThrows(InstructionFormatException.class,
                () -> decode("18 01 00 00 00 00 00 00 00 21 fe ff 00 00 00 00", LITTLE_ENDIAN));
        assertEquals("insn #0: second half of ld_imm64 (slot 1) must have opcode, registers and offset 0, "
                + "found opcode 0x00, registers 0x21, offset -2", e.getMessage());
        // Any second imm is fine: it is the high half of the constant.
        assertEquals(1, decode("18 01 00 00 00 00 00 00 00 00 00 00 ff ff ff ff", LITTLE_ENDIAN).size());
    }

    @Test
    void lengthMustBeAMultipleOfEight() {
        byte[] b = new byte[27];
        var e = assertThrows(InstructionFormatException.class, () -> Instructions.decode(b, 0, 27, LITTLE_ENDIAN));
        assertEquals(3, e.slot());
        assertEquals("insn #3: truncated instruction: length 27 is not a multiple of 8 (3 bytes left over)", e.getMessage());
    }

    @Test
    void decodesASubrangeAndCountsSlotsFromItsStart() {
        byte[] b = hex("ff ff ff 95 00 00 00 00 00 00 00 18 01 00 00 00 00 00 00");
        assertEquals(List.of(Instruction.of(0x95, 0, 0, 0, 0)), Instructions.decode(b, 3, 8, LITTLE_ENDIAN));
        var e = assertThrows(InstructionFormatException.class, () -> Instructions.decode(b, 3, 16, LITTLE_ENDIAN));
        assertEquals(1, e.slot());
        assertEquals(List.of(), Instructions.decode(b, 19, 0, LITTLE_ENDIAN));
    }

    @Test
    void aRangeOutsideTheArrayIsTheCallersMistake() {
        byte[] b = new byte[16];
        assertThrows(IllegalArgumentException.class, () -> Instructions.decode(b, 8, 16, LITTLE_ENDIAN));
        assertThrows(IllegalArgumentException.class, () -> Instructions.decode(b, -8, 8, LITTLE_ENDIAN));
        assertThrows(IllegalArgumentException.class, () -> Instructions.decode(b, 0, -8, LITTLE_ENDIAN));
        assertThrows(IllegalArgumentException.class, () -> Instructions.decode(b, Integer.MAX_VALUE, 8, LITTLE_ENDIAN));
    }

    @Test
    void unknownOpcodesDecodeRaw() {
        List<Instruction> insns = decode("ff ff ff ff ff ff ff ff 00 00 00 00 00 00 00 00", LITTLE_ENDIAN);
        assertEquals(List.of(new Instruction(0xff, 15, 15, (short) -1, -1, null), Instruction.of(0, 0, 0, 0, 0)), insns);
    }

    @Test
    void instructionRefusesFieldsThatDoNotFit() {
        assertThrows(IllegalArgumentException.class, () -> Instruction.of(0x100, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Instruction.of(0x07, 16, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Instruction.of(0x07, 0, -1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> Instruction.of(0x07, 0, 0, 0x8000, 0));
        assertThrows(IllegalArgumentException.class, () -> Instruction.of(0x07, 0, 0, 0, 0x8000_0000L));
        assertThrows(IllegalArgumentException.class, () -> Instruction.of(0x07, 0, 0, 0, 0).withConstant(1L << 32));
        assertThrows(IllegalArgumentException.class, () -> Instruction.of(0x07, 0, 0, 0, 0).withOffset(-32769));
        assertEquals(Long.MIN_VALUE, Instruction.loadImm64(0, 0).withConstant(Long.MIN_VALUE).constant());
        assertEquals(Integer.MIN_VALUE, Instruction.of(0x07, 0, 0, -32768, Integer.MIN_VALUE).constant());
    }

    @Test
    void predicatesClassifyCallsAndJumps() {
        Instruction helper = Instruction.of(0x85, 0, 0, 0, 1);
        Instruction local = helper.withSrc(Opcodes.PSEUDO_CALL);
        Instruction kfunc = helper.withSrc(Opcodes.PSEUDO_KFUNC_CALL);
        assertTrue(helper.isCall() && helper.isHelperCall() && !helper.isLocalCall() && !helper.isJump());
        assertTrue(local.isCall() && local.isLocalCall() && !local.isHelperCall() && !local.isKfuncCall());
        assertTrue(kfunc.isKfuncCall() && !kfunc.isLocalCall());
        assertTrue(Instruction.of(0x8d, 2, 0, 0, 0).isCallx());
        assertTrue(Instruction.of(0x95, 0, 0, 0, 0).isExit());

        Instruction gotol = Instruction.of(0x06, 0, 0, 7, 100000);
        assertTrue(gotol.isJump() && !gotol.isConditionalJump());
        assertEquals(100000, gotol.jumpOffset(), "gotol jumps by its imm");
        Instruction jne32 = Instruction.of(0x56, 1, 0, -3, 5);
        assertTrue(jne32.isJump() && jne32.isConditionalJump());
        assertEquals(-3, jne32.jumpOffset());
        assertTrue(Instruction.of(0x05, 0, 0, 4, 0).isJump());
        assertTrue(Instruction.of(0xe5, 0, 0, 4, 0).isJump(), "may_goto");
        for (int op : new int[] {0x85, 0x8d, 0x95, 0x0d, 0xf5, 0x86, 0x96, 0xe6, 0x07, 0x18, 0x61})
            assertFalse(Instruction.of(op, 0, 0, 4, 0).isJump(), String.format("0x%02x", op));
        assertTrue(Instruction.loadImm64(0, 0).isLoadImm64());
    }

    @Test
    void slotMapTranslatesBothWays() {
        List<Instruction> insns = List.of(
                Instruction.of(0xb7, 0, 0, 0, 0), Instruction.loadImm64(1, 0), Instruction.of(0x95, 0, 0, 0, 0),
                Instruction.loadImm64(2, 0), Instruction.of(0x95, 0, 0, 0, 0));
        SlotMap map = Instructions.slotMap(insns);
        assertEquals(5, map.size());
        assertEquals(7, map.slotCount());
        assertEquals(7, Instructions.slotCount(insns));
        int[] slots = {0, 1, 3, 4, 6, 7};
        for (int i = 0; i < slots.length; i++) {
            assertEquals(slots[i], map.slotOf(i));
            assertEquals(i, map.indexAt(slots[i]));
        }
        assertEquals(-1, map.indexAt(2), "second half of the ld_imm64");
        assertEquals(-1, map.indexAt(5));
        assertEquals(-1, map.indexAt(8));
        assertEquals(-1, map.indexAt(-1));
        assertThrows(IllegalArgumentException.class, () -> map.slotOf(6));
        assertThrows(IllegalArgumentException.class, () -> map.slotOf(-1));
        assertEquals(0, SlotMap.of(List.of()).slotCount());
        assertEquals(0, SlotMap.of(List.of()).indexAt(0));
    }
}
