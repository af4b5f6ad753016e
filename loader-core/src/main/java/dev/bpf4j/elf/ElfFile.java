package dev.bpf4j.elf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed ELF64 relocatable object: sections, symbols and REL records, all bounds-checked by
 * {@link ElfReader}. Section contents are served as read-only views of the file's bytes.
 *
 * <pre>{@code
 * ElfFile elf = ElfReader.read(Path.of("prog.o"));
 * Section text = elf.section(".text").orElseThrow();
 * ByteBuffer code = elf.contents(text);
 * }</pre>
 */
public final class ElfFile {
    /** e_machine of BPF objects. */
    public static final int EM_BPF = 247;
    /** e_type of relocatable objects. */
    public static final int ET_REL = 1;

    private final String name;
    private final byte[] bytes;
    private final ByteOrder order;
    private final int machine;
    private final List<Section> sections;
    private final Map<String, Section> sectionsByName;
    private final List<Symbol> symbols;

    ElfFile(String name, byte[] bytes, ByteOrder order, int machine, List<Section> sections,
            Map<String, Section> sectionsByName, List<Symbol> symbols) {
        this.name = name;
        this.bytes = bytes;
        this.order = order;
        this.machine = machine;
        this.sections = sections;
        this.sectionsByName = sectionsByName;
        this.symbols = symbols;
    }

    /** The name used in error messages (usually the file name). */
    public String name() {
        return name;
    }

    public ByteOrder byteOrder() {
        return order;
    }

    public int machine() {
        return machine;
    }

    /** All sections, index 0 (the null section) included, so that list index = section index. */
    public List<Section> sections() {
        return sections;
    }

    public Section section(int index) {
        if (index < 0 || index >= sections.size())
            throw new ObjectFormatException(name, "section index %d out of range (%d sections)", index, sections.size());
        return sections.get(index);
    }

    /** The first section with that name. */
    public Optional<Section> section(String sectionName) {
        return Optional.ofNullable(sectionsByName.get(sectionName));
    }

    /** The symbol table, entry 0 (the null symbol) included; empty when the file has none. */
    public List<Symbol> symbols() {
        return symbols;
    }

    /**
     * The REL records of a SHT_REL section, decoded on each call; empty for any other section.
     *
     * @throws ObjectFormatException when a record names a symbol the table lacks
     */
    public List<Relocation> relocations(Section relSection) {
        if (!relSection.isRel())
            return List.of();
        return ElfReader.relocations(this, contents(relSection), relSection);
    }

    /** A read-only view of a section's bytes in the file's byte order; empty for NOBITS. */
    public ByteBuffer contents(Section section) {
        if (section.isNoBits())
            return ByteBuffer.allocate(0).asReadOnlyBuffer().order(order);
        // slice() and asReadOnlyBuffer() reset the order to big-endian, so set it last.
        return ByteBuffer.wrap(bytes, (int) section.offset(), (int) section.size()).slice().asReadOnlyBuffer().order(order);
    }

    /**
     * A copy of a section's bytes; empty for NOBITS, which has none in the file (its size may be
     * anything a hostile file claims, so it is never materialised here).
     */
    public byte[] bytes(Section section) {
        if (section.isNoBits())
            return new byte[0];
        return Arrays.copyOfRange(bytes, (int) section.offset(), (int) (section.offset() + section.size()));
    }

    /** The whole file (not a copy: callers must not modify it). */
    byte[] rawBytes() {
        return bytes;
    }
}
