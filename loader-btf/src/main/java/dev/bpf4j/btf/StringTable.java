package dev.bpf4j.btf;

import java.nio.charset.StandardCharsets;

/**
 * The string section: NUL-terminated names addressed by byte offset. Strings are decoded on
 * each lookup rather than cached, so a parsed vmlinux keeps only its raw bytes.
 */
final class StringTable {

    private final byte[] data;
    private final int start;
    private final int size;

    StringTable(byte[] data, int start, int end) {
        this.data = data;
        this.start = start;
        this.size = end - start;
    }

    int size() {
        return size;
    }

    /** The string at {@code offset} (an unsigned 32-bit value); fails naming the offset. */
    String get(int offset) {
        int from = start + checkOffset(offset);
        int nul = terminator(from, offset);
        return new String(data, from, nul - from, StandardCharsets.UTF_8);
    }

    /** Checks that a string can be read at {@code offset}, without decoding it. */
    void check(int offset) {
        terminator(start + checkOffset(offset), offset);
    }

    /**
     * Whether a string can be read at {@code offset} (unsigned). The header check guarantees
     * that the section ends with a NUL, so every offset inside it starts a terminated string.
     */
    boolean contains(int offset) {
        return offset >= 0 && offset < size;
    }

    /** Whether the string at a valid {@code offset} is the empty string. */
    boolean isEmpty(int offset) {
        return data[start + offset] == 0;
    }

    /** Whether the string at a valid {@code offset} has exactly the bytes {@code utf8}. */
    boolean equalsAt(int offset, byte[] utf8) {
        int from = start + offset;
        if (utf8.length > size - offset - 1)
            return false;
        for (int i = 0; i < utf8.length; i++)
            if (data[from + i] != utf8[i])
                return false;
        return data[from + utf8.length] == 0;
    }

    /** A hash of the string at a valid {@code offset}, equal to {@link #hash(byte[])} of its bytes. */
    int hashAt(int offset) {
        int h = 1;
        for (int i = start + offset; data[i] != 0; i++)
            h = 31 * h + data[i];
        return h;
    }

    static int hash(byte[] utf8) {
        int h = 1;
        for (byte b : utf8)
            h = 31 * h + b;
        return h;
    }

    private int checkOffset(int offset) {
        if (offset < 0 || offset >= size)
            throw new BtfFormatException("string offset 0x%x is outside the string section (size 0x%x)", offset, size);
        return offset;
    }

    private int terminator(int from, int offset) {
        int end = start + size;
        for (int i = from; i < end; i++)
            if (data[i] == 0)
                return i;
        // Unreachable for a validated header (the section ends with a NUL); kept for clarity.
        throw new BtfFormatException("string at offset 0x%x is not NUL-terminated within the string section (size 0x%x)", offset, size);
    }
}
