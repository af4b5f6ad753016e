package dev.bpf4j.elf;

import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ElfWriterTest {

    /** The class Javadoc's example, checked field by field. */
    @Test
    void builtObjectHasTheTablesELFWants() {
        byte[] code = new byte[16];
        ElfWriter w = ElfWriter.create(ByteOrder.BIG_ENDIAN);
        int text = w.addSection("xdp", Section.SHT_PROGBITS)
                .flags(Section.SHF_ALLOC | Section.SHF_EXECINSTR).align(8).contents(code).index();
        int data = w.addSection(".data", Section.SHT_PROGBITS)
                .flags(Section.SHF_ALLOC | Section.SHF_WRITE).align(8).contents(new byte[8]).index();
        int file = w.addSymbol("x.c", 0, 0, Symbol.STB_LOCAL << 4 | Symbol.STT_FILE, 0, Symbol.SHN_ABS);
        int sym = w.addSymbol("counter", 0, 8, Symbol.STB_GLOBAL << 4 | Symbol.STT_OBJECT, 0, data);
        w.addRelocations(text, List.of(new Relocation(0, sym, 1)));
        byte[] bytes = w.write();

        ElfFile elf = ElfReader.read("built.o", bytes);
        assertEquals(List.of("", "xdp", ".data", ".relxdp", ".symtab", ".strtab", ".shstrtab"),
                elf.sections().stream().map(Section::name).toList());
        ByteBuffer header = ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN);
        assertEquals(2, bytes[5], "EI_DATA big-endian");
        assertEquals(6, header.getShort(62), "e_shstrndx");
        Section rel = elf.section(".relxdp").orElseThrow();
        assertEquals(List.of(4, text, ElfWriter.SHF_INFO_LINK, 16L), List.of(rel.link(), rel.info(), rel.flags(), rel.entrySize()));
        Section symtab = elf.section(".symtab").orElseThrow();
        assertEquals(List.of(5, 2, 24L, 8L), List.of(symtab.link(), symtab.info(), symtab.entrySize(), symtab.addressAlignment()));
        assertEquals(List.of(new Relocation(0, sym, 1)), elf.relocations(rel));
        assertEquals("counter", elf.symbols().get(sym).name());
        assertEquals(1, file);
        assertEquals(0, elf.section(text).offset() % 8);
    }

    @Test
    void withoutSymbolsThereIsNoSymbolTable() {
        ElfWriter w = ElfWriter.create(ByteOrder.LITTLE_ENDIAN);
        w.addSection(".rodata", Section.SHT_PROGBITS).contents(new byte[]{1, 2, 3});
        ElfFile elf = ElfReader.read("x.o", w.write());
        assertEquals(List.of("", ".rodata", ".shstrtab"), elf.sections().stream().map(Section::name).toList());
        assertEquals(List.of(), elf.symbols());
    }

    @Test
    void manySectionsUseExtendedNumbering() {
        ElfWriter w = ElfWriter.create(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 0xff00; i++)
            w.addSection("s", Section.SHT_PROGBITS);
        byte[] bytes = w.write();
        ByteBuffer header = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, header.getShort(60), "e_shnum 0: the count is in section 0's sh_size");
        assertEquals((short) 0xffff, header.getShort(62), "e_shstrndx SHN_XINDEX: the index is in section 0's sh_link");
        ElfFile elf = ElfReader.read("many.o", bytes);
        assertEquals(0xff02, elf.sections().size());
        assertEquals(".shstrtab", elf.section(0xff01).name());
        assertArrayEquals(bytes, ElfWriter.copyOf(elf).write());
    }

    @Test
    void changingASizeInACopyMovesTheSectionsAfterIt() {
        ElfFile elf = ElfReader.read("globals.o", TestObjects.object("globals", Target.BPFEL));
        Section license = elf.section("license").orElseThrow();
        byte[] longer = "Dual BSD/GPL\0".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        ElfFile back = ElfReader.read("out.o", ElfWriter.copyOf(elf).replaceContents(license.index(), longer).write());
        assertArrayEquals(longer, back.bytes(back.section(license.index())));
        for (Section s : elf.sections())
            if (s.index() != license.index())
                assertArrayEquals(elf.bytes(s), back.bytes(back.section(s.index())), s.name());
        assertEquals(elf.symbols(), back.symbols());
    }

    @Test
    void aLocalSymbolAfterAGlobalIsRefused() {
        ElfWriter w = ElfWriter.create(ByteOrder.LITTLE_ENDIAN);
        w.addSymbol("g", 0, 0, Symbol.STB_GLOBAL << 4, 0, 0);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.addSymbol("l", 0, 0, 0, 0, 0));
        assertEquals("symbol 'l' is local but follows a non-local symbol: ELF puts local symbols first", e.getMessage());
    }

    @Test
    void alignmentMustBeAPowerOfTwo() {
        ElfWriter.SectionBuilder b = ElfWriter.create(ByteOrder.LITTLE_ENDIAN).addSection("x", Section.SHT_PROGBITS);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.align(12));
        assertTrue(e.getMessage().contains("alignment 12 is not 0 or a power of two"), e.getMessage());
    }

    @Test
    void aRelocationNamingAMissingSymbolIsRefusedWhenWritten() {
        ElfWriter w = ElfWriter.create(ByteOrder.LITTLE_ENDIAN);
        int text = w.addSection("xdp", Section.SHT_PROGBITS).contents(new byte[16]).index();
        w.addRelocations(text, List.of(new Relocation(0, 3, 1)));
        IllegalStateException e = assertThrows(IllegalStateException.class, w::write);
        assertEquals("section '.relxdp': relocation #0 refers to symbol #3, but there are 1 symbols (the null symbol included)", e.getMessage());
    }

    @Test
    void nobitsHasNoContentsToReplace() {
        ElfFile elf = ElfReader.read("globals.o", TestObjects.object("globals", Target.BPFEL));
        int bss = elf.section(".bss").orElseThrow().index();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ElfWriter.copyOf(elf).replaceContents(bss, new byte[60]));
        assertEquals("section '.bss' is NOBITS: it has no bytes in the file, only a size", e.getMessage());
    }

    @Test
    void aCopyKeepsItsSectionsAndSymbols() {
        ElfWriter w = ElfWriter.copyOf(ElfReader.read("globals.o", TestObjects.object("globals", Target.BPFEL)));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> w.addSection("x", Section.SHT_PROGBITS));
        assertEquals("globals.o: the sections of a copied object are kept as they are; only contents can be replaced", e.getMessage());
        assertThrows(IllegalStateException.class, () -> w.addSymbol("x", 0, 0, 0, 0, 0));
    }

    @Test
    void aHugeAlignmentInTheInputIsAFormatError() {
        ObjectPatcher p = new ObjectPatcher("globals.o", TestObjects.object("globals", Target.BPFEB));
        Section data = p.section(".data");
        byte[] patched = p.u64(p.sectionHeader(data.index()) + 48, 1L << 40).bytes();
        ObjectFormatException e = assertThrows(ObjectFormatException.class, () -> ElfWriter.copyOf(ElfReader.read("globals.o", patched)));
        assertEquals("globals.o: section #" + data.index() + " '.data': alignment 0x10000000000 is above the 0x10000 bpf4j writes", e.getMessage());
    }
}
