package dev.bpf4j.elf;

import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteOrder;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ElfReaderTest {
    private static final String NAME = "globals.o";

    private static ObjectPatcher patcher() {
        return new ObjectPatcher(NAME, TestObjects.object("globals", Target.BPFEL));
    }

    private static String error(byte[] bytes) {
        return assertThrows(ObjectFormatException.class, () -> ElfReader.read(NAME, bytes)).getMessage();
    }

    private static void assertMentions(String message, String... parts) {
        assertTrue(message.startsWith(NAME + ": "), message);
        for (String p : parts)
            assertTrue(message.contains(p), "'" + message + "' should mention '" + p + "'");
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void readsBothByteOrders(Target target) {
        ElfFile elf = ElfReader.read(NAME, TestObjects.object("globals", target));
        assertEquals(target == Target.BPFEL ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN, elf.byteOrder());
        assertEquals(ElfFile.EM_BPF, elf.machine());
        Set<String> names = elf.sections().stream().map(Section::name).collect(Collectors.toSet());
        assertTrue(names.containsAll(List.of(".text", "xdp", "tc", ".data", ".rodata", ".bss", ".BTF", ".symtab", "license")), names.toString());
        Symbol counter = elf.symbols().stream().filter(s -> s.name().equals("counter")).findFirst().orElseThrow();
        assertEquals(".data", elf.section(counter.sectionIndex()).name());
        assertEquals(4, counter.size());
        assertTrue(counter.isGlobal());
        // Relocation records: the REL section size divided by the record size, each naming a real symbol.
        for (Section s : elf.sections())
            if (s.isRel()) {
                assertEquals(s.size() / 16, elf.relocations(s).size(), s.name());
                elf.relocations(s).forEach(r -> assertTrue(r.symbol() < elf.symbols().size()));
            }
    }

    @Test
    void bothByteOrdersGiveTheSameStructure() {
        ElfFile le = ElfReader.read(NAME, TestObjects.object("globals", Target.BPFEL));
        ElfFile be = ElfReader.read(NAME, TestObjects.object("globals", Target.BPFEB));
        assertEquals(le.sections().stream().map(Section::name).toList(), be.sections().stream().map(Section::name).toList());
        assertEquals(le.symbols().stream().map(s -> s.name() + "@" + s.value()).toList(),
                be.symbols().stream().map(s -> s.name() + "@" + s.value()).toList());
    }

    @Test
    void truncatedHeader() {
        assertMentions(error(patcher().truncated(40)), "truncated ELF header", "40 bytes");
    }

    @Test
    void truncatedFileLosesTheSectionHeaders() {
        ObjectPatcher p = patcher();
        assertMentions(error(p.truncated(p.bytes().length / 2)), "outside the file");
    }

    @Test
    void notElf() {
        assertMentions(error(patcher().u8(1, 'X').bytes()), "not an ELF file");
    }

    @Test
    void wrongClass() {
        assertMentions(error(patcher().u8(4, 1).bytes()), "ELF class 1", "ELF64");
    }

    @Test
    void wrongDataEncoding() {
        assertMentions(error(patcher().u8(5, 7).bytes()), "data encoding 7");
    }

    @Test
    void wrongMachine() {
        assertMentions(error(patcher().u16(ObjectPatcher.EHDR_MACHINE, 62).bytes()), "machine 62", "EM_BPF");
    }

    @Test
    void sectionHeaderTableOutOfRange() {
        assertMentions(error(patcher().u64(ObjectPatcher.EHDR_SHOFF, 1L << 40).bytes()), "section header table", "outside the file");
        assertMentions(error(patcher().u16(ObjectPatcher.EHDR_SHNUM, 0xfff0).bytes()), "section header table", "entries");
    }

    @Test
    void sectionNameTableIndexOutOfRange() {
        assertMentions(error(patcher().u16(ObjectPatcher.EHDR_SHSTRNDX, 999).bytes()), "section name table index 999");
    }

    @Test
    void sectionContentsOutsideTheFile() {
        ObjectPatcher p = patcher();
        Section data = p.section(".data");
        String m = error(p.u64(p.sectionHeader(data.index()) + ObjectPatcher.SHDR_OFFSET, 0x7fff_0000L).bytes());
        assertMentions(m, "section #" + data.index(), "'.data'", "outside the file");
    }

    @Test
    void sectionSizeTooLarge() {
        ObjectPatcher p = patcher();
        Section bss = p.section(".bss");
        String m = error(p.u64(p.sectionHeader(bss.index()) + ObjectPatcher.SHDR_SIZE, -1L).bytes());
        assertMentions(m, "'.bss'", "too large");
    }

    @Test
    void symbolPointingAtAMissingSection() {
        ObjectPatcher p = patcher();
        Symbol counter = p.symbol("counter");
        String m = error(p.u16(p.symbolEntry(counter) + ObjectPatcher.SYM_SHNDX, 0xfe00).bytes());
        assertMentions(m, "symbol #" + counter.index(), "section index 65024", "out of range");
    }

    @Test
    void symbolNameOffsetOutOfRange() {
        ObjectPatcher p = patcher();
        Symbol counter = p.symbol("counter");
        String m = error(p.u32(p.symbolEntry(counter) + ObjectPatcher.SYM_NAME, 0xfffffff).bytes());
        assertMentions(m, "symbol #" + counter.index() + " name", "string offset 0xfffffff", "outside string table");
    }

    @Test
    void sectionNameOffsetOutOfRange() {
        ObjectPatcher p = patcher();
        int index = p.section(".data").index();
        String m = error(p.u32(p.sectionHeader(index) + ObjectPatcher.SHDR_NAME, 0x7ffffff).bytes());
        assertMentions(m, "section #" + index + " name", "string offset 0x7ffffff");
    }

    @Test
    void symbolTableOfOddSize() {
        ObjectPatcher p = patcher();
        Section symtab = p.section(".symtab");
        String m = error(p.u64(p.sectionHeader(symtab.index()) + ObjectPatcher.SHDR_SIZE, symtab.size() - 5).bytes());
        assertMentions(m, "symbol table '.symtab'", "not a multiple of 24");
    }

    @Test
    void relocationAgainstAMissingSymbol() {
        ObjectPatcher p = patcher();
        Section rel = p.section(".relxdp");
        byte[] bytes = p.u64(rel.offset() + 8, (100_000L << 32) | 1).bytes();
        // Records are decoded when asked for (most REL sections are DWARF's, which nothing reads).
        ElfFile elf = ElfReader.read(NAME, bytes);
        String m = assertThrows(ObjectFormatException.class, () -> elf.relocations(rel)).getMessage();
        assertMentions(m, "relocation section '.relxdp'", "relocation #0", "symbol #100000");
        assertThrows(ObjectFormatException.class, () -> dev.bpf4j.loader.SpecReader.read(NAME, bytes));
    }

    @Test
    void relocationSectionWithABadTarget() {
        ObjectPatcher p = patcher();
        Section rel = p.section(".relxdp");
        String m = error(p.u32(p.sectionHeader(rel.index()) + ObjectPatcher.SHDR_INFO, 5000).bytes());
        assertMentions(m, "'.relxdp'", "target section index 5000");
    }
}
