package dev.bpf4j.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.bpf4j.asm.Instruction;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every way a run can fault, with the message a user reads. */
class VmFaultTest {

    static Instruction i(int opcode, int dst, int src, int off, long imm) {
        return Instruction.of(opcode, dst, src, off, imm);
    }

    static final Instruction EXIT = i(0x95, 0, 0, 0, 0);

    static VmFault fault(List<Instruction> program, VmState state, long budget) {
        var vm = new Vm(program, ByteOrder.LITTLE_ENDIAN, Helpers.NONE, ConstantResolver.AS_WRITTEN, budget);
        return assertThrows(VmFault.class, () -> vm.run(state));
    }

    static VmFault fault(List<Instruction> program) {
        return fault(program, new VmState(new Memory()), Vm.DEFAULT_BUDGET);
    }

    @Test
    void readPastTheEndOfARegionNamesRegisterAddressAndRegion() {
        var memory = new Memory();
        var state = new VmState(memory);
        state.setRegister(1, memory.map("packet", new byte[0x12], true).base());
        var f = fault(List.of(i(0x61, 0, 1, 0x14, 0), EXIT), state, 100); // r0 = *(u32 *)(r1 + 0x14)
        assertEquals(VmFault.Kind.OUT_OF_REGION, f.kind());
        assertEquals(0, f.slot());
        assertEquals("instruction 0: r1+0x14: 4-byte read at 0x100000000014 is 2 bytes past the end of region 'packet' "
                + "[0x100000000000, 0x100000000012)", f.getMessage());
    }

    @Test
    void accessStraddlingTheEndSaysByHowMuch() {
        var memory = new Memory();
        var state = new VmState(memory);
        state.setRegister(1, memory.map("ctx", new byte[16], true).base());
        var f = fault(List.of(i(0x7b, 1, 2, 12, 0), EXIT), state, 100); // *(u64 *)(r1 + 12) = r2
        assertEquals("instruction 0: r1+0xc: 8-byte write at 0x10000000000c runs 4 bytes past the end of region 'ctx' "
                + "[0x100000000000, 0x100000000010)", f.getMessage());
    }

    @Test
    void nullPointerReadSaysSo() {
        var f = fault(List.of(i(0x71, 0, 1, -4, 0), EXIT)); // r1 is 0
        assertEquals(VmFault.Kind.OUT_OF_REGION, f.kind());
        assertEquals("instruction 0: r1-0x4: 1-byte read at 0xfffffffffffffffc (a null pointer) is 17592186044420 bytes before the start of region 'stack#0' "
                + "[0x100000000000, 0x100000000200)", f.getMessage());
        var g = fault(List.of(i(0x71, 0, 1, 4, 0), EXIT));
        assertEquals("instruction 0: r1+0x4: 1-byte read at 0x4 (a null pointer) is 17592186044412 bytes before the start of "
                + "region 'stack#0' [0x100000000000, 0x100000000200)", g.getMessage());
    }

    @Test
    void writeToReadOnlyRegionFaults() {
        var memory = new Memory();
        var state = new VmState(memory);
        state.setRegister(1, memory.map(".rodata", new byte[8], false).base());
        var f = fault(List.of(i(0x62, 1, 0, 0, 7), EXIT), state, 100); // *(u32 *)(r1 + 0) = 7
        assertEquals(VmFault.Kind.READ_ONLY, f.kind());
        assertEquals("instruction 0: r1+0x0: 4-byte write at 0x100000000000 into read-only region '.rodata' "
                + "[0x100000000000, 0x100000000008)", f.getMessage());
        // Reading it is fine.
        assertEquals(0, new Vm(List.of(i(0x61, 0, 1, 0, 0), EXIT)).run(state));
    }

