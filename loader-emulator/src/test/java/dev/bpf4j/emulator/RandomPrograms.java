package dev.bpf4j.emulator;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Instructions;
import dev.bpf4j.asm.Opcodes;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

import java.util.ArrayList;
import java.util.List;

/**
 * Random instruction streams, valid and invalid, for the VM's and the verifier's properties:
 * mostly opcodes the VM executes (so programs get past their first instruction), registers
 * mostly in range, offsets and immediates around the interesting values (stack bounds, atomic
 * operation codes, shifts).
 */
final class RandomPrograms {
    static final List<Integer> VALID_OPCODES = validOpcodes();

    private RandomPrograms() {
    }

    private static List<Integer> validOpcodes() {
        var out = new ArrayList<Integer>();
        for (int code = 0; code < 256; code++)
            if (Vm.check(Instruction.of(code, 0, 0, 0, 32)) == null || Vm.check(Instruction.of(code, 0, 1, 0, 32)) == null)
                out.add(code);
        return List.copyOf(out);
    }

    /** Programs of {@code minSize} to 64 instructions, at most 64 slots. */
    static Arbitrary<List<Instruction>> instructions(int minSize) {
        Arbitrary<Integer> opcode = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.of(VALID_OPCODES)), Tuple.of(1, Arbitraries.integers().between(0, 255)));
        Arbitrary<Integer> reg = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.integers().between(0, 10)), Tuple.of(1, Arbitraries.integers().between(0, 15)));
        Arbitrary<Integer> off = Arbitraries.oneOf(Arbitraries.integers().between(-20, 20),
                Arbitraries.of(0, 1, 8, 16, 32, -8, -512), Arbitraries.integers().between(Short.MIN_VALUE, Short.MAX_VALUE));
        Arbitrary<Integer> imm = Arbitraries.oneOf(Arbitraries.integers().between(-20, 70),
                Arbitraries.of(0, 1, -1, 5, 16, 32, 64, 0xe1, 0xf1, 0x41, 0x51, 0xa1, 0x100, 0x110, Integer.MIN_VALUE),
                Arbitraries.integers());
        Arbitrary<Instruction> insn = Combinators.combine(opcode, reg, reg, off, imm, Arbitraries.longs()).as((code, d, s, o, k, w) ->
                code == Opcodes.LD_IMM64 ? new Instruction(code, d, s & 7, (short) (int) o, w, null)
                        : Instruction.of(code, d, s, o, k));
        return insn.list().ofMinSize(minSize).ofMaxSize(64).filter(l -> Instructions.slotCount(l) <= 64);
    }
}
