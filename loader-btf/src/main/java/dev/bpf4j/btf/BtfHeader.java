package dev.bpf4j.btf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The {@code struct btf_header} at the start of a .BTF blob, validated: both sections lie
 * inside the blob, the type section is 4-byte aligned and ends before the string section
 * starts, and the string section starts and ends with a NUL (as libbpf's btf_parse_hdr and
 * btf_parse_str_sec demand). Offsets here are absolute, from the start of the blob.
 */
record BtfHeader(ByteOrder order, int version, int flags, int hdrLen,
                 int typeStart, int typeEnd, int stringStart, int stringEnd) {

    static final int MAGIC = 0xeb9f;
    static final int SIZE = 24;
    static final int VERSION = 1;

    /** Reads the header of {@code data} (position 0 to limit), and sets {@code data}'s order to the blob's. */
    static BtfHeader read(ByteBuffer data) {
        BtfHeader header = fields(data);
        header.checkStringBounds(data);
        return header;
    }

    /**
     * {@link #read} without looking at the string section's bytes: only the first 24 bytes (and
     * {@code hdr_len}) are read, and the sections are checked against {@code data}'s limit. For
     * a parse that starts before the rest of the file has arrived ({@link ArrivingBytes}).
     */
    static BtfHeader fields(ByteBuffer data) {
        ByteOrder order = byteOrder(data);
        data.order(order);
        int length = data.limit();
        var c = new BtfCursor(data, 0, length, "input").context(() -> "header");
        c.u16("magic");
        int version = c.u8("version");
        int flags = c.u8("flags");
        long hdrLen = Integer.toUnsignedLong(c.u32("hdr_len"));
        long typeOff = Integer.toUnsignedLong(c.u32("type_off"));
        long typeLen = Integer.toUnsignedLong(c.u32("type_len"));
        long strOff = Integer.toUnsignedLong(c.u32("str_off"));
        long strLen = Integer.toUnsignedLong(c.u32("str_len"));

        if (version != VERSION)
            throw new BtfFormatException("header: version %d is not supported (expected %d)", version, VERSION);
        if (hdrLen < SIZE)
            throw new BtfFormatException("header: hdr_len %d is smaller than %d", hdrLen, SIZE);
        if (hdrLen > length)
            throw new BtfFormatException("header: hdr_len %d exceeds the input size %d", hdrLen, length);
        if (typeOff % 4 != 0)
            throw new BtfFormatException("header: type_off 0x%x is not 4-byte aligned", typeOff);
        // Sums of two u32 fit in a long, so none of these comparisons can overflow.
        long typeStart = hdrLen + typeOff, typeEnd = typeStart + typeLen;
        long strStart = hdrLen + strOff, strEnd = strStart + strLen;
        if (typeEnd > length)
            throw new BtfFormatException("header: type section [0x%x, 0x%x) (type_off 0x%x, type_len 0x%x) is outside the input (size 0x%x)",
                    typeStart, typeEnd, typeOff, typeLen, length);
        if (strEnd > length)
            throw new BtfFormatException("header: string section [0x%x, 0x%x) (str_off 0x%x, str_len 0x%x) is outside the input (size 0x%x)",
                    strStart, strEnd, strOff, strLen, length);
        if (typeOff + typeLen > strOff)
            throw new BtfFormatException("header: type section (type_off 0x%x, type_len 0x%x) runs past the start of the string section (str_off 0x%x)",
                    typeOff, typeLen, strOff);
        if (strLen == 0)
            throw new BtfFormatException("header: string section is empty (str_len 0); it must hold at least the empty string");
        return new BtfHeader(order, version, flags, (int) hdrLen, (int) typeStart, (int) typeEnd, (int) strStart, (int) strEnd);
    }

    /** The string section must start with the empty string and end with a NUL, so that every offset in it reads a terminated string. */
    void checkStringBounds(ByteBuffer data) {
        if (data.get(stringStart) != 0)
            throw new BtfFormatException("header: string section at 0x%x does not start with a NUL byte", stringStart);
        if (data.get(stringEnd - 1) != 0)
            throw new BtfFormatException("header: string section [0x%x, 0x%x) does not end with a NUL byte", stringStart, stringEnd);
    }

    /** The byte order in which the magic reads 0xeB9F. */
    private static ByteOrder byteOrder(ByteBuffer data) {
        if (data.limit() < SIZE)
            throw new BtfFormatException("header: needs %d bytes, but the input has only %d", SIZE, data.limit());
        int le = (data.get(0) & 0xff) | (data.get(1) & 0xff) << 8;
        if (le == MAGIC)
            return ByteOrder.LITTLE_ENDIAN;
        if (Integer.reverseBytes(le) >>> 16 == MAGIC)
            return ByteOrder.BIG_ENDIAN;
        throw new BtfFormatException("header: magic bytes %02x %02x are not 0xeb9f in either byte order", data.get(0), data.get(1));
    }
}
