package dev.bpf4j.loader;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.asm.Reference;
import dev.bpf4j.btf.CoreResult;
import dev.bpf4j.btf.KernelBtf;
import dev.bpf4j.elf.ObjectFormatException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.*;

/** libbpf's bpf_core_patch_insn, instruction class by class; opcodes written out from the uapi encoding. */
class CorePatcherTest {
    static final int MOV64_K = 0xb7, MOV64_X = 0xbf, LDX_W = 0x61, LDX_H = 0x69, LDX_DW = 0x79, ST_W = 0x62, STX_W = 0x63, JA = 0x05;

    final CorePatcher patcher = new CorePatcher("test.o");

    static CoreResult.Patch value(long orig, long value) {
        return new CoreResult.Patch(orig, value, true, 0, 0, false);
    }

    Instruction one(Instruction insn, CoreResult r) {
        List<Instruction> out = patcher.patch("p", insn, 5, 2, r);
        assertEquals(1, out.size());
        return out.get(0);
    }

    @Test
    void aluImmediate() {
        assertEquals(Instruction.of(MOV64_K, 1, 0, 0, 16), one(Instruction.of(MOV64_K, 1, 0, 0, 8), value(8, 16)));
        // Not validated (e.g. a type id): whatever the immediate was.
        assertEquals(Instruction.of(MOV64_K, 1, 0, 0, 16),
                one(Instruction.of(MOV64_K, 1, 0, 0, 99), new CoreResult.Patch(8, 16, false, 0, 0, false)));
        // The immediate is compared sign-extended: -1 is the u64 0xffff...ff.
        assertEquals(Instruction.of(MOV64_K, 1, 0, 0, 3), one(Instruction.of(MOV64_K, 1, 0, 0, -1), value(-1, 3)));
    }

    @Test
    void aluWithWrongValueOrRegisterSourceIsRefused() {
        var e = assertThrows(ObjectFormatException.class, () -> patcher.patch("p", Instruction.of(MOV64_K, 1, 0, 0, 9), 5, 2, value(8, 16)));
        assertEquals("test.o: prog 'p': relo #2: unexpected insn #5 (ALU/ALU64) value: got 9, exp 8 -> 16", e.getMessage());
        e = assertThrows(ObjectFormatException.class, () -> patcher.patch("p", Instruction.of(MOV64_X, 1, 2, 0, 0), 5, 2, value(0, 16)));
        assertTrue(e.getMessage().contains("relo #2: insn #5 (ALU/ALU64) has a register source"), e.getMessage());
    }

    @Test
    void loadAndStoreOffsets() {
        assertEquals(Instruction.of(LDX_W, 0, 1, 12, 0), one(Instruction.of(LDX_W, 0, 1, 4, 0), value(4, 12)));
        assertEquals(Instruction.of(ST_W, 1, 0, 12, 7), one(Instruction.of(ST_W, 1, 0, 4, 7), value(4, 12)));
        assertEquals(Instruction.of(STX_W, 1, 2, 12, 0), one(Instruction.of(STX_W, 1, 2, 4, 0), value(4, 12)));
        var e = assertThrows(ObjectFormatException.class, () -> patcher.patch("p", Instruction.of(LDX_W, 0, 1, 8, 0), 5, 2, value(4, 12)));
        assertEquals("test.o: prog 'p': relo #2: unexpected insn #5 (LDX/ST/STX) value: got 8, exp 4 -> 12", e.getMessage());
    }

    @Test
    void loadOfAFieldThatChangedSizeIsResizedWhenSafe() {
        var widened = new CoreResult.Patch(4, 16, true, 4, 8, false);
        assertEquals(Instruction.of(LDX_DW, 0, 1, 16, 0), one(Instruction.of(LDX_W, 0, 1, 4, 0), widened));
        var narrowed = new CoreResult.Patch(4, 16, true, 4, 2, false);
        assertEquals(Instruction.of(LDX_H, 0, 1, 16, 0), one(Instruction.of(LDX_W, 0, 1, 4, 0), narrowed));
        // The instruction must load what the object's BTF says the field's size is.
        var e = assertThrows(ObjectFormatException.class, () -> patcher.patch("p", Instruction.of(LDX_H, 0, 1, 4, 0), 5, 2, widened));
        assertTrue(e.getMessage().contains("unexpected mem size: got 2, exp 4"), e.getMessage());
        var odd = new CoreResult.Patch(4, 16, true, 4, 3, false);
        var l = assertThrows(LinkException.class, () -> patcher.patch("p", Instruction.of(LDX_W, 0, 1, 4, 0), 5, 2, odd));
        assertTrue(l.getMessage().contains("invalid new mem size: 3"), l.getMessage());
    }

