package dev.bpf4j.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads ELF64 relocatable BPF objects, little- or big-endian. Every offset and size in the
 * file is checked before it is used, so the rest of bpf4j can trust an {@link ElfFile};
 * malformed input gives an {@link ObjectFormatException} naming the file and the part at
 * fault, and no allocation exceeds what the input's size justifies.
 *
 * <pre>{@code
 * ElfFile elf = ElfReader.read(Path.of("xdp_parser.o"));
 * ElfFile same = ElfReader.read("xdp_parser.o", Files.readAllBytes(path));
 * }</pre>
 */
public final class ElfReader {

    private final String name;
    private final byte[] bytes;
    private final ByteBuffer buf;

    private ElfReader(String name, byte[] bytes, ByteOrder order) {
        this.name = name;
        this.bytes = bytes;
        this.buf = ByteBuffer.wrap(bytes).order(order);
    }

    public static ElfFile read(Path path) throws IOException {
        return read(path.getFileName().toString(), Files.readAllBytes(path));
    }

    /** Whether {@code prefix} starts with the ELF magic {@code "\x7fELF"} (a file's first 4 bytes suffice). */
    public static boolean hasElfMagic(byte[] prefix) {
        return prefix.length >= 4 && prefix[0] == 0x7f && prefix[1] == 'E' && prefix[2] == 'L' && prefix[3] == 'F';
    }

    /**
     * Parses {@code bytes}, which the returned file keeps (not copied): do not modify them.
     *
     * @param name the name used in error messages
     */
    public static ElfFile read(String name, byte[] bytes) {
        if (bytes.length < ElfLayout.EHDR_SIZE)
            throw new ObjectFormatException(name, "truncated ELF header: file has %d bytes, the header needs %d", bytes.length, ElfLayout.EHDR_SIZE);
        if (!hasElfMagic(bytes))
            throw new ObjectFormatException(name, "not an ELF file (bad magic)");
        if (bytes[4] != 2)
            throw new ObjectFormatException(name, "ELF class %d is not supported: BPF objects are ELF64 (class 2)", bytes[4]);
        ByteOrder order = switch (bytes[5]) {
            case 1 -> ByteOrder.LITTLE_ENDIAN;
            case 2 -> ByteOrder.BIG_ENDIAN;
            default -> throw new ObjectFormatException(name, "ELF data encoding %d is neither little (1) nor big endian (2)", bytes[5]);
        };
        return new ElfReader(name, bytes, order).parse();
    }

    private ElfFile parse() {
        int type = u16(16);
        int machine = u16(18);
        if (type != ElfFile.ET_REL)
            throw error("ELF type %d is not a relocatable object (ET_REL = 1)", type);
        if (machine != ElfFile.EM_BPF)
            throw error("ELF machine %d is not BPF (EM_BPF = 247)", machine);

        List<Section> sections = readSections();
        Map<String, Section> byName = new HashMap<>();
        for (Section s : sections)
            byName.putIfAbsent(s.name(), s);

        Section symtab = null;
        for (Section s : sections) {
            if (s.isSymbolTable()) {
                if (symtab != null)
                    throw error("more than one symbol table (sections %d and %d)", symtab.index(), s.index());
                symtab = s;
            }
        }
        List<Symbol> symbols = symtab == null ? List.of() : readSymbols(symtab, sections);

        for (Section s : sections)
            if (s.isRel())
                checkRelocationSection(s, symtab, sections);
        return new ElfFile(name, bytes, buf.order(), machine, List.copyOf(sections), Map.copyOf(byName), List.copyOf(symbols));
    }

    /** Reads the section header table and resolves section names against e_shstrndx. */
    private List<Section> readSections() {
        long shoff = u64(40);
        int shentsize = u16(58);
        long shnum = u16(60);
        int shstrndx = u16(62);
        if (shoff == 0)
            throw error("no section header table (e_shoff is 0)");
        if (shentsize != ElfLayout.SHDR_SIZE)
            throw error("section header size %d is not %d", shentsize, ElfLayout.SHDR_SIZE);
        if (!inFile(shoff, ElfLayout.SHDR_SIZE))
            throw error("section header table at offset 0x%x is outside the file (size 0x%x)", shoff, bytes.length);
        // Extended numbering: with e_shnum 0 or e_shstrndx ElfLayout.SHN_XINDEX the real values live in section 0.
        if (shnum == 0)
            shnum = u64(shoff + 32);
        if (shstrndx == ElfLayout.SHN_XINDEX)
            shstrndx = (int) u32(shoff + 40);
        if (shnum <= 0 || !inFile(shoff, mul(shnum, ElfLayout.SHDR_SIZE)))
            throw error("section header table (%d entries at offset 0x%x) is outside the file (size 0x%x)", shnum, shoff, bytes.length);
        if (shstrndx <= 0 || shstrndx >= shnum)
            throw error("section name table index %d is out of range (%d sections)", shstrndx, shnum);

        long namesAt = shoff + (long) shstrndx * ElfLayout.SHDR_SIZE;
        Section names = header(namesAt, shstrndx, "");
        if (names.type() != Section.SHT_STRTAB)
            throw error("section name table (section #%d) is not a string table", shstrndx);
        List<Section> sections = new ArrayList<>((int) shnum);
        sections.add(header(shoff, 0, ""));
        for (int i = 1; i < shnum; i++) {
            long at = shoff + (long) i * ElfLayout.SHDR_SIZE;
            sections.add(header(at, i, string(names, u32(at), "section", i)));
        }
        return sections;
    }

