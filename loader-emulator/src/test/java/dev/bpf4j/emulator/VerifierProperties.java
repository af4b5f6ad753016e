package dev.bpf4j.emulator;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Instructions;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.loader.ProgramType;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * The verifier on random instruction streams: it only ever answers with its result (never
 * another exception), quickly; and what it accepts never makes the VM fault for the reasons
 * the verifier claims to rule out (invalid instructions, bad jumps, falling off the end).
 */
class VerifierProperties {
    /** Anything, valid or not. */
    @Provide
    Arbitrary<List<Instruction>> programs() {
        return RandomPrograms.instructions(0);
    }

    /**
     * Programs the verifier often accepts: registers set first, then valid ALU, jump, stack,
     * call and exit instructions with small offsets, then {@code r0 = 0; exit}.
     */
    @Provide
    Arbitrary<List<Instruction>> plausible() {
        Arbitrary<Integer> reg = Arbitraries.integers().between(0, 9);
        Arbitrary<Instruction> alu = Combinators.combine(
                Arbitraries.of(0x07, 0x0f, 0x17, 0x1f, 0x27, 0x2f, 0x37, 0x3f, 0x47, 0x57, 0x67, 0x77, 0x97, 0x9f, 0xa7, 0xb7,
                        0xbf, 0xc7, 0x04, 0x0c, 0x34, 0x3c, 0x94, 0xb4, 0xbc, 0x84, 0x87, 0xd4, 0xdc),
                reg, reg, Arbitraries.integers().between(-3, 70)).as((c, d, s, k) ->
                Instruction.of(c, d, s, 0, (c & 0xf0) == 0xd0 ? 16 : k));
        Arbitrary<Instruction> jump = Combinators.combine(
                Arbitraries.of(0x05, 0x15, 0x1d, 0x25, 0x55, 0x65, 0xa5, 0x16, 0x56, 0x06),
                reg, reg, Arbitraries.integers().between(-6, 6)).as((c, d, s, o) ->
                c == 0x06 ? Instruction.of(c, 0, 0, 0, o) : Instruction.of(c, d, s, o, 1));
        Arbitrary<Instruction> stack = Combinators.combine(Arbitraries.of(0x7a, 0x62, 0x79, 0x61, 0x7b),
                reg, Arbitraries.of(-8, -16, -64, -512, -4, 0, -520)).as((c, r, o) ->
                c == 0x79 || c == 0x61 ? Instruction.of(c, r, 10, o, 0)
                        : c == 0x7b ? Instruction.of(c, 10, r, o, 0) : Instruction.of(c, 10, 0, o, 7));
        Arbitrary<Instruction> other = Arbitraries.of(
                Instruction.of(0x85, 0, 0, 0, 5), Instruction.of(0x85, 0, 0, 0, 1), Instruction.of(0x95, 0, 0, 0, 0),
                Instruction.of(0x85, 0, 1, 0, 2), Instruction.loadImm64(3, 0x1234_5678_9abcL));
        Arbitrary<Instruction> insn = Arbitraries.frequencyOf(Tuple.of(6, alu), Tuple.of(3, jump), Tuple.of(2, stack), Tuple.of(1, other));
        return insn.list().ofMinSize(0).ofMaxSize(30).map(body -> {
            var out = new ArrayList<Instruction>();
            for (int r = 0; r <= 9; r++)
                out.add(Instruction.of(0xb7, r, 0, 0, r + 1));
            out.addAll(body);
            out.add(Instruction.of(0xb7, 0, 0, 0, 0));
            out.add(Instruction.of(0x95, 0, 0, 0, 0));
            return (List<Instruction>) out;
        });
    }

    private static VerifierResult verifyQuickly(List<Instruction> program, ProgramType type) {
        return assertTimeoutPreemptively(Duration.ofSeconds(2), () -> Verifier.verify(program, type));
    }

    @Property(tries = 2000)
    void onlyItsResultComesBack(@ForAll("programs") List<Instruction> program, @ForAll ProgramType type) {
        VerifierResult r = verifyQuickly(program, type);
        if (!r.ok()) {
            if (r.error() == null || !r.error().startsWith("insn ") || !r.log().endsWith(r.error() + "\n"))
                throw new AssertionError("malformed rejection: " + r);
            try {
                r.orThrow();
                throw new AssertionError("orThrow accepted a rejection");
            } catch (VerifierException expected) {
                if (!expected.log().equals(r.log()))
                    throw new AssertionError("exception log differs");
            }
        }
        Statistics.label("verdict").collect(r.ok() ? "ok" : r.message().replaceAll("[-0-9]+", "N"));
    }

    @Property(tries = 2000)
    void acceptedProgramsNeverFaultStructurally(@ForAll("plausible") List<Instruction> plausible,
                                                @ForAll("programs") List<Instruction> random) {
        for (List<Instruction> program : List.of(plausible, random)) {
            VerifierResult r = verifyQuickly(program, ProgramType.XDP);
            Statistics.label("verdict").collect(r.ok() ? "ok" : "rejected");
            if (!r.ok())
                continue;
            String outcome = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                var vm = new Vm(program, ByteOrder.LITTLE_ENDIAN, (id, r1, r2, r3, r4, r5, s) -> 0,
                        ConstantResolver.AS_WRITTEN, 1000);
                var memory = new Memory(ByteOrder.LITTLE_ENDIAN);
                var state = new VmState(memory);
                state.setRegister(1, memory.map("ctx", new byte[64], true).base());
                try {
                    vm.run(state);
                    return "exit";
                } catch (VmFault f) {
                    if (EnumSet.of(VmFault.Kind.INVALID_INSTRUCTION, VmFault.Kind.BAD_JUMP, VmFault.Kind.FELL_OFF).contains(f.kind()))
                        throw new AssertionError("accepted, yet " + f.kind() + ": " + f.getMessage() + "\n" + r.log());
                    return f.kind().name();
                }
            });
            Statistics.label("run").collect(outcome);
        }
    }
}