    @Test
    void unsafeResizeOrTooLargeOffset() {
        var unsafe = new CoreResult.Patch(4, 16, true, 4, 8, true);
        List<Instruction> out = patcher.patch("p", Instruction.of(LDX_W, 0, 1, 4, 0), 5, 2, unsafe);
        assertEquals(1, out.size());
        assertPoison(out.get(0), 2);
        // The same result in an ALU instruction (an address computation) is fine.
        assertEquals(Instruction.of(MOV64_K, 1, 0, 0, 16), one(Instruction.of(MOV64_K, 1, 0, 0, 4), unsafe));
        var e = assertThrows(LinkException.class, () -> patcher.patch("p", Instruction.of(LDX_W, 0, 1, 4, 0), 5, 2, value(4, 32768)));
        assertTrue(e.getMessage().contains("relo #2: insn #5 (LDX/ST/STX) value too big: 32768"), e.getMessage());
    }

    @Test
    void loadImm64TakesAll64Bits() {
        Instruction ld = Instruction.loadImm64(2, 1L << 32);
        assertEquals(Instruction.loadImm64(2, 3L << 40), one(ld, value(1L << 32, 3L << 40)));
        var e = assertThrows(ObjectFormatException.class, () -> patcher.patch("p", ld, 5, 2, value(1, 2)));
        assertTrue(e.getMessage().contains("(LDIMM64) value: got 4294967296, exp 1 -> 2"), e.getMessage());
        var e2 = assertThrows(ObjectFormatException.class, () -> patcher.patch("p", ld.withSrc(Opcodes.PSEUDO_MAP_FD), 5, 2, value(1L << 32, 2)));
        assertTrue(e2.getMessage().contains("(LDIMM64) has unexpected form"), e2.getMessage());
    }

    @Test
    void poisonReplacesTheInstructionAndBothHalvesOfAnLdImm64() {
        CoreResult poison = new CoreResult.Poison("gone");
        List<Instruction> one = patcher.patch("p", Instruction.of(LDX_W, 0, 1, 4, 0), 5, 7, poison);
        assertEquals(1, one.size());
        assertPoison(one.get(0), 7);
        List<Instruction> two = patcher.patch("p", Instruction.loadImm64(3, 5), 5, 7, poison);
        assertEquals(2, two.size());
        two.forEach(i -> assertPoison(i, 7));
        assertEquals("gone", ((Reference.CorePoison) two.get(0).reference()).reason());
    }

    @Test
    void otherInstructionsCannotBeRelocated() {
        var e = assertThrows(ObjectFormatException.class, () -> patcher.patch("p", Instruction.of(JA, 0, 0, 3, 0), 5, 2, value(0, 1)));
        assertTrue(e.getMessage().contains("trying to relocate unrecognized insn, code:0x5"), e.getMessage());
    }

    @Test
    void missingKernelBtfSaysWhatToDo() {
        var e = assertThrows(LinkException.class,
                () -> CorePatcher.requireTarget(Optional.empty(), TargetBtf.runningKernel(new KernelBtf()), "x.o"));
        assertTrue(e.getMessage().contains("/sys/kernel/btf/vmlinux does not exist"), e.getMessage());
        assertTrue(e.getMessage().contains("--btf FILE"), e.getMessage());
        assertTrue(e.getMessage().contains("LinkOptions.withTargetBtf"), e.getMessage());
    }

    static void assertPoison(Instruction i, int relo) {
        assertEquals(Opcodes.CALL_INSN, i.opcode());
        assertEquals(0, i.src());
        assertEquals(0, i.dst());
        assertEquals(0, i.offset());
        assertEquals(0xbad2310, i.imm()); // 195896080, libbpf's "bad relo"
        assertEquals(relo, assertInstanceOf(Reference.CorePoison.class, i.reference()).relocation());
    }
}
