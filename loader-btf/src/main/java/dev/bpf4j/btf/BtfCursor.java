package dev.bpf4j.btf;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Supplier;

/**
 * A bounds-checked reader over one region of a BTF blob. Every read names the field it reads,
 * so a short input fails with "type [7] STRUCT: member needs 12 bytes at offset 0x40, but only
 * 4 are left in the type section" instead of an IndexOutOfBoundsException.
 *
 * <p>Not thread-safe; make one per use. The buffer it reads (already set to the blob's byte
 * order, position 0) is only read with absolute gets, never written, so many cursors may share it.
 */
final class BtfCursor {

    private final ByteBuffer data;
    private final int end;
    private final String region;
    private Supplier<String> context;
    private int typeId = -1;
    private int pos;

    /** Reads {@code data[start, end)} in byte order {@code order}; {@code region} names that range in error messages. */
    BtfCursor(byte[] data, java.nio.ByteOrder order, int start, int end, String region) {
        this(ByteBuffer.wrap(data).order(order), start, end, region);
    }

    /** Reads {@code data[start, end)}; {@code region} names that range in error messages. */
    BtfCursor(ByteBuffer data, int start, int end, String region) {
        if (start < 0 || end < start || end > data.limit())
            throw new IllegalArgumentException("region [" + start + ", " + end + ") of " + data.limit() + " bytes");
        this.data = data;
        this.end = end;
        this.region = region;
        this.pos = start;
    }

    /** What is being read now, e.g. "type [7] STRUCT"; evaluated only when a read fails. */
    BtfCursor context(Supplier<String> context) {
        this.context = context;
        return this;
    }

    /** Reading type {@code id} ("type [id]" in messages): the scan of a whole type section sets this per type. */
    BtfCursor type(int id) {
        this.context = null;
        this.typeId = id;
        return this;
    }

    private String describe() {
        return context != null ? context.get() : typeId >= 0 ? "type [" + typeId + "]" : region;
    }

    int position() {
        return pos;
    }

    int remaining() {
        return end - pos;
    }

    /** Fails, naming {@code what}, unless {@code bytes} more bytes can be read. */
    void require(long bytes, String what) {
        if (bytes < 0 || bytes > end - pos)
            throw new BtfFormatException("%s: %s needs %d bytes at offset 0x%x, but only %d are left in the %s",
                    describe(), what, bytes, pos, end - pos, region);
    }

    void skip(long bytes, String what) {
        require(bytes, what);
        pos += (int) bytes;
    }

    int u8(String field) {
        require(1, field);
        return data.get(pos++) & 0xff;
    }

    int u16(String field) {
        require(2, field);
        short v = data.getShort(pos);
        pos += 2;
        return v & 0xffff;
    }

    /** A 32-bit field, raw: callers that mean it unsigned use {@link Integer#toUnsignedLong}. */
    int u32(String field) {
        require(4, field);
        int v = data.getInt(pos);
        pos += 4;
        return v;
    }

    // JDK 17 does not reliably inline ByteBuffer.getInt into the hot loops of parsing (profiles
    // of vmlinux showed it as a separate frame taking most of the time); VarHandle accessors are
    // force-inlined, for heap and direct buffers alike.
    private static final VarHandle INT_LE = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_BE = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    /**
     * Reads a 32-bit word at an absolute offset already known to be inside the blob, in the
     * buffer's byte order ({@code bigEndian} must be {@code data.order() == BIG_ENDIAN}).
     */
    static int u32At(ByteBuffer data, boolean bigEndian, int offset) {
        // Each VarHandle call is cast on its own: inside a ?: its result would be an Object, boxed.
        if (bigEndian)
            return (int) INT_BE.get(data, offset);
        return (int) INT_LE.get(data, offset);
    }
}
