package dev.bpf4j.loader;

import dev.bpf4j.elf.ObjectFormatException;
import dev.bpf4j.elf.ObjectPatcher;
import dev.bpf4j.elf.Relocation;
import dev.bpf4j.elf.Section;
import dev.bpf4j.elf.Symbol;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Relocations libbpf refuses are refused with a message naming program, instruction and symbol. */
class LinkerErrorsTest {
    private static final LinkOptions NO_KCONFIG = new LinkOptions(KernelConfig.parse("", 0));

    private static ObjectPatcher patcher(String object) {
        return new ObjectPatcher(object + ".o", TestObjects.object(object, Target.BPFEL));
    }

    private static void assertLinkRejected(String object, byte[] bytes, String... parts) {
        ObjectSpec spec = SpecReader.read(object + ".o", bytes);
        String m = assertThrows(ObjectFormatException.class, () -> Linker.link(spec, NO_KCONFIG)).getMessage();
        assertTrue(m.startsWith(object + ".o: "), m);
        for (String p : parts)
            assertTrue(m.contains(p), "'" + m + "' should mention '" + p + "'");
    }

    /** Points relocation #index of a REL section at another symbol. */
    private static byte[] retarget(ObjectPatcher p, String relSection, int index, String symbol) {
        Section rel = p.section(relSection);
        Relocation r = p.elf().relocations(rel).get(index);
        Symbol s = p.symbol(symbol);
        return p.u64(rel.offset() + 16L * index + 8, ((long) s.index() << 32) | r.type()).bytes();
    }

    @Test
    void relocationAgainstANonMapSection() {
        ObjectPatcher p = patcher("globals");
        assertLinkRejected("globals", retarget(p, ".relxdp", 0, "LICENSE"),
                "prog 'globals_xdp'", "insn #2", "bad map relo against 'LICENSE' in section 'license'");
    }

    @Test
    void relocationOnAnInstructionThatIsNeitherCallNorLoad() {
        ObjectPatcher p = patcher("globals");
        Section rel = p.section(".relxdp");
        // Move relocation #0 (an ld_imm64 at slot 2) onto slot 0, an ordinary load.
        assertLinkRejected("globals", p.u64(rel.offset(), 0).bytes(), "prog 'globals_xdp'", "invalid relo against 'counter' for insns[0]");
    }

    @Test
    void relocationOnTheSecondHalfOfALoad() {
        ObjectPatcher p = patcher("globals");
        Section rel = p.section(".relxdp");
        assertLinkRejected("globals", p.u64(rel.offset(), 0x18).bytes(), "invalid relo against 'counter' for insns[3].code 0x0");
    }

    @Test
    void callRelocationAgainstAMap() {
        ObjectPatcher p = patcher("subprogs");
        assertLinkRejected("subprogs", retarget(p, ".relxdp", 0, "results"),
                "prog 'sub_xdp'", "insn #7", "bad call relo against 'results' in section '.maps'");
    }

    @Test
    void callToAMissingFunction() {
        ObjectPatcher p = patcher("subprogs");
        Section xdp = p.section("xdp");
        // Insn #7 of sub_xdp is `call -1` (a global callee); aim it far past the end of .text.
        assertLinkRejected("subprogs", p.u32(xdp.offset() + 7 * 8 + 4, 100_000).bytes(),
                "prog 'sub_xdp'", "insn #7", "no .text section found yet sub-program call exists");
    }

    @Test
    void subprogramAddressNotOnAnInstructionBoundary() {
        ObjectPatcher p = patcher("subprogs");
        Section xdp = p.section("xdp");
        // Insn #12 is the ld_imm64 of the bpf_loop callback (static: offset in imm).
        assertLinkRejected("subprogs", p.u32(xdp.offset() + 12 * 8 + 4, 3).bytes(),
                "prog 'sub_xdp'", "insn #12", "bad subprog addr relo against '.text'");
    }

    @Test
    void externWithoutADeclaration() {
        ObjectPatcher p = patcher("kconfig");
        // Renaming the symbol only: the spec reader already refuses an extern BTF lacks.
        assertThrows(ObjectFormatException.class, () -> SpecReader.read("kconfig.o",
                p.replace(".strtab", "CONFIG_HZ\0", "CONFIG_HX\0").bytes()));
    }

    @Test
    void validObjectsLinkAndEveryMapReferenceNamesAMapOfThePlan() {
        for (String name : TestObjects.names()) {
            for (Target t : Target.values()) {
                ObjectSpec spec = SpecReader.read(name + ".o", TestObjects.object(name, t));
                LoadPlan plan = Linker.link(spec, new LinkOptions(KernelConfig.parse("CONFIG_BPF_SYSCALL=y\n", 0)));
                List<String> maps = plan.maps().stream().map(MapSpec::name).toList();
                plan.programs().forEach(pr -> pr.instructions().forEach(i -> {
                    if (i.reference() instanceof dev.bpf4j.asm.Reference.Map m)
                        assertTrue(maps.contains(m.name()) && i.src() == 1, name + " " + pr.name() + ": " + i);
                    if (i.reference() instanceof dev.bpf4j.asm.Reference.MapValue v)
                        assertTrue(maps.contains(v.map()) && i.src() == 2 && i.imm2() == v.offset(), name + " " + pr.name() + ": " + i);
                }));
            }
        }
    }
}
