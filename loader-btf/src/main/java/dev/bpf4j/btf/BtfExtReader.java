package dev.bpf4j.btf;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads {@code .BTF.ext} (the layout of libbpf's {@code btf_ext_header} and the kernel's BTF
 * documentation): an 8-byte common header (magic, version, flags, hdr_len), then offset/length
 * pairs, relative to the end of the header, of the func_info and line_info subsections and, in
 * a header of 32 bytes or more, of the core_relo subsection. Each subsection is a u32 record
 * size followed by blocks: {@code sec_name_off}, {@code num_info}, then that many records.
 *
 * <p>The checks are libbpf's {@code btf_ext_parse}: version 1, no flags, a header no longer
 * than the data and followed by something, 4-byte aligned subsections inside the data, record
 * sizes at least the kernel's minimum and a multiple of 4, no empty subsection or block, every
 * block inside its subsection. Beyond libbpf (which trusts clang there), each record is checked
 * too: instruction offsets are multiples of 8, type ids exist (func_info's name a FUNC), string
 * offsets lie in the {@code .BTF} string section, CO-RE kinds are known.
 */
final class BtfExtReader {

    private static final int COMMON_HEADER = 8;   // through hdr_len
    private static final int MIN_HEADER = 24;     // through line_info_len
    private static final int CORE_HEADER = 32;    // through core_relo_len
    private static final int INSN_SIZE = 8;

    private final byte[] data;
    private final ByteOrder order;
    private final Btf btf;
    private final int hdrLen;

    private BtfExtReader(byte[] data, ByteOrder order, Btf btf, int hdrLen) {
        this.data = data;
        this.order = order;
        this.btf = btf;
        this.hdrLen = hdrLen;
    }

    /** What one subsection holds: its name in messages, its minimum record size, how to read a record. */
    private interface RecordReader<T> {
        T read(BtfCursor c, String where);
    }

    static BtfExt read(byte[] data, Btf btf) {
        ByteOrder order = byteOrder(data);
        var c = new BtfCursor(data, order, 0, data.length, ".BTF.ext").context(() -> ".BTF.ext header");
        c.u16("magic");
        int version = c.u8("version");
        int flags = c.u8("flags");
        long hdrLen = Integer.toUnsignedLong(c.u32("hdr_len"));
        if (version != 1)
            throw new BtfFormatException(".BTF.ext header: version %d is not supported (expected 1)", version);
        if (flags != 0)
            throw new BtfFormatException(".BTF.ext header: flags 0x%x are not supported (expected 0)", flags);
        if (hdrLen > data.length)
            throw new BtfFormatException(".BTF.ext header: hdr_len %d exceeds the section size %d", hdrLen, data.length);
        if (hdrLen == data.length)
            throw new BtfFormatException(".BTF.ext header: hdr_len %d leaves no data in the section (size %d)", hdrLen, data.length);
        if (hdrLen < MIN_HEADER)
            throw new BtfFormatException(".BTF.ext header: hdr_len %d is smaller than %d (func_info and line_info fields missing)",
                    hdrLen, MIN_HEADER);
        var r = new BtfExtReader(data, order, btf, (int) hdrLen);
        long funcOff = Integer.toUnsignedLong(c.u32("func_info_off"));
        long funcLen = Integer.toUnsignedLong(c.u32("func_info_len"));
        long lineOff = Integer.toUnsignedLong(c.u32("line_info_off"));
        long lineLen = Integer.toUnsignedLong(c.u32("line_info_len"));
        List<BtfExt.Block<FuncInfo>> funcs = r.subsection("func_info", funcOff, funcLen, 8, r::funcInfo);
        List<BtfExt.Block<LineInfo>> lines = r.subsection("line_info", lineOff, lineLen, 16, r::lineInfo);
        List<BtfExt.Block<CoreRelocation>> core = List.of();
        if (hdrLen >= CORE_HEADER) {
            long coreOff = Integer.toUnsignedLong(c.u32("core_relo_off"));
            long coreLen = Integer.toUnsignedLong(c.u32("core_relo_len"));
            core = r.subsection("core_relo", coreOff, coreLen, 16, r::coreRelocation);
        }
        return new BtfExt(order, funcs, lines, core);
    }

    private <T> List<BtfExt.Block<T>> subsection(String name, long off, long len, int minRecordSize, RecordReader<T> reader) {
        if (len == 0)
            return List.of();
        if (off % 4 != 0)
            throw new BtfFormatException(".BTF.ext %s: offset 0x%x is not 4-byte aligned", name, off);
        long start = hdrLen + off, end = start + len; // u32 + u32 + u32: no overflow in a long
        if (end > data.length)
            throw new BtfFormatException(".BTF.ext %s: [0x%x, 0x%x) (off 0x%x, len 0x%x) is beyond the end of the section (size 0x%x)",
                    name, start, end, off, len, data.length);
        var c = new BtfCursor(data, order, (int) start, (int) end, name + " subsection").context(() -> ".BTF.ext " + name);
        long recordSize = Integer.toUnsignedLong(c.u32("record size"));
        if (recordSize < minRecordSize || recordSize % 4 != 0)
            throw new BtfFormatException(".BTF.ext %s: record size %d is invalid (at least %d and a multiple of 4 expected)",
                    name, recordSize, minRecordSize);
        if (c.remaining() == 0)
            throw new BtfFormatException(".BTF.ext %s: has a record size but no records", name);
        List<BtfExt.Block<T>> blocks = new ArrayList<>();
        while (c.remaining() > 0) {
            int blockIndex = blocks.size();
            c.context(() -> ".BTF.ext " + name + " block #" + blockIndex);
            int nameOff = c.u32("sec_name_off");
            long count = Integer.toUnsignedLong(c.u32("num_info"));
            String section = string(nameOff, ".BTF.ext %s block #%d: sec_name_off", name, blockIndex);
            if (count == 0)
                throw new BtfFormatException(".BTF.ext %s block #%d (section '%s'): num_info is 0", name, blockIndex, section);
            // Checked before allocating: a hostile num_info cannot ask for more than the bytes present.
            if (count * recordSize > c.remaining())
                throw new BtfFormatException(".BTF.ext %s block #%d (section '%s'): num_info %d records of %d bytes need %d bytes, but only %d are left",
                        name, blockIndex, section, count, recordSize, count * recordSize, c.remaining());
            List<T> records = new ArrayList<>((int) count);
            for (int i = 0; i < count; i++) {
                int recordStart = c.position();
                String where = ".BTF.ext " + name + " section '" + section + "' record #" + i;
                records.add(reader.read(c, where));
                c.skip(recordStart + recordSize - c.position(), "the rest of the record"); // fields a newer clang added
            }
            blocks.add(new BtfExt.Block<>(section, records));
        }
        return blocks;
    }

    private FuncInfo funcInfo(BtfCursor c, String where) {
        int slot = slot(c.u32("insn_off"), where);
        int typeId = c.u32("type_id");
        checkTypeId(typeId, where);
        if (btf.kind(typeId) != BtfKind.FUNC)
            throw new BtfFormatException("%s: type_id %d is a %s, not a FUNC", where, typeId, btf.kind(typeId));
        return new FuncInfo(slot, typeId, btf.name(typeId));
    }

    private LineInfo lineInfo(BtfCursor c, String where) {
        int slot = slot(c.u32("insn_off"), where);
        int fileOff = c.u32("file_name_off");
        int lineOff = c.u32("line_off");
        int lineCol = c.u32("line_col");
        String file = string(fileOff, "%s: file_name_off", where);
        String line = string(lineOff, "%s: line_off", where);
        return new LineInfo(slot, file, line, lineCol >>> 10, lineCol & 0x3ff, fileOff, lineOff);
    }

    private CoreRelocation coreRelocation(BtfCursor c, String where) {
        int slot = slot(c.u32("insn_off"), where);
        int typeId = c.u32("type_id");
        int accessOff = c.u32("access_str_off");
        int kind = c.u32("kind");
        checkTypeId(typeId, where);
        String access = string(accessOff, "%s: access_str_off", where);
        CoreRelocation.Kind k = CoreRelocation.Kind.of(kind).orElseThrow(() -> new BtfFormatException(
                "%s: kind %d is not a CO-RE relocation kind (0..%d)", where, Integer.toUnsignedLong(kind),
                CoreRelocation.Kind.values().length - 1));
        return new CoreRelocation(slot, typeId, access, k);
    }

    private static int slot(int insnOff, String where) {
        if (insnOff % INSN_SIZE != 0)
            throw new BtfFormatException("%s: insn_off 0x%x is not a multiple of the instruction size 8", where,
                    Integer.toUnsignedLong(insnOff));
        return Integer.divideUnsigned(insnOff, INSN_SIZE);
    }

    private void checkTypeId(int typeId, String where) {
        if (typeId < 0 || typeId >= btf.typeCount())
            throw new BtfFormatException("%s: type_id %d is out of range (the .BTF has ids 0..%d)", where,
                    Integer.toUnsignedLong(typeId), btf.typeCount() - 1);
    }

    /** The .BTF string at {@code offset}; a bad offset fails naming the field (formatted from {@code what}). */
    private String string(int offset, String what, Object... args) {
        try {
            return btf.string(offset);
        } catch (BtfFormatException e) {
            throw new BtfFormatException(String.format(what, args) + " 0x" + Integer.toHexString(offset)
                    + " is outside the .BTF string section: " + e.getMessage());
        }
    }

    private static ByteOrder byteOrder(byte[] data) {
        if (data.length < COMMON_HEADER)
            throw new BtfFormatException(".BTF.ext header: needs %d bytes, but the section has only %d", COMMON_HEADER, data.length);
        int le = (data[0] & 0xff) | (data[1] & 0xff) << 8;
        if (le == BtfHeader.MAGIC)
            return ByteOrder.LITTLE_ENDIAN;
        if (Integer.reverseBytes(le) >>> 16 == BtfHeader.MAGIC)
            return ByteOrder.BIG_ENDIAN;
        throw new BtfFormatException(".BTF.ext header: magic bytes %02x %02x are not 0xeb9f in either byte order", data[0], data[1]);
    }
}