    @Test
    void stackBelowTheFramePointerIsUsableAndAboveItIsNot() {
        var vm = new Vm(List.of(i(0x7a, 10, 0, -8, 42), i(0x79, 0, 10, -8, 0), EXIT)); // *(u64 *)(r10 - 8) = 42; r0 = it
        assertEquals(42, vm.run(new byte[0]));
        var f = fault(List.of(i(0x7a, 10, 0, 0, 42), EXIT));
        assertEquals("instruction 0: r10+0x0: 8-byte write at 0x100000000200 is 0 bytes past the end of region 'stack#0' "
                + "[0x100000000000, 0x100000000200)", f.getMessage());
    }

    /** main: r1 = n; call f; exit.  f: if r1 == 0 { r0 = 42; exit }; r1 -= 1; call f; exit. */
    static List<Instruction> recursion(int n) {
        return List.of(i(0xb7, 1, 0, 0, n), i(0x85, 0, 1, 0, 1), EXIT,
                i(0x15, 1, 0, 3, 0), i(0x07, 1, 0, 0, -1), i(0x85, 0, 1, 0, -3), EXIT,
                i(0xb7, 0, 0, 0, 42), EXIT);
    }

    @Test
    void eightFramesAreAllowedAndTheNinthFaults() {
        assertEquals(42, new Vm(recursion(6)).run(new byte[0])); // main + 7 frames of f
        var f = fault(recursion(7));
        assertEquals(VmFault.Kind.CALL_DEPTH, f.kind());
        assertEquals("instruction 5: call depth exceeds 8 frames", f.getMessage());
    }

    @Test
    void localCallsPreserveR6ToR10AndGetAFreshFrame() {
        var program = List.of(
                i(0xb7, 6, 0, 0, 7),            // 0: r6 = 7
                i(0xbf, 7, 10, 0, 0),           // 1: r7 = r10
                i(0x85, 0, 1, 0, 3),            // 2: call 6
                i(0xbf, 0, 6, 0, 0),            // 3: r0 = r6
                i(0x5d, 7, 10, 1, 0),           // 4: if r7 != r10 goto 6
                EXIT,                            // 5
                i(0xb7, 6, 0, 0, 1),            // 6: r6 = 1 (callee-saved: must not leak)
                i(0x1d, 10, 7, 2, 0),           // 7: if r10 == r7 goto 10 (would be the same frame)
                EXIT,                            // 8
                EXIT,                            // 9
                i(0xb7, 6, 0, 0, 99), EXIT);    // 10
        assertEquals(7, new Vm(program).run(new byte[0]));
    }

    @Test
    void budgetStopsAnEndlessLoop() {
        var f = fault(List.of(i(0x05, 0, 0, -1, 0), EXIT), new VmState(new Memory()), 100);
        assertEquals(VmFault.Kind.BUDGET, f.kind());
        assertEquals("instruction 0: budget of 100 instructions exhausted", f.getMessage());
    }

    @Test
    void budgetCountsExecutedInstructions() {
        var program = List.of(i(0xb7, 0, 0, 0, 1), EXIT);
        var vm = new Vm(program, ByteOrder.LITTLE_ENDIAN, Helpers.NONE, ConstantResolver.AS_WRITTEN, 2);
        assertEquals(1, vm.run(new byte[0]));
        // The budget is charged per straight-line run where control enters it: the two
        // instructions up to the exit do not fit in 1, so the run stops before the first.
        var tight = new Vm(program, ByteOrder.LITTLE_ENDIAN, Helpers.NONE, ConstantResolver.AS_WRITTEN, 1);
        assertEquals("instruction 0: budget of 1 instructions exhausted",
                assertThrows(VmFault.class, () -> tight.run(new byte[0])).getMessage());
        // A loop of 3 instructions run 10 times, the set-up and the exit: 2 + 30 + 1 = 33 fit in 33, not in 32.
        var loop = List.of(i(0xb7, 0, 0, 0, 0), i(0xb7, 1, 0, 0, 10),
                i(0x07, 0, 0, 0, 1), i(0x17, 1, 0, 0, 1), i(0x55, 1, 0, -3, 0), EXIT);
        assertEquals(10, new Vm(loop, ByteOrder.LITTLE_ENDIAN, Helpers.NONE, ConstantResolver.AS_WRITTEN, 33).run(new byte[0]));
        assertEquals(VmFault.Kind.BUDGET, assertThrows(VmFault.class,
                () -> new Vm(loop, ByteOrder.LITTLE_ENDIAN, Helpers.NONE, ConstantResolver.AS_WRITTEN, 32).run(new byte[0])).kind());
    }