    private Section header(long at, int index, String sectionName) {
        Section s = new Section(index, sectionName, (int) u32(at + 4), u64(at + 8), u64(at + 24), u64(at + 32),
                (int) u32(at + 40), (int) u32(at + 44), u64(at + 48), u64(at + 56));
        if (index == 0)
            return s;
        if (s.size() < 0 || s.size() > Integer.MAX_VALUE)
            throw error("section #%d '%s': size 0x%x is too large", index, sectionName, s.size());
        if (s.type() != Section.SHT_NOBITS && s.type() != Section.SHT_NULL && !inFile(s.offset(), s.size()))
            throw error("section #%d '%s': offset 0x%x size 0x%x is outside the file (size 0x%x)",
                    index, sectionName, s.offset(), s.size(), bytes.length);
        return s;
    }

    private List<Symbol> readSymbols(Section symtab, List<Section> sections) {
        if (symtab.size() % ElfLayout.SYM_SIZE != 0)
            throw error("symbol table '%s': size 0x%x is not a multiple of %d", symtab.name(), symtab.size(), ElfLayout.SYM_SIZE);
        if (symtab.link() <= 0 || symtab.link() >= sections.size() || sections.get(symtab.link()).type() != Section.SHT_STRTAB)
            throw error("symbol table '%s': string table index %d is not a string table", symtab.name(), symtab.link());
        Section strtab = sections.get(symtab.link());
        int count = (int) (symtab.size() / ElfLayout.SYM_SIZE);
        List<Symbol> symbols = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long at = symtab.offset() + (long) i * ElfLayout.SYM_SIZE;
            long nameOffset = u32(at);
            int info = bytes[(int) at + 4] & 0xff;
            int other = bytes[(int) at + 5] & 0xff;
            int shndx = u16(at + 6);
            if (shndx == ElfLayout.SHN_XINDEX)
                throw error("symbol #%d: extended section indexes (ElfLayout.SHN_XINDEX) are not supported", i);
            if (shndx != Symbol.SHN_UNDEF && shndx < ElfLayout.SHN_LORESERVE && shndx >= sections.size())
                throw error("symbol #%d: section index %d is out of range (%d sections)", i, shndx, sections.size());
            String n = string(strtab, nameOffset, "symbol", i);
            symbols.add(new Symbol(i, n, u64(at + 8), u64(at + 16), info, other, shndx));
        }
        return symbols;
    }

    // The records themselves are decoded on demand (ElfFile.relocations): most REL sections of a
    // clang object describe DWARF and .BTF.ext, which nothing here reads.
    private void checkRelocationSection(Section rel, Section symtab, List<Section> sections) {
        if (rel.size() % ElfLayout.REL_SIZE != 0)
            throw error("relocation section '%s': size 0x%x is not a multiple of %d", rel.name(), rel.size(), ElfLayout.REL_SIZE);
        if (symtab == null || rel.link() != symtab.index())
            throw error("relocation section '%s': linked section %d is not the symbol table", rel.name(), rel.link());
        if (rel.info() <= 0 || rel.info() >= sections.size())
            throw error("relocation section '%s': target section index %d is out of range (%d sections)", rel.name(), rel.info(), sections.size());
    }

    /** Decodes the records of a REL section that {@link #parse} checked; symbol indexes are checked here. */
    static List<Relocation> relocations(ElfFile elf, ByteBuffer data, Section rel) {
        int count = (int) (rel.size() / ElfLayout.REL_SIZE);
        int symbolCount = elf.symbols().size();
        List<Relocation> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long info = data.getLong(i * ElfLayout.REL_SIZE + 8);
            long sym = info >>> 32;
            if (sym >= symbolCount)
                throw new ObjectFormatException(elf.name(), "relocation section '%s': relocation #%d refers to symbol #%d, but there are %d symbols",
                        rel.name(), i, sym, symbolCount);
            out.add(new Relocation(data.getLong(i * ElfLayout.REL_SIZE), (int) sym, (int) info));
        }
        return List.copyOf(out);
    }

    /** The NUL-terminated string at {@code offset}; {@code owner #index} names the reader for errors (built only then). */
    private String string(Section table, long offset, String owner, int index) {
        if (table.isNoBits() || offset < 0 || offset >= table.size())
            throw error("%s #%d name: string offset 0x%x is outside string table '%s' (size 0x%x)", owner, index, offset, table.name().isEmpty() ? "#" + table.index() : table.name(), table.size());
        int start = (int) (table.offset() + offset);
        int end = (int) (table.offset() + table.size());
        for (int i = start; i < end; i++)
            if (bytes[i] == 0)
                return new String(bytes, start, i - start, StandardCharsets.ISO_8859_1);
        throw error("%s #%d name: string at offset 0x%x is not NUL-terminated in its table", owner, index, offset);
    }

    private boolean inFile(long offset, long size) {
        return offset >= 0 && size >= 0 && offset <= bytes.length && size <= bytes.length - offset;
    }

    private static long mul(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    private int u16(long at) {
        return buf.getShort((int) at) & 0xffff;
    }

    private long u32(long at) {
        return buf.getInt((int) at) & 0xffffffffL;
    }

    private long u64(long at) {
        return buf.getLong((int) at);
    }

    private ObjectFormatException error(String format, Object... args) {
        return new ObjectFormatException(name, format, args);
    }
}
