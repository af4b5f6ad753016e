package dev.bpf4j.loader;

import dev.bpf4j.asm.Disassembler;
import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.ElfReader;
import dev.bpf4j.elf.ObjectFormatException;
import dev.bpf4j.elf.Section;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Only the typed exception ever escapes: mutated copies of every testdata object either parse
 * or give an ObjectFormatException, never an IndexOutOfBounds, an OutOfMemoryError or a hang.
 * Mutations aim at the structures a reader trusts: the ELF header, the section header table,
 * the symbol table, relocations and BTF, as well as anywhere in the file.
 */
class MutatedObjectsProperties {

    record Mutation(int region, double where, int width, long value) {
    }

    record Case(String name, Target target, List<Mutation> mutations, double truncateTo) {
        byte[] apply() {
            byte[] bytes = TestObjects.object(name, target);
            ElfFile elf = ElfReader.read(name, bytes);
            ByteBuffer buf = ByteBuffer.wrap(bytes).order(target == Target.BPFEL ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
            long[][] regions = regions(elf, bytes.length, buf);
            for (Mutation m : mutations) {
                long[] r = regions[m.region % regions.length];
                long at = r[0] + (long) (m.where * Math.max(0, r[1] - r[0] - m.width));
                if (at < 0 || at + m.width > bytes.length)
                    continue;
                switch (m.width) {
                    case 1 -> buf.put((int) at, (byte) m.value);
                    case 2 -> buf.putShort((int) at, (short) m.value);
                    case 4 -> buf.putInt((int) at, (int) m.value);
                    default -> buf.putLong((int) at, m.value);
                }
            }
            int length = truncateTo >= 1 ? bytes.length : (int) (bytes.length * truncateTo);
            return java.util.Arrays.copyOf(bytes, length);
        }

        /** Byte ranges to aim at: ELF header, whole file, section header table, then structures. */
        private static long[][] regions(ElfFile elf, int length, ByteBuffer buf) {
            List<long[]> out = new ArrayList<>();
            out.add(new long[]{0, 64});
            long shoff = buf.getLong(40);
            out.add(new long[]{shoff, shoff + 64L * elf.sections().size()});
            out.add(new long[]{0, length});
            for (Section s : elf.sections())
                if (s.isSymbolTable() || s.isRel() || s.name().equals(".BTF") || s.name().equals(".maps") || s.name().equals("maps")
                        || s.isExecutable())
                    out.add(new long[]{s.offset(), s.offset() + s.size()});
            return out.toArray(long[][]::new);
        }
    }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<Long> interesting = Arbitraries.oneOf(
                Arbitraries.of(0L, 1L, -1L, 0x7fffffffL, 0x80000000L, 0xffffffffL, Long.MAX_VALUE, Long.MIN_VALUE, 8L, 24L, 64L),
                Arbitraries.longs());
        Arbitrary<Mutation> mutation = Combinators.combine(
                Arbitraries.integers().between(0, 40), Arbitraries.doubles().between(0, 1),
                Arbitraries.of(1, 2, 4, 8), interesting).as(Mutation::new);
        return Combinators.combine(
                Arbitraries.of(TestObjects.names()), Arbitraries.of(Target.values()),
                mutation.list().ofMinSize(1).ofMaxSize(6),
                Arbitraries.oneOf(Arbitraries.just(1.0), Arbitraries.doubles().between(0, 1))).as(Case::new);
    }

    @Property(tries = 3000)
    void onlyTheTypedExceptionEscapes(@ForAll("cases") Case c) {
        byte[] bytes = c.apply();
        ObjectSpec spec;
        try {
            spec = SpecReader.read(c.name() + ".o", bytes);
        } catch (ObjectFormatException expected) {
            return;
        }
        // A spec that parsed must be usable: every program disassembles.
        for (ProgramSpec p : spec.programs())
            Disassembler.listing(p.instructions());
        for (ProgramSpec p : spec.subprograms())
            Disassembler.listing(p.instructions());
    }
}
