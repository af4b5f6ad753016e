package dev.bpf4j.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.bpf4j.asm.Instruction;
import java.nio.ByteOrder;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The interpreter decodes a jump whose target lies outside the program into a separate
 * operation that re-evaluates the condition off the fast path: such a jump must fault
 * exactly when the same jump with a target inside the program is taken, and both must agree
 * with RFC 9669's conditions (spelled out again here, independently of the VM).
 */
class VmJumpProperties {
    /** Every conditional jump: JMP (0x05) and JMP32 (0x06) classes, K and X sources. */
    private static final int[] CONDITIONS = {0x10, 0x20, 0x30, 0x40, 0x50, 0x60, 0x70, 0xa0, 0xb0, 0xc0, 0xd0};

    @Provide
    Arbitrary<Integer> jumps() {
        var conditions = java.util.Arrays.stream(CONDITIONS).boxed().toList();
        return Arbitraries.of(conditions).flatMap(op -> Arbitraries.of(op | 0x05, op | 0x06, op | 0x0d, op | 0x0e));
    }

    @Provide
    Arbitrary<Long> operands() {
        return Arbitraries.oneOf(
                Arbitraries.of(0L, 1L, -1L, 0x7fffffffL, 0x80000000L, 0xffffffffL, 0x1_0000_0000L, Long.MIN_VALUE, Long.MAX_VALUE,
                        0xffff_ffff_8000_0000L, 0x1234_5678_8000_0001L),
                Arbitraries.longs(), Arbitraries.longs().between(-4, 4));
    }

    @Property(tries = 2000)
    void outOfRangeJumpFaultsExactlyWhenTaken(@ForAll("jumps") int opcode, @ForAll("operands") long a,
                                              @ForAll("operands") long b, @ForAll boolean backwards) {
        int imm = (int) b;
        boolean expected = taken(opcode, a, (opcode & 0x08) != 0 ? b : imm);
        // In range: slot 4 jumps over "r0 = 0; exit" to "r0 = 1; exit".
        assertEquals(expected ? 1 : 0, new Vm(program(opcode, 2, imm, a, b)).run(new byte[0]), "in range");
        int outside = backwards ? -100 : 100;
        var vm = new Vm(program(opcode, outside, imm, a, b), ByteOrder.LITTLE_ENDIAN, Helpers.NONE, ConstantResolver.AS_WRITTEN, 100);
        if (!expected) {
            assertEquals(0, vm.run(new byte[0]), "not taken: the run goes on");
            return;
        }
        var f = assertThrows(VmFault.class, () -> vm.run(new byte[0]));
        assertEquals(VmFault.Kind.BAD_JUMP, f.kind());
        assertEquals(String.format("instruction 4: jump to slot %d is outside the program (slots 0-8)", 5 + outside), f.getMessage());
    }

    /** A not-taken out-of-range jump still pays for the straight-line run after it, like any other. */
    @Property(tries = 50)
    void notTakenOutOfRangeJumpCountsAgainstTheBudget(@ForAll boolean outOfRange) {
        // 4 slots of ld_imm64 (2 instructions), the jump, r0 = 0, exit: 5 instructions.
        var program = program(0x15, outOfRange ? 100 : 2, 7, 1, 0); // if r1 == 7: never taken
        assertEquals(0, new Vm(program, ByteOrder.LITTLE_ENDIAN, Helpers.NONE, ConstantResolver.AS_WRITTEN, 5).run(new byte[0]));
        var f = assertThrows(VmFault.class,
                () -> new Vm(program, ByteOrder.LITTLE_ENDIAN, Helpers.NONE, ConstantResolver.AS_WRITTEN, 4).run(new byte[0]));
        assertEquals(VmFault.Kind.BUDGET, f.kind());
    }

    private static List<Instruction> program(int opcode, int offset, int imm, long a, long b) {
        return List.of(
                Instruction.of(0x18, 1, 0, 0, a),                                          // slots 0-1: r1 = a ll
                Instruction.of(0x18, 2, 0, 0, b),                                          // slots 2-3: r2 = b ll
                Instruction.of(opcode, 1, 2, offset, imm),                                 // if r1 <op> r2/imm goto +offset
                Instruction.of(0xb7, 0, 0, 0, 0), Instruction.of(0x95, 0, 0, 0, 0),       // r0 = 0; exit
                Instruction.of(0xb7, 0, 0, 0, 1), Instruction.of(0x95, 0, 0, 0, 0));      // r0 = 1; exit
    }

    /** RFC 9669 section 4.3: JMP compares 64 bits, JMP32 the low 32. */
    private static boolean taken(int opcode, long a, long b) {
        boolean wide = (opcode & 0x07) == 0x05;
        long ua = wide ? a : a & 0xffffffffL, ub = wide ? b : b & 0xffffffffL;
        long sa = wide ? a : (int) a, sb = wide ? b : (int) b;
        return switch (opcode & 0xf0) {
            case 0x10 -> ua == ub;
            case 0x20 -> Long.compareUnsigned(ua, ub) > 0;
            case 0x30 -> Long.compareUnsigned(ua, ub) >= 0;
            case 0x40 -> (ua & ub) != 0;
            case 0x50 -> ua != ub;
            case 0x60 -> sa > sb;
            case 0x70 -> sa >= sb;
            case 0xa0 -> Long.compareUnsigned(ua, ub) < 0;
            case 0xb0 -> Long.compareUnsigned(ua, ub) <= 0;
            case 0xc0 -> sa < sb;
            case 0xd0 -> sa <= sb;
            default -> throw new AssertionError(opcode);
        };
    }
}
