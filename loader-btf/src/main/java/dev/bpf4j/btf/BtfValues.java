package dev.bpf4j.btf;

import java.math.BigInteger;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Converts between the raw bytes of a BTF-typed value (a map key or value, a global variable)
 * and a tree of plain Java values, both ways.
 *
 * <pre>{@code
 * // struct flow_key { __u32 saddr, daddr; __u16 sport, dport; __u8 proto; }
 * BtfType keyType = spec.map("flows").orElseThrow().keyType();
 * Map<String, Object> key = (Map<String, Object>) BtfValues.decode(btf, keyType, keyBytes);
 * long proto = (Long) key.get("proto");
 * byte[] raw = BtfValues.encode(btf, keyType, Map.of("saddr", 0x0a000001, "proto", 6)); // the rest is 0
 * }</pre>
 *
 * <h2>The mapping</h2>
 * <table>
 * <caption>BTF type to Java value</caption>
 * <tr><th>BTF</th><th>decoded as</th><th>encode also accepts</th></tr>
 * <tr><td>int of up to 64 bits (signed, unsigned, char)</td><td>{@code Long}; a {@code u64} above
 *     {@link Long#MAX_VALUE} reads as the negative long with the same bits, as in
 *     {@link BtfType.Enum64}</td><td>any integral {@code Number} in range, {@code BigInteger}
 *     up to 2^64-1 for a u64</td></tr>
 * <tr><td>int of more than 64 bits ({@code __int128})</td><td>{@code BigInteger}</td><td>integral Number</td></tr>
 * <tr><td>bool int</td><td>{@code Boolean}; a byte other than 0 or 1 reads as its {@code Long}</td>
 *     <td>Number</td></tr>
 * <tr><td>enum, enum64</td><td>the enumerator's name when one has the value, else the
 *     {@code Long} (the C value: sign-extended when the enum is signed)</td><td>Number</td></tr>
 * <tr><td>float (2, 4, 8 bytes)</td><td>{@code Double}</td><td>Number</td></tr>
 * <tr><td>pointer</td><td>{@code Long}, the address bits</td><td>Number</td></tr>
 * <tr><td>array of char (a 1-byte int named {@code char} or char-encoded, qualifiers skipped but
 *     not typedefs, as bpftool)</td><td>{@code String} when the bytes are printable ASCII up to a
 *     NUL followed only by NULs (what bpftool prints as a string, and what round-trips); else a
 *     {@code List} of {@code Long}</td><td>List; a String must be printable ASCII and leave room
 *     for the NUL</td></tr>
 * <tr><td>other arrays</td><td>{@code List}, one element per array element</td><td>a shorter List:
 *     the rest is zero</td></tr>
 * <tr><td>struct, union</td><td>{@code LinkedHashMap<String, Object>} in member order, every
 *     member of a union included; the members of an anonymous struct or union member appear in
 *     the enclosing map, as C names them ({@code v.a}, not {@code v.<anon>.a}); anonymous
 *     non-struct members (padding bitfields {@code int :3}) are left out</td><td>any Map; missing
 *     members are zero, union members are written in member order</td></tr>
 * <tr><td>datasec ({@code .data}, ...)</td><td>{@code LinkedHashMap} of variable name to value</td>
 *     <td>any Map</td></tr>
 * </table>
 * Typedefs, qualifiers, type tags, vars and decl tags are looked through. Bitfields (with or
 * without BTF's kind_flag) decode as their int or enum type would, sign-extended when signed,
 * with the target's bit numbering (from the most significant bit on big-endian targets).
 *
 * <p>Laws: {@code decode(encode(v)) equals v} for every {@code v} that decode produces, and
 * {@code encode(decode(b))} equals {@code b} except in bits no member covers (padding, unnamed
 * bitfields) and in the payloads of float NaNs, which need not survive the trip through {@code double}.
 *
 * <p>Every failure is a {@link BtfValueException} naming the path of the part at fault: bytes
 * of the wrong size, a value of the wrong shape or out of range, a type without a value
 * (function, forward declaration, void), a member outside its struct, more than
 * {@value #MAX_DEPTH} levels of nesting, more than {@value #MAX_NODES} decoded values, or a
 * value larger than {@value #MAX_SIZE} bytes.
 */
public final class BtfValues {
    /** Nesting limit: deeper values come only from hostile BTF, and would exhaust the stack. */
    static final int MAX_DEPTH = 128;
    /** Values per decode: overlapping union members can multiply a small value's tree. */
    static final int MAX_NODES = 1_000_000;
    /** Largest value handled (64 MiB), well above any map value the kernel accepts. */
    static final int MAX_SIZE = 64 << 20;

    private BtfValues() {
    }

    /** Decodes {@code bytes} as a value of {@code type} in {@code btf}'s byte order. */
    public static Object decode(Btf btf, BtfType type, byte[] bytes) {
        return decode(btf, type, bytes, btf.byteOrder(), "value");
    }

    /**
     * Decodes {@code bytes} as a value of {@code type} (a type of {@code btf}, or a record made
     * from one, e.g. a DATASEC with libbpf's offsets filled in), in {@code order}; {@code path}
     * names the value in messages ({@code "key"}, {@code "value"}).
     *
     * @throws BtfValueException if {@code bytes} is not exactly the type's size or the type
     *                           cannot be decoded
     */
    public static Object decode(Btf btf, BtfType type, byte[] bytes, ByteOrder order, String path) {
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(type, "type");
        var c = new Codec(btf, order, path);
        long size = c.rootSize(type);
        if (size != bytes.length)
            throw c.fail("%d bytes given, but %s is %d bytes", bytes.length, c.typeName(type), size);
        return c.decode(type, bytes, 0, 0);
    }

    /** Encodes {@code value} as {@code type} in {@code btf}'s byte order. */
    public static byte[] encode(Btf btf, BtfType type, Object value) {
        return encode(btf, type, value, btf.byteOrder(), "value");
    }

    /**
     * Encodes {@code value} (shapes as in the class description) as {@code type} in
     * {@code order}; {@code path} names the value in messages.
     *
     * @throws BtfValueException naming the member path for a wrong shape or an out-of-range number
     */
    public static byte[] encode(Btf btf, BtfType type, Object value, ByteOrder order, String path) {
        Objects.requireNonNull(type, "type");
        var c = new Codec(btf, order, path);
        long size = c.rootSize(type);
        if (size > MAX_SIZE)
            throw c.fail("%s is %d bytes, more than the %d this library encodes", c.typeName(type), size, MAX_SIZE);
        byte[] out = new byte[(int) size];
        c.encode(type, value, out, 0, 0);
        return out;
    }

    /** One decode or encode: the BTF, the byte order, the path to the current part, a budget. */
    private static final class Codec {
        private final Btf btf;
        private final boolean bigEndian;
        private final StringBuilder path;
        private int depth;
        private int nodes;

        Codec(Btf btf, ByteOrder order, String root) {
            this.btf = Objects.requireNonNull(btf, "btf");
            this.bigEndian = Objects.requireNonNull(order, "order") == ByteOrder.BIG_ENDIAN;
            this.path = new StringBuilder(Objects.requireNonNull(root, "path"));
        }

        BtfValueException fail(String format, Object... args) {
            return new BtfValueException(path.toString(), String.format(format, args));
        }

        String typeName(int id) {
            try {
                return CTypeNames.of(btf, btf.type(id));
            } catch (BtfFormatException e) {
                return "type [" + id + "]";
            }
        }

        String typeName(BtfType t) {
            return t instanceof BtfType.DataSec ? CTypeNames.of(btf, t) : typeName(t.id());
        }

        /** A DATASEC record carries its own (possibly fixed-up) size; other types are sized by id. */
        long rootSize(BtfType t) {
            return t instanceof BtfType.DataSec d ? Integer.toUnsignedLong(d.size()) : size(t.id());
        }

        long size(int id) {
            try {
                return btf.sizeOf(id);
            } catch (BtfFormatException e) {
                throw fail("%s has no value: %s", typeName(id), e.getMessage());
            }
        }

        /** Through typedefs, qualifiers, type tags, vars and decl tags (none of which can cycle: parse checked). */
        BtfType resolve(int id) {
            for (int steps = 0; ; steps++) {
                BtfType t = btf.resolve(id);
                if (t instanceof BtfType.Var v)
                    id = v.type();
                else if (t instanceof BtfType.DeclTag d)
                    id = d.type();
                else
                    return t;
                if (steps > btf.typeCount())
                    throw fail("type [%d]: reference cycle", id);
            }
        }

        private void enter() {
            if (++depth > MAX_DEPTH)
                throw fail("nested more than %d levels deep", MAX_DEPTH);
        }

        private void count(long n) {
            if (n > MAX_NODES - nodes)
                throw fail("more than %d values to decode", MAX_NODES);
            nodes += (int) n;
        }

        // ---------------------------------------------------------------- decode

        /** Decodes type {@code id} at {@code off} bytes + {@code bit} bits (bit only for ints). */
        Object decode(int id, byte[] data, int off, int bit) {
            return decode(btf.type(id), data, off, bit);
        }

        Object decode(BtfType root, byte[] data, int off, int bit) {
            enter();
            count(1);
            try {
                BtfType t = root instanceof BtfType.DataSec ? root : resolve(root.id());
                if (t instanceof BtfType.Int i)
                    return decodeInt(i, data, off, bit, 0);
                if (t instanceof BtfType.Enum || t instanceof BtfType.Enum64)
                    return decodeEnum(t, data, off, bit, 0);
                if (t instanceof BtfType.Pointer)
                    return Bits.readLong(data, off, 0, 64, bigEndian);
                if (t instanceof BtfType.Float f)
                    return decodeFloat(f, data, off);
                if (t instanceof BtfType.Array a)
                    return decodeArray(a, data, off);
                if (t instanceof BtfType.Composite s) {
                    var out = new LinkedHashMap<String, Object>();
                    decodeMembers(s, data, off, out);
                    return out;
                }
                if (t instanceof BtfType.DataSec d)
                    return decodeDataSec(d, data, off);
                throw fail("%s has no value", typeName(t.id()));
            } finally {
                depth--;
            }
        }

        private void checkInt(BtfType.Int i) {
            if (i.bits() < 1 || i.bits() > 128 || Integer.toUnsignedLong(i.bitOffset()) + i.bits() > 8L * i.size())
                throw fail("%s: malformed int: %d bits at bit %d of %d bytes", typeName(i.id()), i.bits(),
                        Integer.toUnsignedLong(i.bitOffset()), i.size());
        }

        /** {@code width} > 0: a kind_flag bitfield of that many bits; else the int's own bits. */
        private Object decodeInt(BtfType.Int i, byte[] data, int off, int bit, int width) {
            checkInt(i);
            int bits = width > 0 ? width : i.bits();
            int at = width > 0 ? bit : bit + i.bitOffset();
            if (bits > 64) {
                BigInteger u = Bits.read(data, off, at, bits, bigEndian);
                return i.isSigned() && u.testBit(bits - 1) ? u.subtract(BigInteger.ONE.shiftLeft(bits)) : u;
            }
            long u = Bits.readLong(data, off, at, bits, bigEndian);
            if (i.isBool() && (u == 0 || u == 1))
                return u == 1;
            return i.isSigned() ? signExtend(u, bits) : u;
        }

        private Object decodeEnum(BtfType t, byte[] data, int off, int bit, int width) {
            int size = enumSize(t);
            boolean signed = t instanceof BtfType.Enum e ? e.signed() : ((BtfType.Enum64) t).signed();
            List<BtfType.EnumValue> values = enumValues(t);
            int bits = width > 0 ? width : 8 * checkEnumSize(t, size);
            long u = Bits.readLong(data, off, bit, bits, bigEndian);
            long v = signed ? signExtend(u, bits) : u;
            for (BtfType.EnumValue e : values)
                if (e.value() == v)
                    return e.name();
            return v;
        }

        private static int enumSize(BtfType t) {
            return t instanceof BtfType.Enum e ? e.size() : ((BtfType.Enum64) t).size();
        }

        private static List<BtfType.EnumValue> enumValues(BtfType t) {
            return t instanceof BtfType.Enum e ? e.values() : ((BtfType.Enum64) t).values();
        }

        private int checkEnumSize(BtfType t, int size) {
            if (size != 1 && size != 2 && size != 4 && size != 8)
                throw fail("%s: an enum of %d bytes", typeName(t.id()), size);
            return size;
        }

        private Object decodeFloat(BtfType.Float f, byte[] data, int off) {
            switch (f.size()) {
                case 2: return halfToDouble((int) Bits.readLong(data, off, 0, 16, bigEndian));
                case 4: return (double) java.lang.Float.intBitsToFloat((int) Bits.readLong(data, off, 0, 32, bigEndian));
                case 8: return Double.longBitsToDouble(Bits.readLong(data, off, 0, 64, bigEndian));
                default: throw fail("%s: %d-byte floats are not supported", typeName(f.id()), f.size());
            }
        }

        private Object decodeArray(BtfType.Array a, byte[] data, int off) {
            long n = Integer.toUnsignedLong(a.count());
            long elem = size(a.elementType());
            if (isCharArray(a)) {
                String s = charString(data, off, (int) n);
                if (s != null)
                    return s;
            }
            count(n);
            var out = new ArrayList<Object>((int) n);
            int len = path.length();
            for (int i = 0; i < n; i++) {
                path.append('[').append(i).append(']');
                out.add(decode(a.elementType(), data, off + (int) (i * elem), 0));
                path.setLength(len);
            }
            return out;
        }

        /** The text of a char array, or null when it would not round-trip or bpftool would not print it as text. */
        private static String charString(byte[] data, int off, int n) {
            int nul = -1;
            for (int i = 0; i < n; i++) {
                int b = data[off + i];
                if (b == 0) {
                    nul = i;
                    break;
                }
                if (b < 0x20 || b > 0x7e)
                    return null;
            }
            if (nul < 0)
                return null;
            for (int i = nul + 1; i < n; i++)
                if (data[off + i] != 0)
                    return null;
            return new String(data, off, nul, java.nio.charset.StandardCharsets.US_ASCII);
        }

        /** bpftool's is_str_array test on the type: 1-byte int, char-encoded or named "char", qualifiers skipped, typedefs not. */
        boolean isCharArray(BtfType.Array a) {
            if (a.count() == 0)
                return false;
            BtfType e = btf.type(a.elementType());
            for (int steps = 0; steps <= btf.typeCount(); steps++) {
                if (e instanceof BtfType.Const c)
                    e = btf.type(c.type());
                else if (e instanceof BtfType.Volatile v)
                    e = btf.type(v.type());
                else if (e instanceof BtfType.Restrict r)
                    e = btf.type(r.type());
                else if (e instanceof BtfType.TypeTag g)
                    e = btf.type(g.type());
                else
                    break;
            }
            return e instanceof BtfType.Int i && i.size() == 1 && (i.encoding() == BtfType.Int.CHAR || i.name().equals("char"));
        }

        /** Where a member lies, checked against the enclosing composite's size. */
        private record Slot(int byteOffset, int bit, int width, int type) {
        }

        private Slot slot(BtfType.Composite s, BtfType.Member m) {
            long bitOffset = Integer.toUnsignedLong(m.bitOffset());
            int width = m.bitfieldSize();
            long end;
            if (width > 0) {
                BtfType t = resolve(m.type());
                if (!(t instanceof BtfType.Int) && !(t instanceof BtfType.Enum) && !(t instanceof BtfType.Enum64))
                    throw fail("a %d-bit bitfield of %s, which is not an int or enum", width, typeName(m.type()));
                if (width > (t instanceof BtfType.Int i ? Math.min(128, 8 * i.size()) : 64))
                    throw fail("a %d-bit bitfield is wider than its type %s", width, typeName(m.type()));
                end = bitOffset + width;
            } else {
                BtfType t = resolve(m.type());
                if (t instanceof BtfType.Int i) {
                    checkInt(i);
                    end = bitOffset + i.bitOffset() + i.bits();
                    // A kind_flag-0 bitfield: the int's bits at a member offset that need not be byte-aligned.
                    if ((bitOffset & 7) == 0)
                        end = Math.max(end, bitOffset + 8L * i.size());
                } else {
                    if ((bitOffset & 7) != 0)
                        throw fail("member at bit offset %d is not byte-aligned, but %s is not an int",
                                bitOffset, typeName(m.type()));
                    end = bitOffset + 8 * size(m.type());
                }
            }
            if (end > 8L * Integer.toUnsignedLong(s.size()))
                throw fail("bits %d..%d lie outside %s (%d bytes)", bitOffset, end - 1, typeName(s.id()),
                        Integer.toUnsignedLong(s.size()));
            return new Slot((int) (bitOffset >>> 3), (int) (bitOffset & 7), width, m.type());
        }

        private void decodeMembers(BtfType.Composite s, byte[] data, int off, Map<String, Object> out) {
            int len = path.length();
            for (BtfType.Member m : s.members()) {
                if (m.name().isEmpty()) {
                    if (resolve(m.type()) instanceof BtfType.Composite inner) {
                        Slot sl = slot(s, m);
                        enter();
                        try {
                            decodeMembers(inner, data, off + sl.byteOffset(), out);
                        } finally {
                            depth--;
                        }
                    }
                    continue;
                }
                path.append('.').append(m.name());
                Slot sl = slot(s, m);
                if (out.containsKey(m.name()))
                    throw fail("two members named '%s' (those of anonymous structs and unions count as their parent's)",
                            m.name());
                out.put(m.name(), sl.width() > 0 ? decodeBitfield(sl, data, off) : decode(sl.type(), data, off + sl.byteOffset(), sl.bit()));
                path.setLength(len);
            }
        }

        private Object decodeBitfield(Slot sl, byte[] data, int off) {
            count(1);
            BtfType t = resolve(sl.type());
            if (t instanceof BtfType.Int i)
                return decodeInt(i, data, off + sl.byteOffset(), sl.bit(), sl.width());
            return decodeEnum(t, data, off + sl.byteOffset(), sl.bit(), sl.width()); // slot() allowed only ints and enums
        }

        private Object decodeDataSec(BtfType.DataSec d, byte[] data, int off) {
            var out = new LinkedHashMap<String, Object>();
            int len = path.length();
            for (BtfType.VarSecInfo v : d.vars()) {
                String name = btf.name(v.type());
                path.append('.').append(name);
                checkVar(d, v);
                if (out.containsKey(name))
                    throw fail("%s has two variables named '%s'", typeName(d), name);
                out.put(name, decode(v.type(), data, off + v.offset(), 0));
                path.setLength(len);
            }
            return out;
        }

        private void checkVar(BtfType.DataSec d, BtfType.VarSecInfo v) {
            if (!(btf.type(v.type()) instanceof BtfType.Var))
                throw fail("%s: entry is %s, not a variable", typeName(d), typeName(v.type()));
            long end = Integer.toUnsignedLong(v.offset()) + size(v.type());
            if (end > Integer.toUnsignedLong(d.size()))
                throw fail("bytes %d..%d lie outside %s (%d bytes)", Integer.toUnsignedLong(v.offset()), end - 1,
                        typeName(d), Integer.toUnsignedLong(d.size()));
        }

        // ---------------------------------------------------------------- encode

        void encode(int id, Object value, byte[] out, int off, int bit) {
            encode(btf.type(id), value, out, off, bit);
        }

        void encode(BtfType root, Object value, byte[] out, int off, int bit) {
            enter();
            count(1);
            try {
                BtfType t = root instanceof BtfType.DataSec ? root : resolve(root.id());
                if (t instanceof BtfType.Int i)
                    encodeInt(i, value, out, off, bit, 0);
                else if (t instanceof BtfType.Enum || t instanceof BtfType.Enum64)
                    encodeEnum(t, value, out, off, bit, 0);
                else if (t instanceof BtfType.Pointer)
                    Bits.write(out, off, 0, 64, bigEndian, integer(value, "a pointer", BigInteger.valueOf(Long.MIN_VALUE), U64_MAX));
                else if (t instanceof BtfType.Float f)
                    encodeFloat(f, value, out, off);
                else if (t instanceof BtfType.Array a)
                    encodeArray(a, value, out, off);
                else if (t instanceof BtfType.Composite s) {
                    Map<?, ?> map = map(value, s);
                    var used = new HashSet<String>();
                    encodeMembers(s, map, out, off, used);
                    unknownKeys(map, used, s);
                } else if (t instanceof BtfType.DataSec d)
                    encodeDataSec(d, value, out, off);
                else
                    throw fail("%s has no value", typeName(t.id()));
            } finally {
                depth--;
            }
        }

        private static final BigInteger U64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

        private BigInteger integer(Object value, String what, BigInteger min, BigInteger max) {
            BigInteger v;
            if (value instanceof BigInteger b)
                v = b;
            else if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte)
                v = BigInteger.valueOf(((Number) value).longValue());
            else if (value instanceof java.util.concurrent.atomic.AtomicLong || value instanceof java.util.concurrent.atomic.AtomicInteger)
                v = BigInteger.valueOf(((Number) value).longValue());
            else
                throw fail("expected an integer for %s, got %s", what, shape(value));
            if (v.compareTo(min) < 0 || v.compareTo(max) > 0)
                throw fail("%s does not fit in %s (%s..%s)", v, what, min, max);
            return v;
        }

        private static String shape(Object value) {
            if (value == null)
                return "null";
            String s = value instanceof CharSequence ? "\"" + value + "\"" : String.valueOf(value);
            if (s.length() > 40)
                s = s.substring(0, 37) + "...";
            return value.getClass().getSimpleName() + " " + s;
        }

        private void encodeInt(BtfType.Int i, Object value, byte[] out, int off, int bit, int width) {
            checkInt(i);
            int bits = width > 0 ? width : i.bits();
            int at = width > 0 ? bit : bit + i.bitOffset();
            String what = (width > 0 ? "a " + bits + "-bit " + (i.isSigned() ? "signed" : "unsigned") + " bitfield"
                    : i.isBool() ? "bool" : (i.isSigned() ? "s" : "u") + bits);
            if (value instanceof Boolean b && i.isBool())
                value = b ? 1L : 0L;
            BigInteger min, max;
            if (i.isSigned()) {
                min = BigInteger.ONE.shiftLeft(bits - 1).negate();
                max = BigInteger.ONE.shiftLeft(bits - 1).subtract(BigInteger.ONE);
            } else {
                // A u64 decodes as a long with the same bits, so negative longs are u64 values too.
                min = bits == 64 ? BigInteger.valueOf(Long.MIN_VALUE) : BigInteger.ZERO;
                max = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
            }
            Bits.write(out, off, at, bits, bigEndian, integer(value, what, min, max));
        }

        private void encodeEnum(BtfType t, Object value, byte[] out, int off, int bit, int width) {
            List<BtfType.EnumValue> values = enumValues(t);
            int bits = width > 0 ? width : 8 * checkEnumSize(t, enumSize(t));
            Object v = value;
            if (value instanceof String s) {
                v = null;
                for (BtfType.EnumValue e : values)
                    if (e.name().equals(s)) {
                        v = e.value();
                        break;
                    }
                if (v == null) {
                    var names = new StringJoiner(", ");
                    values.stream().limit(20).forEach(e -> names.add(e.name()));
                    throw fail("no enumerator '%s' in %s (%s%s)", s, typeName(t.id()), names,
                            values.size() > 20 ? ", ..." : "");
                }
                // An enumerator's value need not fit a narrow bitfield; store its bits as C does.
                Bits.write(out, off, bit, bits, bigEndian, BigInteger.valueOf((Long) v));
                return;
            }
            // Either reading of the bits (signed or not) is accepted: C code uses both.
            BigInteger min = BigInteger.ONE.shiftLeft(bits - 1).negate();
            BigInteger max = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
            String what = width > 0 ? "a " + bits + "-bit enum bitfield" : typeName(t.id());
            Bits.write(out, off, bit, bits, bigEndian, integer(v, what, min, max));
        }

        private void encodeFloat(BtfType.Float f, Object value, byte[] out, int off) {
            if (!(value instanceof Number n) || value instanceof BigInteger)
                throw fail("expected a number for %s, got %s", typeName(f.id()), shape(value));
            double d = n.doubleValue();
            long bits = switch (f.size()) {
                case 2 -> doubleToHalf(d);
                case 4 -> Integer.toUnsignedLong(java.lang.Float.floatToRawIntBits((float) d));
                case 8 -> Double.doubleToRawLongBits(d);
                default -> throw fail("%s: %d-byte floats are not supported", typeName(f.id()), f.size());
            };
            Bits.write(out, off, 0, 8 * f.size(), bigEndian, BigInteger.valueOf(bits));
        }

        private void encodeArray(BtfType.Array a, Object value, byte[] out, int off) {
            long n = Integer.toUnsignedLong(a.count());
            if (value instanceof String s && isCharArray(a)) {
                if (s.length() > n - 1)
                    throw fail("\"%s\" does not fit in %s (at most %d characters and the NUL)",
                            s.length() > 40 ? s.substring(0, 37) + "..." : s, typeName(a.id()), n - 1);
                for (int i = 0; i < s.length(); i++) {
                    char c = s.charAt(i);
                    if (c < 0x20 || c > 0x7e)
                        throw fail("character %d of the string is U+%04X: only printable ASCII can be given as a "
                                + "string (use a list of numbers for other bytes)", i, (int) c);
                    out[off + i] = (byte) c;
                }
                return;
            }
            if (!(value instanceof List<?> list))
                throw fail("expected a list for %s, got %s", typeName(a.id()), shape(value));
            if (list.size() > n)
                throw fail("%d elements do not fit in %s", list.size(), typeName(a.id()));
            long elem = size(a.elementType());
            int len = path.length();
            for (int i = 0; i < list.size(); i++) {
                path.append('[').append(i).append(']');
                encode(a.elementType(), list.get(i), out, off + (int) (i * elem), 0);
                path.setLength(len);
            }
        }

        private Map<?, ?> map(Object value, BtfType t) {
            if (!(value instanceof Map<?, ?> map))
                throw fail("expected a map of member names to values for %s, got %s", typeName(t), shape(value));
            return map;
        }

        private void encodeMembers(BtfType.Composite s, Map<?, ?> map, byte[] out, int off, Set<String> used) {
            int len = path.length();
            for (BtfType.Member m : s.members()) {
                if (m.name().isEmpty()) {
                    if (resolve(m.type()) instanceof BtfType.Composite inner) {
                        Slot sl = slot(s, m);
                        enter();
                        try {
                            encodeMembers(inner, map, out, off + sl.byteOffset(), used);
                        } finally {
                            depth--;
                        }
                    }
                    continue;
                }
                if (!map.containsKey(m.name()))
                    continue;
                path.append('.').append(m.name());
                Slot sl = slot(s, m);
                used.add(m.name());
                Object v = map.get(m.name());
                if (sl.width() > 0) {
                    count(1);
                    BtfType t = resolve(sl.type());
                    if (t instanceof BtfType.Int i)
                        encodeInt(i, v, out, off + sl.byteOffset(), sl.bit(), sl.width());
                    else
                        encodeEnum(t, v, out, off + sl.byteOffset(), sl.bit(), sl.width()); // slot() allowed only ints and enums
                } else {
                    encode(sl.type(), v, out, off + sl.byteOffset(), sl.bit());
                }
                path.setLength(len);
            }
        }

        private void unknownKeys(Map<?, ?> map, Set<String> used, BtfType t) {
            if (used.size() == map.size())
                return;
            for (Object k : map.keySet())
                if (!(k instanceof String s) || !used.contains(s)) {
                    var names = new StringJoiner(", ");
                    collectNames(t, names, 0);
                    throw fail("%s has no member %s (members: %s)", typeName(t),
                            k instanceof String ? "'" + k + "'" : shape(k), names);
                }
        }

        private void collectNames(BtfType t, StringJoiner names, int level) {
            if (t instanceof BtfType.DataSec d)
                d.vars().forEach(v -> names.add(btf.name(v.type())));
            else if (t instanceof BtfType.Composite s && level < MAX_DEPTH)
                for (BtfType.Member m : s.members()) {
                    if (!m.name().isEmpty())
                        names.add(m.name());
                    else if (resolve(m.type()) instanceof BtfType.Composite inner)
                        collectNames(inner, names, level + 1);
                }
        }

        private void encodeDataSec(BtfType.DataSec d, Object value, byte[] out, int off) {
            Map<?, ?> map = map(value, d);
            var used = new HashSet<String>();
            int len = path.length();
            for (BtfType.VarSecInfo v : d.vars()) {
                String name = btf.name(v.type());
                if (!map.containsKey(name))
                    continue;
                path.append('.').append(name);
                checkVar(d, v);
                used.add(name);
                encode(v.type(), map.get(name), out, off + v.offset(), 0);
                path.setLength(len);
            }
            unknownKeys(map, used, d);
        }
    }

    static long signExtend(long u, int bits) {
        return bits >= 64 ? u : (u << (64 - bits)) >> (64 - bits);
    }

    /** IEEE 754 binary16 to double (exact: every half is a double). */
    static double halfToDouble(int h) {
        int sign = (h >>> 15) & 1, exp = (h >>> 10) & 0x1f, frac = h & 0x3ff;
        double v;
        if (exp == 0)
            v = frac * 0x1p-24;
        else if (exp == 31)
            v = frac == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        else
            v = (1 + frac / 1024.0) * Math.scalb(1.0, exp - 15);
        return sign == 1 ? -v : v;
    }

    /** double to binary16, rounding to nearest even; exact for every value halfToDouble returns. */
    static long doubleToHalf(double d) {
        long sign = (Double.doubleToRawLongBits(d) >>> 63) << 15;
        double a = Math.abs(d);
        if (Double.isNaN(d))
            return sign | 0x7e00;
        if (a >= 65520.0)
            return sign | 0x7c00;
        if (a < 0x1p-14) // subnormal (or zero): units of 2^-24
            return sign | (long) Math.rint(a * 0x1p24);
        int exp = Math.getExponent(a);
        long frac = (long) Math.rint((a / Math.scalb(1.0, exp) - 1) * 1024);
        if (frac == 1024) {
            frac = 0;
            exp++;
        }
        if (exp > 15)
            return sign | 0x7c00;
        return sign | ((long) (exp + 15) << 10) | frac;
    }
}
