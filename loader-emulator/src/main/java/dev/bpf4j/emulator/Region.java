package dev.bpf4j.emulator;

/**
 * One contiguous piece of the emulated address space: a stack frame, a context, a packet,
 * a map value, global data. The program sees {@code [base, base + size)}; the bytes live
 * in {@code bytes}, which the region shares with its creator so that a caller can read
 * what a program wrote (the packet after an XDP run, a map value after an update).
 *
 * <pre>{@code
 * var memory = new Memory();
 * Region packet = memory.map("packet", new byte[64], true);
 * long r1 = packet.base();          // what the program gets as its pointer
 * }</pre>
 *
 * @param name     what error messages call the region ("packet", "stack#0", ".rodata")
 * @param base     the address of the first byte
 * @param bytes    the backing storage; its length is the region's size
 * @param writable whether programs may store into it (rodata may not)
 */
public record Region(String name, long base, byte[] bytes, boolean writable) {

    /** Bytes in the region. */
    public int size() {
        return bytes.length;
    }

    /** One past the last address of the region. */
    public long end() {
        return base + bytes.length;
    }

    /** Whether {@code address} lies inside the region. */
    public boolean contains(long address) {
        return address - base >= 0 && address - base < bytes.length;
    }

    @Override
    public String toString() {
        return String.format("'%s' [0x%x, 0x%x)", name, base, end());
    }
}
