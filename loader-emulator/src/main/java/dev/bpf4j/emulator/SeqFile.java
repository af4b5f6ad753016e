package dev.bpf4j.emulator;

import java.util.Arrays;

/**
 * The output buffer of one read of a map element iterator, as the kernel's
 * {@code struct seq_file} behaves under {@code bpf_seq_read}: a fixed buffer of
 * {@value #SIZE} bytes ({@code PAGE_SIZE << 3}) that the programs' {@code bpf_seq_write}
 * and {@code bpf_seq_printf} append to. A write that does not fit with at least one byte
 * to spare (the kernel's {@code count + len < size}) writes nothing and marks the buffer
 * overflowed, as {@code seq_set_overflow} does: every later write fails too, until the
 * reader rolls the count back ({@link #truncate}) to drop the element that overflowed.
 *
 * <pre>{@code
 * SeqFile f = new SeqFile();
 * f.write("1=2\n".getBytes());          // true
 * f.write(new byte[SeqFile.SIZE]);      // false: -EOVERFLOW for the program
 * }</pre>
 */
final class SeqFile {
    /** The kernel's buffer: bpf_seq_read allocates {@code PAGE_SIZE << 3} bytes. */
    static final int SIZE = 4096 << 3;

    private final byte[] buf = new byte[SIZE];
    /** Bytes written; {@link #SIZE} once overflowed. */
    private int count;

    /** Appends {@code bytes}; false (nothing written, the buffer now overflowed) when they do not fit. */
    boolean write(byte[] bytes) {
        if (count < SIZE && count + (long) bytes.length < SIZE) {
            System.arraycopy(bytes, 0, buf, count, bytes.length);
            count += bytes.length;
            return true;
        }
        count = SIZE;
        return false;
    }

    /** Whether a write did not fit (the kernel's {@code seq_has_overflowed}). */
    boolean overflowed() {
        return count == SIZE;
    }

    /** Bytes written so far. */
    int count() {
        return count;
    }

    /** Drops what was written after the first {@code n} bytes (and the overflow mark). */
    void truncate(int n) {
        count = n;
    }

    /** The bytes written. */
    byte[] bytes() {
        return Arrays.copyOf(buf, count);
    }
}
