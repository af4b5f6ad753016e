package dev.bpf4j.elf;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Makes malformed copies of a valid object for error-path tests: it locates structures with
 * the reader (on the pristine bytes) and patches raw fields in the copy.
 */
public final class ObjectPatcher {
    public static final int EHDR_SHOFF = 40, EHDR_SHNUM = 60, EHDR_SHSTRNDX = 62, EHDR_MACHINE = 18;
    public static final int SHDR_NAME = 0, SHDR_OFFSET = 24, SHDR_SIZE = 32, SHDR_LINK = 40, SHDR_INFO = 44;
    public static final int SYM_NAME = 0, SYM_INFO = 4, SYM_SHNDX = 6, SYM_VALUE = 8, SYM_SIZE = 16;

    private final ElfFile elf;
    private final byte[] bytes;
    private final ByteBuffer buf;

    public ObjectPatcher(String name, byte[] original) {
        this.elf = ElfReader.read(name, original.clone());
        this.bytes = original.clone();
        this.buf = ByteBuffer.wrap(bytes).order(elf.byteOrder());
    }

    public ElfFile elf() {
        return elf;
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public Section section(String name) {
        return elf.section(name).orElseThrow(() -> new AssertionError("test object has no section " + name));
    }

    public Symbol symbol(String name) {
        return elf.symbols().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("test object has no symbol " + name));
    }

    public long sectionHeader(int index) {
        return buf.getLong(EHDR_SHOFF) + 64L * index;
    }

    public long symbolEntry(Symbol s) {
        Section symtab = elf.sections().stream().filter(Section::isSymbolTable).findFirst().orElseThrow();
        return symtab.offset() + 24L * s.index();
    }

    public ObjectPatcher u8(long at, int v) {
        bytes[(int) at] = (byte) v;
        return this;
    }

    public ObjectPatcher u16(long at, int v) {
        buf.putShort((int) at, (short) v);
        return this;
    }

    public ObjectPatcher u32(long at, long v) {
        buf.putInt((int) at, (int) v);
        return this;
    }

    public ObjectPatcher u64(long at, long v) {
        buf.putLong((int) at, v);
        return this;
    }

    public int u32(long at) {
        return buf.getInt((int) at);
    }

    /** Replaces the first occurrence of {@code from} (same length as {@code to}) inside a section. */
    public ObjectPatcher replace(String sectionName, String from, String to) {
        if (from.length() != to.length())
            throw new IllegalArgumentException("replacement must keep the length");
        Section s = section(sectionName);
        byte[] needle = from.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = (int) s.offset(); i + needle.length <= s.offset() + s.size(); i++) {
            if (Arrays.equals(bytes, i, i + needle.length, needle, 0, needle.length)) {
                System.arraycopy(to.getBytes(StandardCharsets.ISO_8859_1), 0, bytes, i, needle.length);
                return this;
            }
        }
        throw new AssertionError("'" + from + "' not found in section " + sectionName);
    }

    public byte[] truncated(int length) {
        return Arrays.copyOf(bytes, length);
    }
}
