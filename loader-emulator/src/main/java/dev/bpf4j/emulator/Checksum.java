package dev.bpf4j.emulator;

import java.nio.ByteOrder;

/**
 * The kernel's Internet checksum arithmetic ({@code include/net/checksum.h},
 * {@code csum_partial}), on 32-bit partial sums ({@code __wsum}) and 16-bit folded
 * checksums ({@code __sum16}), as the checksum helpers use it.
 *
 * <p>Values are what a program sees: 16-bit words loaded in the machine's byte order from
 * network-order bytes. One's complement sums do not care about byte order as long as
 * every word is read and written the same way, so the results land in memory exactly as
 * the kernel's do on a machine of that order (RFC 1071, section 2(B)).
 */
final class Checksum {
    private static final long M32 = 0xffffffffL;

    private Checksum() {
    }

    /** csum_add: 32-bit one's complement addition (end-around carry). */
    static int add(int a, int b) {
        long s = (a & M32) + (b & M32);
        return (int) (s + (s >>> 32));
    }

    /** csum_sub. */
    static int sub(int a, int b) {
        return add(a, ~b);
    }

    /** csum_fold: the 32-bit sum folded to 16 bits and complemented. */
    static int fold(int csum) {
        long s = csum & M32;
        s = (s & 0xffff) + (s >>> 16);
        s = (s & 0xffff) + (s >>> 16);
        return (int) (~s & 0xffff);
    }

    /** csum_from32to16: folded to 16 bits, not complemented (bpf_csum_diff's result since Linux 6.13). */
    static int from32to16(int x) {
        x += (x >>> 16) | (x << 16);
        return x >>> 16;
    }

    /** csum16_add. */
    static int add16(int a, int b) {
        int r = (a + b) & 0xffff;
        return (r + (r < (b & 0xffff) ? 1 : 0)) & 0xffff;
    }

    /** csum_replace4: the checksum {@code sum} after a 32-bit word changed from {@code from} to {@code to} (RFC 1624). */
    static int replace4(int sum, int from, int to) {
        int tmp = sub(~(sum & 0xffff), from);
        return fold(add(tmp, to));
    }

    /** csum_replace2: the same for a 16-bit word, in 16-bit arithmetic. */
    static int replace2(int sum, int from, int to) {
        return ~add16(add16(~sum & 0xffff, ~from & 0xffff), to & 0xffff) & 0xffff;
    }

    /** csum_replace_by_diff: the checksum after adding the partial sum {@code diff}. */
    static int replaceByDiff(int sum, int diff) {
        return fold(add(diff, ~(sum & 0xffff)));
    }

    /** csum_partial: {@code seed} plus the one's complement sum of {@code len} bytes as 16-bit words in {@code order}. */
    static int partial(byte[] b, int off, int len, int seed, ByteOrder order) {
        boolean big = order == ByteOrder.BIG_ENDIAN;
        long sum = 0;
        int i = 0;
        for (; i + 1 < len; i += 2) {
            int hi = b[off + i] & 0xff, lo = b[off + i + 1] & 0xff;
            sum += big ? hi << 8 | lo : lo << 8 | hi;
        }
        if (i < len)
            sum += big ? (b[off + i] & 0xff) << 8 : b[off + i] & 0xff;
        while ((sum >>> 32) != 0)
            sum = (sum & M32) + (sum >>> 32);
        return add((int) sum, seed);
    }
}
