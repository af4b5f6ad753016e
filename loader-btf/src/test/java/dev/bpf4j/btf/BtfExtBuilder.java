package dev.bpf4j.btf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a .BTF.ext section from records, following the layout in the kernel's btf.rst and
 * libbpf's btf.h (struct btf_ext_header, then per subsection a u32 record size and blocks of
 * sec_name_off, num_info, records), independently of the reader. Strings go into a
 * {@link BtfBuilder} (the .BTF the section belongs with). Record sizes may be padded beyond the
 * minimum, as a newer compiler might write them.
 */
final class BtfExtBuilder {

    static final int HEADER_SIZE = 32;

    private final ByteOrder order;
    private final BtfBuilder strings;
    private final List<Block> func = new ArrayList<>(), line = new ArrayList<>(), core = new ArrayList<>();
    private int funcRecordSize = 8, lineRecordSize = 16, coreRecordSize = 16;

    /** One block as raw words: each record is a list of u32 fields. */
    record Block(int nameOff, List<int[]> records) {
    }

    BtfExtBuilder(ByteOrder order, BtfBuilder strings) {
        this.order = order;
        this.strings = strings;
    }

    BtfExtBuilder recordSizes(int funcSize, int lineSize, int coreSize) {
        funcRecordSize = funcSize;
        lineRecordSize = lineSize;
        coreRecordSize = coreSize;
        return this;
    }

    BtfExtBuilder func(String section, List<FuncInfo> records) {
        List<int[]> raw = new ArrayList<>();
        for (FuncInfo f : records)
            raw.add(new int[] {f.slot() * 8, f.typeId()});
        func.add(new Block(strings.string(section), raw));
        return this;
    }

    BtfExtBuilder line(String section, List<LineInfo> records) {
        List<int[]> raw = new ArrayList<>();
        for (LineInfo l : records)
            raw.add(new int[] {l.slot() * 8, strings.string(l.fileName()), strings.string(l.line()),
                    l.lineNumber() << 10 | l.column()});
        line.add(new Block(strings.string(section), raw));
        return this;
    }

    BtfExtBuilder core(String section, List<CoreRelocation> records) {
        List<int[]> raw = new ArrayList<>();
        for (CoreRelocation r : records)
            raw.add(new int[] {r.slot() * 8, r.typeId(), strings.string(r.accessString()), r.kind().ordinal()});
        core.add(new Block(strings.string(section), raw));
        return this;
    }

    /** Raw blocks, for malformed input. */
    BtfExtBuilder rawFunc(int nameOff, List<int[]> records) {
        func.add(new Block(nameOff, records));
        return this;
    }

    BtfExtBuilder rawLine(int nameOff, List<int[]> records) {
        line.add(new Block(nameOff, records));
        return this;
    }

    BtfExtBuilder rawCore(int nameOff, List<int[]> records) {
        core.add(new Block(nameOff, records));
        return this;
    }

    /** Header of 32 bytes; subsections func_info, line_info, core_relo back to back (empty ones have length 0). */
    byte[] build() {
        byte[] f = subsection(func, funcRecordSize), l = subsection(line, lineRecordSize), c = subsection(core, coreRecordSize);
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + f.length + l.length + c.length).order(order);
        b.putShort((short) 0xeb9f).put((byte) 1).put((byte) 0).putInt(HEADER_SIZE);
        b.putInt(0).putInt(f.length);
        b.putInt(f.length).putInt(l.length);
        b.putInt(f.length + l.length).putInt(c.length);
        b.put(f).put(l).put(c);
        return b.array();
    }

    private byte[] subsection(List<Block> blocks, int recordSize) {
        if (blocks.isEmpty())
            return new byte[0];
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(word(recordSize));
        for (Block block : blocks) {
            out.writeBytes(word(block.nameOff()));
            out.writeBytes(word(block.records().size()));
            for (int[] rec : block.records()) {
                for (int w : rec)
                    out.writeBytes(word(w));
                for (int pad = rec.length * 4; pad < recordSize; pad += 4)
                    out.writeBytes(word(0));
            }
        }
        return out.toByteArray();
    }

    private byte[] word(int w) {
        return ByteBuffer.allocate(4).order(order).putInt(w).array();
    }

    // ---- header field offsets, for tests that corrupt them ----
    static final int HDR_LEN_AT = 4, FUNC_OFF_AT = 8, FUNC_LEN_AT = 12, LINE_OFF_AT = 16, LINE_LEN_AT = 20,
            CORE_OFF_AT = 24, CORE_LEN_AT = 28;
}
