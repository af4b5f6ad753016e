package dev.bpf4j.btf;

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

    private final byte[] data;
    private final ByteOrder order;
    private final boolean bigEndian;
    private final int[] offsets; // offsets[0] is unused: id 0 is the implicit void
    private final StringTable strings;

    private TypeSection(byte[] data, ByteOrder order, int[] offsets, StringTable strings) {
        this.data = data;
        this.order = order;
        this.bigEndian = order == ByteOrder.BIG_ENDIAN;
        this.offsets = offsets;
        this.strings = strings;
    }

    /** Walks the type section once, checking that each type's kind is known and that it fits. */
    static TypeSection index(byte[] data, BtfHeader header, StringTable strings) {
        var c = new BtfCursor(data, header.order(), header.typeStart(), header.typeEnd(), "type section");
        // Every type takes at least 12 bytes, so this bound is justified by the input's size.
        int[] offsets = new int[(header.typeEnd() - header.typeStart()) / HEADER + 1];
        int count = 1;
        while (c.remaining() > 0) {
            final int id = count;
            int offset = c.position();
            c.type(id);
            c.u32("name_off");
            int info = c.u32("info");
            c.u32("size/type");
            int number = kindNumber(info);
            BtfKind kind = BtfKind.byNumber(number);
            if (kind == null || kind == BtfKind.VOID)
                throw new BtfFormatException("type [%d]: unknown kind %d (info 0x%08x)", id, number, info);
            int vlen = vlen(info);
            long extra = extraBytes(kind, vlen);
            if (extra > c.remaining()) {
                if (isVlenSized(kind))
                    throw new BtfFormatException("type [%d] %s: vlen %d (%d bytes of %s) exceeds the %d bytes left in the type section",
                            id, kind, vlen, extra, entries(kind), c.remaining());
                throw new BtfFormatException("type [%d] %s: its %s needs %d bytes, but only %d are left in the type section",
                        id, kind, entries(kind), extra, c.remaining());
            }
            c.skip(extra, entries(kind));
            offsets[count++] = offset;
        }
        return new TypeSection(data, header.order(), Arrays.copyOf(offsets, count), strings);
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
        return new BtfCursor(data, order, start, end, "type section").context(() -> describe(id));
    }
}
