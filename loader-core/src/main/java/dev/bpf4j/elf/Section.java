package dev.bpf4j.elf;

/**
 * One ELF section header, with its name resolved. Offsets and sizes were checked against the
 * file when it was read: a section that is not {@link #isNoBits() NOBITS} lies inside the file.
 *
 * <pre>{@code
 * for (Section s : elf.sections())
 *     if (s.isExecutable()) System.out.println(s.name() + " " + s.size());
 * }</pre>
 */
public record Section(int index, String name, int type, long flags, long offset, long size,
                      int link, int info, long addressAlignment, long entrySize) {

    public static final int SHT_NULL = 0;
    public static final int SHT_PROGBITS = 1;
    public static final int SHT_SYMTAB = 2;
    public static final int SHT_STRTAB = 3;
    public static final int SHT_RELA = 4;
    public static final int SHT_NOBITS = 8;
    public static final int SHT_REL = 9;
    public static final int SHT_LLVM_ADDRSIG = 0x6fff4c03;

    public static final long SHF_WRITE = 0x1;
    public static final long SHF_ALLOC = 0x2;
    public static final long SHF_EXECINSTR = 0x4;

    public boolean isExecutable() {
        return type == SHT_PROGBITS && (flags & SHF_EXECINSTR) != 0;
    }

    public boolean isAlloc() {
        return (flags & SHF_ALLOC) != 0;
    }

    public boolean isWritable() {
        return (flags & SHF_WRITE) != 0;
    }

    public boolean isNoBits() {
        return type == SHT_NOBITS;
    }

    public boolean isRel() {
        return type == SHT_REL;
    }

    public boolean isSymbolTable() {
        return type == SHT_SYMTAB;
    }
}
