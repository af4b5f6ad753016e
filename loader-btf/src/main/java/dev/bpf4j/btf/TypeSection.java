package dev.bpf4j.btf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.function.IntUnaryOperator;

/**
 * The type section as an index: the byte offset of each type's {@code struct btf_type}, by id.
 * Building it reads each type's header (to learn its kind and vlen, hence its length) and, in
 * the same pass, each word that names a string or a type, for {@link TypeValidator}; records
 * are decoded later, on demand, by {@link TypeDecoder}. This keeps a parsed vmlinux (~130k
 * types) at its raw bytes plus one int per type.
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
     * What one pass over the type section learns besides the offsets, for {@link TypeValidator}:
     * whether some name offset or type id might be out of range ({@code suspect}: then the
     * validator walks the types again, slowly, to name the first fault); the FUNCs whose type
     * was not seen to be an earlier FUNC_PROTO ({@code funcs}); the types with a by-value
     * reference to an id no lower than their own ({@code roots}: where a cycle search starts);
     * and, per id, whether the type might reach a cycle by value ({@code uncertain}: false when
     * every by-value reference goes to a lower id that is itself certain, so that no cycle can
     * pass through it). The arrays are transient, and may be longer than their counts.
     */
    record Indexed(TypeSection types, boolean suspect, int[] funcs, int funcCount, int[] roots, int rootCount,
                   boolean[] uncertain) {}

    /** Indexes a blob that is wholly in memory. */
    static Indexed index(ByteBuffer data, BtfHeader header, StringTable strings) {
        int limit = data.limit();
        return index(data, header, strings, needed -> limit);
    }

    /**
     * Walks the type section once: checks that each type's kind is known and that it fits, and
     * gathers what {@link TypeValidator} needs to check every name and reference without a
     * second pass. This is the hot loop of parsing vmlinux (~130k types, ~800k words), so it
     * reads words straight from the buffer, keeps its findings in a few running values (a
     * maximum of all name offsets and one of all referenced ids, compared with the limits once
     * at the end), allocates nothing per type, and builds error messages only on failure.
     *
     * <p>{@code arrived} says how many bytes of {@code data} can be read, given how many are
     * needed; it may block until they arrive (a file still being read, {@link ArrivingBytes}),
     * and returns fewer than needed only if the input ended first.
     */
    static Indexed index(ByteBuffer data, BtfHeader header, StringTable strings, IntUnaryOperator arrived) {
        int pos = header.typeStart();
        final int end = header.typeEnd();
        var scan = new Scan(data, end - pos);
        int available = 0;
        while (pos < end) {
            if (end - pos < HEADER)
                throw truncatedHeader(scan.count, pos, end);
            if (pos + HEADER > available)
                available = await(arrived, pos + HEADER, scan.count);
            int info = data.getInt(pos + 4);
            int number = kindNumber(info);
            int fixed = FIXED_EXTRA[number];
            if (fixed < 0)
                throw new BtfFormatException("type [%d]: unknown kind %d (info 0x%08x)", scan.count, number, info);
            int vlen = vlen(info);
            int extra = fixed + PER_VLEN_EXTRA[number] * vlen; // at most 12 * 65535: no overflow
            int left = end - pos - HEADER;
            if (extra > left)
                throw tooLong(scan.count, number, vlen, extra, left);
            if (pos + HEADER + extra > available)
                available = await(arrived, pos + HEADER + extra, scan.count);
            scan.type(pos, number, vlen);
            pos += HEADER + extra;
        }
        boolean suspect = Integer.compareUnsigned(scan.nameMax ^ Integer.MIN_VALUE, strings.size()) >= 0
                || Integer.compareUnsigned(scan.refMax ^ Integer.MIN_VALUE, scan.count) >= 0;
        var types = new TypeSection(data, Arrays.copyOf(scan.offsets, scan.count), strings);
        return new Indexed(types, suspect, scan.funcs, scan.funcCount, scan.roots, scan.rootCount, scan.uncertain);
    }

    /**
     * The state of {@link #index}'s pass, and its work on one type whose layout has been checked.
     * The work is split into small methods on purpose: each is called once per type (or per
     * struct), so the JIT compiles them fully within the first parse (one big loop is called
     * once per parse, and ran in slow, profiling code for the first hundred parses); and
     * {@link #type} stays under the JIT's inlining limit for hot methods (325 bytecodes), so
     * that once compiled it is part of the loop, its fields kept in registers.
     */
    private static final class Scan {
        final ByteBuffer data;
        final int maxCount;
        int[] offsets;
        boolean[] uncertain;
        int count = 1;
        // Unsigned maxima, kept as signed ones of the values with their top bit flipped: one
        // xor and one max per word, and no branch.
        int nameMax = Integer.MIN_VALUE, refMax = Integer.MIN_VALUE;
        int[] funcs = new int[16], roots = new int[256];
        int funcCount, rootCount;

        Scan(ByteBuffer data, int typeBytes) {
            this.data = data;
            // Every type takes at least 12 bytes, which bounds the count by the input's size; but
            // real types average over 20 bytes (vmlinux: 26), so start there and grow if needed:
            // allocating for the bound would be a 1 MiB array for vmlinux, twice what it needs.
            this.maxCount = typeBytes / HEADER + 1;
            this.offsets = new int[Math.min(maxCount, typeBytes / 20 + 16)];
            this.uncertain = new boolean[offsets.length];
        }

        /** Records the type at {@code pos}: its offset, names, references, and what the validator must look at again. */
        void type(int pos, int number, int vlen) {
            if (count == offsets.length)
                grow();
            final int id = count++;
            offsets[id] = pos;
            nameMax = Math.max(nameMax, data.getInt(pos) ^ Integer.MIN_VALUE);
            int st = data.getInt(pos + 8);
            int p = pos + HEADER;
            switch (number) {
                case K_PTR -> ref(st);
                case K_TYPEDEF, K_VOLATILE, K_CONST, K_RESTRICT, K_TYPE_TAG, K_VAR, K_DECL_TAG -> {
                    ref(st);
                    byValue(id, st);
                }
                case K_FUNC -> func(id, st);
                case K_ARRAY -> array(id, p);
                case K_STRUCT, K_UNION -> members(id, p, vlen);
                case K_ENUM -> names(p, vlen, 8);
                case K_ENUM64 -> names(p, vlen, 12);
                case K_FUNC_PROTO -> {
                    ref(st);
                    params(p, vlen);
                }
                case K_DATASEC -> variables(id, p, vlen);
                default -> {} // INT, FWD, FLOAT: no names or references beyond the type's own name
            }
        }

        private void func(int id, int proto) {
            ref(proto);
            // pahole writes a function's prototype just before it, so this is almost always
            // decided here; the rest wait until every kind is known.
            if (proto <= 0 || proto >= id || kindNumber(data.getInt(offsets[proto] + 4)) != K_FUNC_PROTO)
                deferFunc(id);
        }

        private void array(int id, int p) {
            int element = data.getInt(p);
            ref(element);
            ref(data.getInt(p + 4));
            byValue(id, element);
        }

        private void ref(int target) {
            refMax = Math.max(refMax, target ^ Integer.MIN_VALUE);
        }

        /** A by-value reference: to an id >= this one (or out of range) makes it a root; to an uncertain type, uncertain. */
        private void byValue(int id, int target) {
            boolean forward = (target ^ Integer.MIN_VALUE) >= (id ^ Integer.MIN_VALUE);
            if (forward || uncertain[target])
                mark(id, forward);
        }

        private void members(int id, int p, int vlen) {
            boolean forward = false, unsure = false;
            final int idKey = id ^ Integer.MIN_VALUE;
            for (int q = p, end = p + 12 * vlen; q < end; q += 12) {
                nameMax = Math.max(nameMax, data.getInt(q) ^ Integer.MIN_VALUE);
                int type = data.getInt(q + 4);
                refMax = Math.max(refMax, type ^ Integer.MIN_VALUE);
                boolean f = (type ^ Integer.MIN_VALUE) >= idKey;
                forward |= f;
                unsure |= f || uncertain[type];
            }
            if (unsure)
                mark(id, forward);
        }

        private void variables(int id, int p, int vlen) {
            boolean forward = false, unsure = false;
            final int idKey = id ^ Integer.MIN_VALUE;
            for (int q = p, end = p + 12 * vlen; q < end; q += 12) {
                int type = data.getInt(q);
                refMax = Math.max(refMax, type ^ Integer.MIN_VALUE);
                boolean f = (type ^ Integer.MIN_VALUE) >= idKey;
                forward |= f;
                unsure |= f || uncertain[type];
            }
            if (unsure)
                mark(id, forward);
        }

        private void names(int p, int vlen, int stride) {
            int max = nameMax;
            for (int q = p, end = p + stride * vlen; q < end; q += stride)
                max = Math.max(max, data.getInt(q) ^ Integer.MIN_VALUE);
            nameMax = max;
        }

        private void params(int p, int vlen) {
            int names = nameMax, refs = refMax;
            for (int q = p, end = p + 8 * vlen; q < end; q += 8) {
                names = Math.max(names, data.getInt(q) ^ Integer.MIN_VALUE);
                refs = Math.max(refs, data.getInt(q + 4) ^ Integer.MIN_VALUE);
            }
            nameMax = names;
            refMax = refs;
        }

        private void mark(int id, boolean forward) {
            uncertain[id] = true;
            if (forward) {
                if (rootCount == roots.length)
                    roots = Arrays.copyOf(roots, rootCount * 2);
                roots[rootCount++] = id;
            }
        }

        private void deferFunc(int id) {
            if (funcCount == funcs.length)
                funcs = Arrays.copyOf(funcs, funcCount * 2);
            funcs[funcCount++] = id;
        }

        private void grow() {
            int grown = (int) Math.min(maxCount, offsets.length + (offsets.length >> 1) + 16L);
            offsets = Arrays.copyOf(offsets, grown);
            uncertain = Arrays.copyOf(uncertain, grown);
        }
    }

    /** Waits until {@code needed} bytes have arrived; fails if the input ended first. */
    private static int await(IntUnaryOperator arrived, int needed, int id) {
        int available = arrived.applyAsInt(needed);
        if (available < needed)
            throw new BtfFormatException("type [%d]: the input ended at offset 0x%x, before the type's end at 0x%x",
                    id, available, needed);
        return available;
    }

    /** A type's kind-specific words do not fit in what is left of the type section. */
    private static BtfFormatException tooLong(int id, int number, int vlen, int extra, int left) {
        BtfKind kind = BtfKind.byNumber(number);
        if (isVlenSized(kind))
            return new BtfFormatException("type [%d] %s: vlen %d (%d bytes of %s) exceeds the %d bytes left in the type section",
                    id, kind, vlen, extra, entries(kind), left);
        return new BtfFormatException("type [%d] %s: its %s needs %d bytes, but only %d are left in the type section",
                id, kind, entries(kind), extra, left);
    }

    // Kind numbers, for switches in the hot loops (an enum switch would need a BtfKind per type).
    static final int K_INT = 1, K_PTR = 2, K_ARRAY = 3, K_STRUCT = 4, K_UNION = 5, K_ENUM = 6, K_FWD = 7,
            K_TYPEDEF = 8, K_VOLATILE = 9, K_CONST = 10, K_RESTRICT = 11, K_FUNC = 12, K_FUNC_PROTO = 13, K_VAR = 14,
            K_DATASEC = 15, K_FLOAT = 16, K_DECL_TAG = 17, K_TYPE_TAG = 18, K_ENUM64 = 19;

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
