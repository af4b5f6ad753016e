package dev.bpf4j.linux;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.InstructionFormatException;
import dev.bpf4j.asm.Instructions;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.loader.ProgramType;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whatever instructions a program holds, loading it gives a loaded program or a
 * {@link VerifierException} naming the program, with the kernel's log and an instruction index
 * inside the program when the log names one; nothing else escapes, and no descriptor is left.
 */
class RandomProgramProperties {

    @Provide
    Arbitrary<List<Instruction>> programs() {
        // 8-byte slots, random or a common opcode with small operands (so that the verifier gets
        // past decoding: stack and context accesses, jumps, helper calls), ended by r0 = 0; exit
        Arbitrary<byte[]> randomSlot = Arbitraries.bytes().array(byte[].class).ofSize(8);
        Arbitrary<byte[]> plausible = net.jqwik.api.Combinators.combine(
                Arbitraries.of(0xb7, 0xbf, 0x07, 0x0f, 0x61, 0x63, 0x69, 0x79, 0x7b, 0x05, 0x15, 0x55, 0x85, 0x95, 0xb4, 0x62),
                Arbitraries.integers().between(0, 10), Arbitraries.integers().between(0, 10),
                Arbitraries.integers().between(-24, 24), Arbitraries.integers().between(-8, 64))
                .as((op, dst, src, off, imm) -> java.nio.ByteBuffer.allocate(8).order(ByteOrder.nativeOrder())
                        .put((byte) (int) op).put((byte) (dst | src << 4)).putShort((short) (int) off).putInt(imm).array());
        Arbitrary<byte[]> slot = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(1, randomSlot), net.jqwik.api.Tuple.of(3, plausible));
        return slot.list().ofMinSize(0).ofMaxSize(12).map(slots -> {
            byte[] raw = new byte[slots.size() * 8];
            for (int i = 0; i < slots.size(); i++)
                System.arraycopy(slots.get(i), 0, raw, i * 8, 8);
            List<Instruction> out = new ArrayList<>();
            try {
                out.addAll(Instructions.decode(raw, ByteOrder.nativeOrder()));
            } catch (InstructionFormatException e) {
                return null;      // a split ld_imm64: not an instruction list
            }
            out.add(HandBuilt.mov(0, 0));
            out.add(HandBuilt.exit());
            return out;
        });
    }

    @Property(tries = 150)
    void loadsOrIsRefusedWithTheLog(@ForAll("programs") List<Instruction> insns) {
        Assume.that(insns != null);
        LinuxBackend linux = KernelObjects.backend();
        int before = KernelObjects.bpfFds();
        int slots = Instructions.slotCount(insns);
        try (LoadedObject obj = linux.load(HandBuilt.plan("random", ProgramType.SOCKET_FILTER, insns))) {
            Statistics.collect("loaded");
            assertEquals(1, obj.programs().size());
        } catch (VerifierException e) {
            Statistics.collect(dev.bpf4j.backend.BackendException.name(e.errno()));
            assertEquals("random", e.program());
            assertTrue(e.errno() < 0);
            assertTrue(e.getMessage().startsWith("bpf(BPF_PROG_LOAD) for program 'random'"), e.getMessage());
            e.instruction().ifPresent(i -> assertTrue(i >= 0 && i < slots, "instruction " + i + " of " + slots + "\n" + e.log()));
        }
        assertEquals(before, KernelObjects.bpfFds());
    }
}
