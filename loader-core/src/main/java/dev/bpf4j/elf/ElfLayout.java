package dev.bpf4j.elf;

/** Sizes and special indexes of the ELF64 structures, shared by the reader and the writer. */
final class ElfLayout {
    static final int EHDR_SIZE = 64;
    static final int SHDR_SIZE = 64;
    static final int SYM_SIZE = 24;
    static final int REL_SIZE = 16;
    static final int SHN_LORESERVE = 0xff00;
    static final int SHN_XINDEX = 0xffff;

    private ElfLayout() {
    }
}
