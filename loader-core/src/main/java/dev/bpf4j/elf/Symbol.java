package dev.bpf4j.elf;

/**
 * One ELF symbol table entry, with its name resolved. {@code index} is its position in the
 * symbol table, the number relocations refer to.
 *
 * <pre>{@code
 * elf.symbols().stream().filter(Symbol::isFunction).map(Symbol::name).forEach(System.out::println);
 * }</pre>
 */
public record Symbol(int index, String name, long value, long size, int info, int other, int sectionIndex) {

    public static final int STB_LOCAL = 0;
    public static final int STB_GLOBAL = 1;
    public static final int STB_WEAK = 2;

    public static final int STT_NOTYPE = 0;
    public static final int STT_OBJECT = 1;
    public static final int STT_FUNC = 2;
    public static final int STT_SECTION = 3;
    public static final int STT_FILE = 4;

    public static final int SHN_UNDEF = 0;
    public static final int SHN_ABS = 0xfff1;
    public static final int SHN_COMMON = 0xfff2;

    public static final int STV_DEFAULT = 0;
    public static final int STV_HIDDEN = 2;

    public int binding() {
        return info >>> 4;
    }

    public int type() {
        return info & 0xf;
    }

    public int visibility() {
        return other & 0x3;
    }

    public boolean isFunction() {
        return type() == STT_FUNC;
    }

    public boolean isSectionSymbol() {
        return type() == STT_SECTION;
    }

    public boolean isLocal() {
        return binding() == STB_LOCAL;
    }

    public boolean isGlobal() {
        return binding() == STB_GLOBAL;
    }

    public boolean isWeak() {
        return binding() == STB_WEAK;
    }

    public boolean isUndefined() {
        return sectionIndex == SHN_UNDEF;
    }

    /** True when the symbol lives in a real section (not undefined, absolute or common). */
    public boolean isInSection() {
        return sectionIndex != SHN_UNDEF && sectionIndex < 0xff00;
    }
}
