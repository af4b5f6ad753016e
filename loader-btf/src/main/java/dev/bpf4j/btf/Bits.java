package dev.bpf4j.btf;

import java.math.BigInteger;

/**
 * Reads and writes an unsigned field of 1 to 128 bits at a bit offset in a byte array, in either
 * byte order, with BTF's bit numbering: on little-endian targets bit 0 is the least significant
 * bit of the first byte, on big-endian targets the most significant one. That is how clang lays
 * out bitfields, and how bpftool's btf_dumper reads them on a host of that byte order.
 *
 * <p>Callers check that the field lies inside the array.
 */
final class Bits {
    private static final BigInteger MASK_128 = BigInteger.ONE.shiftLeft(128).subtract(BigInteger.ONE);

    private Bits() {
    }

    /** The number of bytes that bits {@code [bitOffset, bitOffset + bits)} touch (bitOffset 0..7). */
    static int span(int bitOffset, int bits) {
        return (bitOffset + bits + 7) >>> 3;
    }

    /** The field as an unsigned long; {@code bits} at most 64. */
    static long readLong(byte[] data, int byteOffset, int bitOffset, int bits, boolean bigEndian) {
        byteOffset += bitOffset >>> 3;
        bitOffset &= 7;
        int span = span(bitOffset, bits);
        if (span > 8)
            return read(data, byteOffset, bitOffset, bits, bigEndian).longValue();
        long u = 0;
        for (int i = 0; i < span; i++) {
            int b = data[byteOffset + (bigEndian ? i : span - 1 - i)] & 0xff;
            u = (u << 8) | b;
        }
        int shift = bigEndian ? span * 8 - bitOffset - bits : bitOffset;
        return (u >>> shift) & mask(bits);
    }

    /** The field as a non-negative BigInteger; {@code bits} at most 128. */
    static BigInteger read(byte[] data, int byteOffset, int bitOffset, int bits, boolean bigEndian) {
        byteOffset += bitOffset >>> 3;
        bitOffset &= 7;
        int span = span(bitOffset, bits);
        byte[] magnitude = new byte[span];
        for (int i = 0; i < span; i++)
            magnitude[i] = data[byteOffset + (bigEndian ? i : span - 1 - i)];
        BigInteger u = new BigInteger(1, magnitude);
        int shift = bigEndian ? span * 8 - bitOffset - bits : bitOffset;
        return u.shiftRight(shift).and(BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE));
    }

    /** Stores the low {@code bits} bits of {@code value}, leaving the other bits of the touched bytes as they were. */
    static void write(byte[] data, int byteOffset, int bitOffset, int bits, boolean bigEndian, BigInteger value) {
        byteOffset += bitOffset >>> 3;
        bitOffset &= 7;
        int span = span(bitOffset, bits);
        if (span <= 8) {
            writeLong(data, byteOffset, bitOffset, bits, bigEndian, value.longValue(), span);
            return;
        }
        byte[] magnitude = new byte[span];
        for (int i = 0; i < span; i++)
            magnitude[i] = data[byteOffset + (bigEndian ? i : span - 1 - i)];
        BigInteger u = new BigInteger(1, magnitude);
        int shift = bigEndian ? span * 8 - bitOffset - bits : bitOffset;
        BigInteger fieldMask = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE).shiftLeft(shift);
        u = u.andNot(fieldMask).or(value.and(MASK_128).shiftLeft(shift).and(fieldMask));
        for (int i = 0; i < span; i++) {
            byte b = u.shiftRight(8 * i).byteValue();
            data[byteOffset + (bigEndian ? span - 1 - i : i)] = b;
        }
    }

    private static void writeLong(byte[] data, int byteOffset, int bitOffset, int bits, boolean bigEndian, long value, int span) {
        long u = 0;
        for (int i = 0; i < span; i++)
            u = (u << 8) | (data[byteOffset + (bigEndian ? i : span - 1 - i)] & 0xff);
        int shift = bigEndian ? span * 8 - bitOffset - bits : bitOffset;
        long fieldMask = mask(bits) << shift;
        u = (u & ~fieldMask) | ((value << shift) & fieldMask);
        for (int i = 0; i < span; i++)
            data[byteOffset + (bigEndian ? span - 1 - i : i)] = (byte) (u >>> (8 * i));
    }

    static long mask(int bits) {
        return bits >= 64 ? -1L : (1L << bits) - 1;
    }
}
