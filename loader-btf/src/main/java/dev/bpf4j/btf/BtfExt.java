package dev.bpf4j.btf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Objects;

/**
 * A parsed {@code .BTF.ext} section: per ELF code section, the function info, line info and
 * CO-RE relocation records clang wrote for it. Names and strings live in the object's
 * {@code .BTF}, so parsing needs that {@link Btf}. Record slots here count from the start of
 * their ELF section; a program spec's records count from the start of its function.
 *
 * <pre>{@code
 * Btf btf = Btf.parse(btfBytes);
 * BtfExt ext = BtfExt.parse(btfExtBytes, btf);
 * for (LineInfo l : ext.lineInfo("xdp"))
 *     System.out.println(l.slot() + " " + l.fileName() + ":" + l.lineNumber() + " " + l.line());
 * }</pre>
 *
 * <p>Every header field, subsection, section header and record is checked against the bytes
 * actually present before anything is allocated, so hostile lengths and counts fail fast with
 * a {@link BtfFormatException} naming the subsection, the section and the record index.
 *
 * @param byteOrder       the order in which the magic reads 0xeB9F
 * @param funcInfo        {@code func_info} blocks, in file order
 * @param lineInfo        {@code line_info} blocks, in file order
 * @param coreRelocations {@code core_relo} blocks, in file order (none when the header is the
 *                        older 24-byte one)
 */
public record BtfExt(ByteOrder byteOrder, List<Block<FuncInfo>> funcInfo, List<Block<LineInfo>> lineInfo,
                     List<Block<CoreRelocation>> coreRelocations) {

    public BtfExt {
        Objects.requireNonNull(byteOrder, "byteOrder");
        funcInfo = List.copyOf(funcInfo);
        lineInfo = List.copyOf(lineInfo);
        coreRelocations = List.copyOf(coreRelocations);
    }

    /**
     * The records of one ELF section ({@code struct btf_ext_info_sec} and what follows it).
     *
     * @param section the ELF section's name, e.g. {@code "xdp"}, {@code ".text"}, {@code "?tc"}
     */
    public record Block<T>(String section, List<T> records) {
        public Block {
            Objects.requireNonNull(section, "section");
            records = List.copyOf(records);
        }
    }

    /**
     * Parses a whole {@code .BTF.ext} section; its strings are looked up in {@code btf}.
     *
     * @throws BtfFormatException if it is malformed, naming the field, section and record at fault
     */
    public static BtfExt parse(byte[] data, Btf btf) {
        return BtfExtReader.read(data.clone(), btf);
    }

    /** Parses the bytes from {@code data}'s position to its limit; the buffer is left unchanged. */
    public static BtfExt parse(ByteBuffer data, Btf btf) {
        byte[] copy = new byte[data.remaining()];
        data.duplicate().get(copy);
        return BtfExtReader.read(copy, btf);
    }

    /** The function info of ELF section {@code section} (the first block of that name, as libbpf uses). */
    public List<FuncInfo> funcInfo(String section) {
        return recordsOf(funcInfo, section);
    }

    /** The line info of ELF section {@code section}. */
    public List<LineInfo> lineInfo(String section) {
        return recordsOf(lineInfo, section);
    }

    /** The CO-RE relocations of ELF section {@code section}. */
    public List<CoreRelocation> coreRelocations(String section) {
        return recordsOf(coreRelocations, section);
    }

    private static <T> List<T> recordsOf(List<Block<T>> blocks, String section) {
        for (Block<T> b : blocks)
            if (b.section().equals(section))
                return b.records();
        return List.of();
    }
}
