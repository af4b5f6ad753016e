package dev.bpf4j.btf;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The string section: NUL-terminated names addressed by byte offset. Strings are decoded on
 * each lookup rather than cached (a cache of vmlinux's ~2 MB of names would cost more heap than
 * everything else together), so a parsed vmlinux keeps only its raw bytes; comparisons and
 * hashes ({@link #equalsAt}, {@link #hashAt}) work on the bytes without decoding at all.
 */
final class StringTable {

    // Names are scanned eight bytes per read (byte i of a string is bits 8i..8i+7 of a
    // little-endian long, whatever the blob's order): building the name index hashes all of
    // vmlinux's ~2 MB of names, and one ByteBuffer.get per byte is what that cost before.
    private static final VarHandle LONG_LE = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final ByteBuffer data;
    private final int start;
    private final int size;

    StringTable(ByteBuffer data, int start, int end) {
        this.data = data;
        this.start = start;
        this.size = end - start;
    }

    int size() {
        return size;
    }

    /** The whole section, copied. */
    byte[] bytes() {
        byte[] copy = new byte[size];
        data.get(start, copy);
        return copy;
    }

    /** The string at {@code offset} (an unsigned 32-bit value); fails naming the offset. */
    String get(int offset) {
        int from = start + checkOffset(offset);
        int nul = terminator(from, offset);
        byte[] bytes = new byte[nul - from];
        data.get(from, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
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
        return data.get(start + offset) == 0;
    }

    /** Whether the string at a valid {@code offset} has exactly the bytes {@code utf8}. */
    boolean equalsAt(int offset, byte[] utf8) {
        int from = start + offset;
        if (utf8.length > size - offset - 1)
            return false;
        for (int i = 0; i < utf8.length; i++)
            if (data.get(from + i) != utf8[i])
                return false;
        return data.get(from + utf8.length) == 0;
    }

    /**
     * A hash of the string at a valid {@code offset}, equal to {@link #hash(byte[])} of its bytes.
     * It mixes eight bytes per step (the string and its NUL, as little-endian words, the last one
     * zero-padded), so hashing all of vmlinux's names for the name index is a few hundred
     * thousand multiplications rather than two million dependent ones.
     */
    int hashAt(int offset) {
        long h = SEED;
        int i = start + offset;
        final int end = start + size;
        for (; i + 8 <= end; i += 8) {
            long w = (long) LONG_LE.get(data, i);
            long zero = (w - 0x0101010101010101L) & ~w & 0x8080808080808080L;
            if (zero != 0) {
                int bytes = Long.numberOfTrailingZeros(zero) / 8; // bytes before the NUL in this word
                return finish(mix(h, bytes == 0 ? 0 : w & (-1L >>> (64 - 8 * bytes))));
            }
            h = mix(h, w);
        }
        // Fewer than eight bytes left before the end of the section (which ends with a NUL).
        long w = 0;
        for (int k = 0; ; k++, i++) {
            byte b = data.get(i);
            if (b == 0)
                return finish(mix(h, w));
            w |= (b & 0xffL) << (8 * k);
        }
    }

    /** The hash of a name's UTF-8 bytes, as {@link #hashAt} computes it in place. */
    static int hash(byte[] utf8) {
        long h = SEED;
        int i = 0;
        // Whole words of the string itself, then one final word holding the rest, the NUL and zeros.
        for (; i + 8 <= utf8.length; i += 8) {
            long w = 0;
            for (int k = 7; k >= 0; k--)
                w = w << 8 | (utf8[i + k] & 0xffL);
            h = mix(h, w);
        }
        long w = 0;
        for (int k = utf8.length - i - 1; k >= 0; k--)
            w = w << 8 | (utf8[i + k] & 0xffL);
        return finish(mix(h, w));
    }

    private static final long SEED = 0x243F6A8885A308D3L;

    private static long mix(long h, long w) {
        return (h ^ w) * 0x9E3779B97F4A7C15L;
    }

    private static int finish(long h) {
        return (int) (h ^ h >>> 29 ^ h >>> 47);
    }

    private int checkOffset(int offset) {
        if (offset < 0 || offset >= size)
            throw new BtfFormatException("string offset 0x%x is outside the string section (size 0x%x)", offset, size);
        return offset;
    }

    private int terminator(int from, int offset) {
        int end = start + size;
        int i = from;
        for (; i + 8 <= end; i += 8) {
            long w = (long) LONG_LE.get(data, i);
            // The classic test for a zero byte in a word: nonzero exactly when some byte is 0.
            long zero = (w - 0x0101010101010101L) & ~w & 0x8080808080808080L;
            if (zero != 0)
                return i + Long.numberOfTrailingZeros(zero) / 8;
        }
        for (; i < end; i++)
            if (data.get(i) == 0)
                return i;
        // Unreachable for a validated header (the section ends with a NUL); kept for clarity.
        throw new BtfFormatException("string at offset 0x%x is not NUL-terminated within the string section (size 0x%x)", offset, size);
    }
}
