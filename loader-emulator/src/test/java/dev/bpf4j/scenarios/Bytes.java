package dev.bpf4j.scenarios;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Small builders of the scenarios' C structs, in a given byte order. */
final class Bytes {
    private Bytes() {
    }

    static ByteBuffer buffer(int size, ByteOrder order) {
        return ByteBuffer.allocate(size).order(order);
    }

    /**
     * {@code struct bpf_sockopt} as a test run's ctx_in: pointers 0, {@code level},
     * {@code optname}, {@code optlen}, and {@code retval} (what the kernel's own handler
     * returned, for getsockopt).
     */
    static byte[] sockopt(ByteOrder order, int level, int optname, int optlen, int retval) {
        return buffer(40, order).putInt(24, level).putInt(28, optname).putInt(32, optlen).putInt(36, retval).array();
    }

    static int u32(byte[] b, int at, ByteOrder order) {
        return ByteBuffer.wrap(b).order(order).getInt(at);
    }
}
