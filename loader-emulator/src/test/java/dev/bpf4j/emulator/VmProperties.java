package dev.bpf4j.emulator;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Instructions;
import dev.bpf4j.asm.Opcodes;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

/** A hostile program gets only the VM's typed faults: no JVM exception, no hang, no escape. */
class VmProperties {

    /** Opcodes the VM executes, so that random programs get past their first instruction. */
    private static final List<Integer> VALID = validOpcodes();

    private static List<Integer> validOpcodes() {
        var out = new ArrayList<Integer>();
        for (int code = 0; code < 256; code++)
            if (Vm.check(Instruction.of(code, 0, 0, 0, 32)) == null || Vm.check(Instruction.of(code, 0, 1, 0, 32)) == null)
                out.add(code);
        return List.copyOf(out);
    }

    @Provide
    Arbitrary<List<Instruction>> programs() {
        Arbitrary<Integer> opcode = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, Arbitraries.of(VALID)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 255)));
        Arbitrary<Integer> reg = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(6, Arbitraries.integers().between(0, 10)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 15)));
        Arbitrary<Integer> off = Arbitraries.oneOf(Arbitraries.integers().between(-20, 20),
                Arbitraries.of(0, 1, 8, 16, 32, -8, -512), Arbitraries.integers().between(Short.MIN_VALUE, Short.MAX_VALUE));
        Arbitrary<Integer> imm = Arbitraries.oneOf(Arbitraries.integers().between(-20, 70),
                Arbitraries.of(0, 1, -1, 5, 16, 32, 64, 0xe1, 0xf1, 0x41, 0x51, 0xa1, 0x100, 0x110, Integer.MIN_VALUE),
                Arbitraries.integers());
        Arbitrary<Long> wide = Arbitraries.longs();
        Arbitrary<Instruction> insn = Combinators.combine(opcode, reg, reg, off, imm, wide).as((code, d, s, o, k, w) ->
                code == Opcodes.LD_IMM64 ? new Instruction(code, d, s & 7, (short) (int) o, w, null)
                        : Instruction.of(code, d, s, o, k));
        return insn.list().ofMinSize(1).ofMaxSize(64).filter(l -> Instructions.slotCount(l) <= 64);
    }


    @Property(tries = 3000)
    void onlyTypedFaultsEscape(@ForAll("programs") List<Instruction> program) {
        // The run happens on the timeout's thread; jqwik's statistics must be fed on its own.
        List<String> outcomes = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            var seen = new ArrayList<String>();
            for (var order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
                var vm = new Vm(program, order, Helpers.CONFORMANCE, ConstantResolver.AS_WRITTEN, 2000);
                var memory = new Memory(order);
                var state = new VmState(memory);
                byte[] data = new byte[32];
                state.setRegister(1, memory.map("memory", data, true).base());
                state.setRegister(2, data.length);
                state.setPacket(memory.map("packet", new byte[14], false));
                try {
                    vm.run(state);
                    seen.add("exit");
                } catch (VmFault expected) {
                    seen.add(expected.kind().name());
                    if (expected.getMessage() == null || expected.getMessage().isEmpty())
                        throw new AssertionError("fault without a message", expected);
                }
            }
            return seen;
        });
        outcomes.forEach(o -> Statistics.label("outcome").collect(o));
    }
}
