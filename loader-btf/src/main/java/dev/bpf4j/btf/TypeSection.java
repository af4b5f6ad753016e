package dev.bpf4j.btf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The type section as an index: the byte offset of each type's {@code struct btf_type}, by id.
 * Building it reads only each type's 12-byte header (to learn its kind and vlen, hence its
 * length); records are decoded later, on demand, by {@link TypeDecoder}. This keeps a parsed
 * vmlinux (~100k types) at its raw bytes plus one int per type.
 *
 * <p>Layout of one type: {@code name_off, info, size_or_type} (u32 each), then kind-specific
 * words. {@code info} holds vlen in bits 0-15, the kind in bits 24-28, kind_flag in bit 31.
 */
final class TypeSection {

    static final int HEADER = 12;

    private final ByteBuffer data; // in the blob's byte order; read with absolute gets only
    private final boolean bigEndian;
    private final int[] offsets; // offsets[0] is unused: id 0 is the implicit void
    private final StringTable strings;

    private TypeSection(ByteBuffer data, int[] offsets, StringTable strings) {
        this.data = data;
        this.bigEndian = data.order() == ByteOrder.BIG_ENDIAN;
        this.offsets = offsets;
        this.strings = strings;
    }

    /**
     * Walks the type section once, checking that each type's kind is known and that it fits.
     * This is the hot loop of parsing vmlinux (~130k types): it reads one word per type straight
     * from the buffer, and builds error messages only on failure.
     */
    static TypeSection index(ByteBuffer data, BtfHeader header, StringTable strings) {
        int pos = header.typeStart();
        final int end = header.typeEnd();
        // Every type takes at least 12 bytes, so this bound is justified by the input's size.
        int[] offsets = new int[(end - pos) / HEADER + 1];
        int count = 1;
        final boolean bigEndian = data.order() == ByteOrder.BIG_ENDIAN;
        while (pos < end) {
            if (end - pos < HEADER)
                throw truncatedHeader(count, pos, end);
            int info = BtfCursor.u32At(data, bigEndian, pos + 4);
            int number = kindNumber(info);
            int fixed = FIXED_EXTRA[number];
            if (fixed < 0)
                throw new BtfFormatException("type [%d]: unknown kind %d (info 0x%08x)", count, number, info);
            int vlen = vlen(info);
            int extra = fixed + PER_VLEN_EXTRA[number] * vlen; // at most 12 * 65535: no overflow
            int left = end - pos - HEADER;
            if (extra > left) {
                BtfKind kind = BtfKind.byNumber(number);
                if (isVlenSized(kind))
                    throw new BtfFormatException("type [%d] %s: vlen %d (%d bytes of %s) exceeds the %d bytes left in the type section",
                            count, kind, vlen, extra, entries(kind), left);
                throw new BtfFormatException("type [%d] %s: its %s needs %d bytes, but only %d are left in the type section",
                        count, kind, entries(kind), extra, left);
            }
            offsets[count++] = pos;
            pos += HEADER + extra;
        }
        return new TypeSection(data, Arrays.copyOf(offsets, count), strings);
    }

    // extraBytes() as two tables by kind number (0..31), so the index loop neither allocates nor
    // switches; -1 marks numbers that are not a kind that can appear in a type section.
    private static final int[] FIXED_EXTRA = new int[32], PER_VLEN_EXTRA = new int[32];

    static {
        java.util.Arrays.fill(FIXED_EXTRA, -1);
        for (BtfKind k : BtfKind.values()) {
            if (k == BtfKind.VOID)
                continue;
            FIXED_EXTRA[k.number()] = (int) extraBytes(k, 0);
            PER_VLEN_EXTRA[k.number()] = (int) (extraBytes(k, 1) - extraBytes(k, 0));
        }
    }

    /** The section ends inside a type's 12-byte header: name the first word that does not fit. */
    private static BtfFormatException truncatedHeader(int id, int pos, int end) {
        String[] fields = {"name_off", "info", "size/type"};
        int field = (end - pos) / 4;
        int at = pos + 4 * field;
        return new BtfFormatException("type [%d]: %s needs 4 bytes at offset 0x%x, but only %d are left in the type section",
                id, fields[field], at, end - at);
    }

    /** Bytes that follow the 12-byte header for a type of this kind. */
    static long extraBytes(BtfKind kind, int vlen) {
        return switch (kind) {
            case INT, VAR, DECL_TAG -> 4;
            case ARRAY -> 12;
            case STRUCT, UNION, DATASEC, ENUM64 -> 12L * vlen;
            case ENUM, FUNC_PROTO -> 8L * vlen;
            case VOID, PTR, FWD, TYPEDEF, VOLATILE, CONST, RESTRICT, FUNC, FLOAT, TYPE_TAG -> 0;
        };
    }

    private static boolean isVlenSized(BtfKind kind) {
        return switch (kind) {
            case STRUCT, UNION, DATASEC, ENUM64, ENUM, FUNC_PROTO -> true;
            default -> false;
        };
    }

    /** What the kind-specific words hold, for messages. */
    static String entries(BtfKind kind) {
        return switch (kind) {
            case INT -> "int encoding";
            case ARRAY -> "array description";
            case STRUCT, UNION -> "members";
            case ENUM, ENUM64 -> "values";
            case FUNC_PROTO -> "parameters";
            case VAR -> "linkage";
            case DATASEC -> "variables";
            case DECL_TAG -> "component_idx";
            default -> "data";
        };
    }

    static int kindNumber(int info) {
        return (info >>> 24) & 0x1f;
    }

    static int vlen(int info) {
        return info & 0xffff;
    }

    static boolean kindFlag(int info) {
        return info < 0;
    }

    // ---- raw access by id; ids are checked by the caller (Btf) ----

    int count() {
        return offsets.length;
    }

    /** The byte offset of a type's record in the blob (id > 0). */
    int offset(int id) {
        return offsets[id];
    }

    /** The whole blob, in its byte order; for the validator's fast pass. Read with absolute gets only. */
    ByteBuffer data() {
        return data;
    }

    boolean bigEndian() {
        return bigEndian;
    }

    StringTable strings() {
        return strings;
    }

    BtfKind kind(int id) {
        return id == 0 ? BtfKind.VOID : BtfKind.byNumber(kindNumber(info(id)));
    }

    int nameOff(int id) {
        return id == 0 ? 0 : word(id, 0);
    }

    int info(int id) {
        return word(id, 1);
    }

    /** The {@code size} or {@code type} word, depending on the kind. */
    int sizeOrType(int id) {
        return word(id, 2);
    }

    /** The {@code index}-th 32-bit word of the type's record (0-2 are the header). */
    int word(int id, int index) {
        return BtfCursor.u32At(data, bigEndian, offsets[id] + 4 * index);
    }

    String name(int id) {
        return strings.get(nameOff(id));
    }

    /** "type [12] STRUCT 'foo'", or "type [12] STRUCT" when anonymous; for messages. */
    String describe(int id) {
        String base = "type [" + id + "] " + kind(id);
        int off = nameOff(id);
        if (off < 0 || off >= strings.size() || strings.isEmpty(off))
            return base;
        return base + " '" + strings.get(off) + "'";
    }

    /** A reader positioned at the type's kind-specific words, for decoding. */
    BtfCursor extra(int id) {
        int start = offsets[id] + HEADER;
        int end = id + 1 < offsets.length ? offsets[id + 1] : start + (int) extraBytes(kind(id), vlen(info(id)));
        return new BtfCursor(data, start, end, "type section").context(() -> describe(id));
    }
}
