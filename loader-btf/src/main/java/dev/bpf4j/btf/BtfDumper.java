package dev.bpf4j.btf;

import java.math.BigInteger;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Prints BTF-typed values exactly as {@code bpftool map dump} (bpftool 7.1) does: the
 * {@code "formatted"} part of {@code bpftool -j map dump}, and the pretty-printed text of a
 * plain {@code bpftool map dump} of a map with BTF.
 *
 * <pre>{@code
 * String text = BtfDumper.mapDump(btf, map.keyType(), map.valueType(),
 *         List.of(Map.entry(keyBytes, valueBytes)), btf.byteOrder(), BtfDumper.Style.TEXT);
 * // [{
 * //         "key": 17,
 * //         "value": 3
 * //     }
 * // ]
 * String json = BtfDumper.format(btf, map.valueType(), Map.of("packets", 3L), BtfDumper.Style.JSON);
 * }</pre>
 *
 * <p>bpftool's rules, followed here because the point is identical output: integers of 8, 16,
 * 32 and 64 bits print in decimal; bitfields, {@code __int128} and ints of other widths print
 * in hex ({@code 0x1f}, quoted in JSON); char-encoded ints print as a quoted character when
 * printable; a char array prints as a string when its bytes are printable up to a NUL; enums
 * print their enumerator's name or, failing that, the signed number; pointers print as
 * {@code %p} ({@code (nil)}, {@code 0x7f...}) in text and in decimal in JSON; a datasec prints
 * as {@code {".data": [{"var": value}, ...]}}; every member of a union prints; anonymous
 * members print under the name {@code ""}. Kinds bpftool cannot print (floats, type tags met
 * directly, functions) print bpftool's {@code (unsupported-kind} (sic) and end the enclosing
 * struct or array, as there. bpftool reads values in its host's byte order; this class reads
 * them in the order given, so big-endian values print as bpftool on a big-endian host would.
 *
 * <p>Per-CPU maps (bpftool's {@code "values"} with one entry per CPU) are not covered.
 *
 * @see BtfValues for the values themselves
 */
public final class BtfDumper {
    /** The two output forms of {@code bpftool map dump}. */
    public enum Style {
        /** {@code bpftool -j map dump}: compact JSON, values in JSON form. */
        JSON,
        /** {@code bpftool map dump}: pretty-printed, values in plain-text form (unquoted hex, {@code %p}). */
        TEXT
    }

    private static final int EINVAL = -22;
    private static final int MAX_RESOLVE_DEPTH = 32; // libbpf's, for btf__resolve_type

    private final Btf btf;
    private final BpftoolJson jw;
    private final boolean plain;
    private final boolean bigEndian;
    private byte[] data;
    private int depth;
    private long nodes; // left for this value: overlapping union members can multiply a small value's tree

    private BtfDumper(Btf btf, BpftoolJson jw, boolean plain, ByteOrder order) {
        this.btf = Objects.requireNonNull(btf, "btf");
        this.jw = jw;
        this.plain = plain;
        this.bigEndian = Objects.requireNonNull(order, "order") == ByteOrder.BIG_ENDIAN;
    }

    /**
     * One value as bpftool prints it inside a dump (the {@code "value"} of an entry), without a
     * trailing newline. In {@link Style#TEXT}, nested objects are indented as at the top level.
     *
     * @throws BtfValueException if {@code bytes} is not the type's size, or the BTF makes bpftool
     *                           read outside the value
     */
    public static String format(Btf btf, BtfType type, byte[] bytes, ByteOrder order, Style style) {
        var d = new BtfDumper(btf, new BpftoolJson(style == Style.TEXT), style == Style.TEXT, order);
        d.checkSize(type, bytes, "value");
        d.dump(type, bytes);
        return d.jw.toString();
    }

    /** A decoded value ({@link BtfValues} shapes), encoded in {@code btf}'s byte order and then formatted. */
    public static String format(Btf btf, BtfType type, Object value, Style style) {
        return format(btf, type, BtfValues.encode(btf, type, value), btf.byteOrder(), style);
    }

    /**
     * The whole output of {@code bpftool [-j] map dump} for a (non-per-CPU) map with BTF whose
     * entries, in iteration order, are {@code entries}; {@code keyType} null for maps without
     * a key type (queue, stack, and libbpf's internal maps, whose values are DATASECs). Ends with a newline, as bpftool's output does.
     *
     * @throws BtfValueException if a key or value is not its type's size
     */
    public static String mapDump(Btf btf, BtfType keyType, BtfType valueType, List<Map.Entry<byte[], byte[]>> entries,
                                 ByteOrder order, Style style) {
        boolean text = style == Style.TEXT;
        var d = new BtfDumper(btf, new BpftoolJson(text), text, order);
        d.jw.startArray();
        for (Map.Entry<byte[], byte[]> e : entries) {
            byte[] key = e.getKey(), value = e.getValue();
            if (keyType != null)
                d.checkSize(keyType, key, "key");
            d.checkSize(valueType, value, "value");
            if (text) {
                d.entry(keyType, key, valueType, value);
            } else {
                d.jw.startObject();
                d.jw.name("key");
                d.hex(key);
                d.jw.name("value");
                d.hex(value);
                d.jw.name("formatted");
                d.entry(keyType, key, valueType, value);
                d.jw.endObject();
            }
        }
        d.jw.endArray();
        return d.jw.finish();
    }

    private void checkSize(BtfType type, byte[] bytes, String what) {
        Objects.requireNonNull(type, what + " type");
        Objects.requireNonNull(bytes, what);
        long size;
        try {
            size = type instanceof BtfType.DataSec d ? Integer.toUnsignedLong(d.size()) : btf.sizeOf(type.id());
        } catch (BtfFormatException e) {
            throw new BtfValueException(what, e.getMessage());
        }
        if (size != bytes.length)
            throw new BtfValueException(what, bytes.length + " bytes given, but " + CTypeNames.of(btf, type) + " is "
                    + size + " bytes");
    }

    private void hex(byte[] bytes) {
        jw.startArray();
        for (byte b : bytes)
            jw.raw(String.format("\"0x%02x\"", b & 0xff));
        jw.endArray();
    }

    /** map.c's do_dump_btf, non-per-CPU. */
    private void entry(BtfType keyType, byte[] key, BtfType valueType, byte[] value) {
        jw.startObject();
        int ret = 0;
        if (keyType != null) {
            jw.name("key");
            ret = dump(keyType, key);
        }
        if (ret == 0) {
            jw.name("value");
            dump(valueType, value);
        }
        jw.endObject();
    }

    private int dump(BtfType root, byte[] bytes) {
        this.data = bytes;
        this.nodes = Math.max(BtfValues.MAX_NODES, 2L * bytes.length);
        return doType(root, 0, 0);
    }

    /** Fails unless bytes {@code [off, off + len)} are inside the value: bpftool would read past it. */
    private void need(long off, long len) {
        if (off < 0 || len < 0 || off + len > data.length)
            throw new BtfValueException("value", "the BTF makes bpftool read bytes " + off + ".." + (off + len - 1)
                    + " of a " + data.length + "-byte value");
    }

    private int doType(int id, int bitOffset, long off) {
        return doType(btf.type(id), bitOffset, off);
    }

    /** btf_dumper_do_type; {@code t} is a type of the BTF or a fixed-up DATASEC record standing for one. */
    private int doType(BtfType t, int bitOffset, long off) {
        int id = t.id();
        if (++depth > BtfValues.MAX_DEPTH)
            throw new BtfValueException("value", "nested more than " + BtfValues.MAX_DEPTH + " levels deep");
        if (--nodes < 0)
            throw new BtfValueException("value", "more than " + Math.max(BtfValues.MAX_NODES, 2L * data.length)
                    + " values to print for " + data.length + " bytes");
        try {
            switch (t.kind()) {
                case INT:
                    return dumpInt((BtfType.Int) t, bitOffset, off);
                case STRUCT:
                case UNION:
                    return dumpStruct((BtfType.Composite) t, off);
                case ARRAY:
                    return dumpArray((BtfType.Array) t, off);
                case ENUM:
                    return dumpEnum((BtfType.Enum) t, off);
                case ENUM64:
                    return dumpEnum64((BtfType.Enum64) t, off);
                case PTR: {
                    need(off, 8);
                    long v = Bits.readLong(data, (int) off, 0, 64, bigEndian);
                    jw.raw(plain ? (v == 0 ? "(nil)" : "0x" + Long.toHexString(v)) : Long.toUnsignedString(v));
                    return 0;
                }
                case VOID:
                    jw.raw("(unknown)");
                    return 0;
                case FWD:
                    jw.raw("(fwd-kind-invalid)");
                    return EINVAL;
                case TYPEDEF:
                case VOLATILE:
                case CONST:
                case RESTRICT: {
                    int actual = resolveType(id);
                    return actual < 0 ? actual : doType(actual, bitOffset, off);
                }
                case VAR: {
                    jw.startObject();
                    jw.name(t.name());
                    int ret = doType(((BtfType.Var) t).type(), bitOffset, off);
                    jw.endObject();
                    return ret;
                }
                case DATASEC:
                    return dumpDataSec((BtfType.DataSec) t, off);
                default:
                    jw.raw("(unsupported-kind"); // sic: bpftool 7.1 has no closing parenthesis
                    return EINVAL;
            }
        } finally {
            depth--;
        }
    }

    /** libbpf's btf__resolve_type: through modifiers, typedefs and vars; void and forward declarations are errors. */
    private int resolveType(int id) {
        int steps = 0;
        while (steps < MAX_RESOLVE_DEPTH) {
            switch (btf.kind(id)) {
                case VOLATILE, CONST, RESTRICT, TYPE_TAG, TYPEDEF, VAR -> {
                    id = btf.type(id) instanceof BtfType.Var v ? v.type() : refOf(id);
                    steps++;
                }
                default -> steps = Integer.MAX_VALUE;
            }
        }
        if (steps == MAX_RESOLVE_DEPTH || btf.kind(id) == BtfKind.VOID || btf.kind(id) == BtfKind.FWD)
            return EINVAL;
        return id;
    }

    private int refOf(int id) {
        BtfType t = btf.type(id);
        if (t instanceof BtfType.Typedef x) return x.type();
        if (t instanceof BtfType.Const x) return x.type();
        if (t instanceof BtfType.Volatile x) return x.type();
        if (t instanceof BtfType.Restrict x) return x.type();
        if (t instanceof BtfType.TypeTag x) return x.type();
        throw new IllegalStateException("not a modifier: " + t);
    }

    private int dumpInt(BtfType.Int t, int bitOffset, long off) {
        int bits = t.bits();
        if (bits > 128)
            throw new BtfValueException("value", "type [" + t.id() + "] is a " + bits + "-bit int; bpftool handles up to 128");
        if (bitOffset != 0 || t.bitOffset() != 0 || bits % 8 != 0) {
            intBits(t, bitOffset, off);
            return 0;
        }
        if (bits == 128) {
            bitfield(128, 0, off);
            return 0;
        }
        switch (t.encoding()) {
            case 0:
            case BtfType.Int.SIGNED:
                if (bits == 64 || bits == 32 || bits == 16 || bits == 8) {
                    need(off, bits / 8);
                    long u = Bits.readLong(data, (int) off, 0, bits, bigEndian);
                    jw.raw(t.isSigned() ? Long.toString(BtfValues.signExtend(u, bits))
                            : bits == 64 ? Long.toUnsignedString(u) : Long.toString(u));
                } else {
                    intBits(t, bitOffset, off);
                }
                return 0;
            case BtfType.Int.CHAR: {
                need(off, 1);
                int c = data[(int) off];
                if (c >= 0x20 && c <= 0x7e)
                    jw.raw("\"" + (char) c + "\"");
                else if (plain)
                    jw.raw("0x" + Integer.toHexString(c & 0xff));
                else
                    jw.raw(String.format("\"\\u00%02x\"", c & 0xff));
                return 0;
            }
            case BtfType.Int.BOOL:
                need(off, 1);
                jw.raw(data[(int) off] != 0 ? "true" : "false");
                return 0;
            default:
                return EINVAL;
        }
    }

    private void intBits(BtfType.Int t, int bitOffset, long off) {
        long total = bitOffset + Integer.toUnsignedLong(t.bitOffset());
        bitfield(t.bits(), (int) (total & 7), off + (total >>> 3));
    }

    /** btf_dumper_bitfield + btf_int128_print: the bits, unsigned, in hex. */
    private void bitfield(int bits, int bitOffset, long off) {
        if (bits > 128)
            throw new BtfValueException("value", "a " + bits + "-bit field; bpftool handles up to 128");
        need(off, Bits.span(bitOffset, bits));
        BigInteger v = Bits.read(data, (int) off, bitOffset, bits, bigEndian);
        String hex = "0x" + v.toString(16);
        jw.raw(plain ? hex : "\"" + hex + "\"");
    }

    private int dumpStruct(BtfType.Composite t, long off) {
        jw.startObject();
        int ret = 0;
        for (BtfType.Member m : t.members()) {
            long bitOffset = Integer.toUnsignedLong(m.bitOffset());
            jw.name(m.name());
            long memberOff = off + (bitOffset >>> 3);
            if (m.bitfieldSize() != 0) {
                bitfield(m.bitfieldSize(), (int) (bitOffset & 7), memberOff);
            } else {
                ret = doType(m.type(), (int) (bitOffset & 7), memberOff);
                if (ret != 0)
                    break;
            }
        }
        jw.endObject();
        return ret;
    }

    private int dumpArray(BtfType.Array t, long off) {
        long n = Integer.toUnsignedLong(t.count());
        String s = strArray(t, off, n);
        if (s != null) {
            jw.string(s);
            return 0;
        }
        long elem;
        try {
            elem = btf.sizeOf(t.elementType());
        } catch (BtfFormatException e) {
            return EINVAL;
        }
        jw.startArray();
        int ret = 0;
        for (long i = 0; i < n; i++) {
            ret = doType(t.elementType(), 0, off + i * elem);
            if (ret != 0)
                break;
        }
        jw.endArray();
        return ret;
    }

    /** is_str_array: the text when the element is char-like and the bytes are printable up to a NUL. */
    private String strArray(BtfType.Array t, long off, long n) {
        if (n == 0)
            return null;
        BtfType e = btf.type(t.elementType());
        for (int steps = 0; steps <= btf.typeCount(); steps++) {
            switch (e.kind()) {
                case CONST, VOLATILE, RESTRICT, TYPE_TAG -> e = btf.type(refOf(e.id()));
                default -> steps = Integer.MAX_VALUE - 1;
            }
        }
        if (!(e instanceof BtfType.Int i) || i.size() != 1 || i.encoding() != BtfType.Int.CHAR && !i.name().equals("char"))
            return null;
        var sb = new StringBuilder();
        for (long k = 0; k < n; k++) {
            need(off + k, 1);
            int c = data[(int) (off + k)];
            if (c == 0)
                return sb.toString();
            if (c <= 0x1f || c >= 0x7f)
                return null;
            sb.append((char) c);
        }
        return null;
    }

    private int dumpEnum(BtfType.Enum t, long off) {
        int size = t.size();
        if (size != 1 && size != 2 && size != 4 && size != 8)
            return EINVAL;
        need(off, size);
        long value = BtfValues.signExtend(Bits.readLong(data, (int) off, 0, 8 * size, bigEndian), 8 * size);
        for (BtfType.EnumValue v : t.values())
            if (value == (long) (int) v.value()) { // enumerators are __s32 in struct btf_enum
                jw.string(v.name());
                return 0;
            }
        jw.raw(Long.toString(value));
        return 0;
    }

    private int dumpEnum64(BtfType.Enum64 t, long off) {
        need(off, 8);
        long value = Bits.readLong(data, (int) off, 0, 64, bigEndian);
        for (BtfType.EnumValue v : t.values())
            if (value == v.value()) {
                jw.string(v.name());
                return 0;
            }
        jw.raw(Long.toString(value)); // jsonw_int: signed
        return 0;
    }

    private int dumpDataSec(BtfType.DataSec t, long off) {
        jw.startObject();
        jw.name(t.name());
        jw.startArray();
        int ret = 0;
        for (BtfType.VarSecInfo v : t.vars()) {
            ret = doType(v.type(), 0, off + Integer.toUnsignedLong(v.offset()));
            if (ret != 0)
                break;
        }
        jw.endArray();
        jw.endObject();
        return ret;
    }
}