    @Test
    void unknownHelperIsNamed() {
        var f = fault(List.of(i(0xb7, 0, 0, 0, 0), i(0x85, 0, 0, 0, 99), EXIT));
        assertEquals(VmFault.Kind.UNKNOWN_HELPER, f.kind());
        assertEquals("instruction 1: call of unknown helper #99", f.getMessage());
        var g = fault(List.of(i(0xb7, 3, 0, 0, 1234), i(0x8d, 3, 0, 0, 0), EXIT)); // callx r3
        assertEquals("instruction 1: call of unknown helper #1234", g.getMessage());
    }

    @Test
    void jumpOutOfTheProgramFaultsWhenTaken() {
        var f = fault(List.of(i(0x05, 0, 0, 5, 0), EXIT));
        assertEquals(VmFault.Kind.BAD_JUMP, f.kind());
        assertEquals("instruction 0: jump to slot 6 is outside the program (slots 0-1)", f.getMessage());
        var g = fault(List.of(i(0x06, 0, 0, 0, -3), EXIT)); // gotol -3
        assertEquals("instruction 0: jump to slot -2 is outside the program (slots 0-1)", g.getMessage());
        var h = fault(List.of(i(0x85, 0, 1, 0, 10), EXIT));
        assertEquals("instruction 0: call to slot 11 is outside the program (slots 0-1)", h.getMessage());
        // Not taken: no fault.
        assertEquals(0, new Vm(List.of(i(0x55, 0, 0, 40, 0), EXIT)).run(new byte[0]));
    }

    @Test
    void jumpIntoTheMiddleOfLdImm64Faults() {
        var f = fault(List.of(i(0x05, 0, 0, 1, 0), Instruction.loadImm64(0, 1), EXIT));
        assertEquals(VmFault.Kind.BAD_JUMP, f.kind());
        assertEquals("instruction 2: jumped into the second half of the ld_imm64 at slot 1", f.getMessage());
    }

    @Test
    void fallingOffTheEndFaults() {
        var f = fault(List.of(i(0xb7, 0, 0, 0, 1)));
        assertEquals(VmFault.Kind.FELL_OFF, f.kind());
        assertEquals("instruction 0: execution ran past the last instruction (no exit)", f.getMessage());
    }

    @Test
    void invalidEncodingsFaultOnlyWhenReached() {
        var f = fault(List.of(i(0xff, 0, 0, 0, 0), EXIT));
        assertEquals(VmFault.Kind.INVALID_INSTRUCTION, f.kind());
        assertEquals("instruction 0: invalid instruction: opcode 0xff", f.getMessage());
        assertEquals("instruction 0: invalid dst register r11 in opcode 0xb7", fault(List.of(i(0xb7, 11, 0, 0, 0), EXIT)).getMessage());
        assertEquals("instruction 0: invalid instruction: opcode 0x3f with offset 2 (0 unsigned, 1 signed)",
                fault(List.of(i(0x3f, 0, 1, 2, 0), EXIT)).getMessage());
        assertEquals("instruction 0: kfunc calls are not supported by the emulator",
                fault(List.of(i(0x85, 0, 2, 0, 7), EXIT)).getMessage());
        assertEquals(0, new Vm(List.of(i(0xb7, 0, 0, 0, 0), i(0x05, 0, 0, 1, 0), i(0xff, 0, 0, 0, 0), EXIT)).run(new byte[0]));
    }
}
