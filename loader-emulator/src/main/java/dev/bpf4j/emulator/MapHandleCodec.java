package dev.bpf4j.emulator;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Small byte-order helpers for map keys. */
final class MapHandleCodec {
    private MapHandleCodec() {
    }

    static long u32(byte[] key, ByteOrder order) {
        return ByteBuffer.wrap(key).order(order).getInt() & 0xffffffffL;
    }
}
