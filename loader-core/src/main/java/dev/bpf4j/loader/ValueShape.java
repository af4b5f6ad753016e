package dev.bpf4j.loader;

import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.BtfType;
import dev.bpf4j.btf.CTypeNames;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

/**
 * How the bytes of a variable read as a Java value and as text, and how values and text
 * become bytes, by the variable's BTF type (through typedefs and qualifiers):
 *
 * <ul>
 * <li>{@link Int}: 1-, 2-, 4- and 8-byte integers, {@code _Bool} (0..1, also {@code true}/{@code false});
 * <li>{@link Enumeration}: enums of 1, 2, 4 or 8 bytes, by enumerator name or number;
 * <li>{@link Chars}: arrays of plain {@code char}, as strings;
 * <li>{@link Blob}: everything else (structs, unions, other arrays, pointers, floats,
 *     variables without BTF), as bytes of the exact size.
 * </ul>
 *
 * Every shape also accepts {@code hex:0102...} (exactly the variable's bytes), and formats a
 * value it cannot otherwise spell back exactly (a {@code _Bool} holding 2) that way, so that
 * parsing the text of a value always gives back the same bytes.
 */
sealed interface ValueShape permits ValueShape.Int, ValueShape.Enumeration, ValueShape.Chars, ValueShape.Blob {

    /** Where a value is going, for error messages. */
    record Where(String file, String variable) {
        TemplateException fail(String format, Object... args) {
            return new TemplateException(file, variable, format, args);
        }
    }

    int size();

    /** The type as messages show it: {@code u16}, {@code enum mode}, {@code char[8]}, {@code struct limits, 8 bytes}. */
    String label();

    /** The value as {@link ObjectTemplate.Variable#get()} documents it. */
    Object decode(byte[] bytes, ByteOrder order);

    /** Text that {@link #parse} turns back into exactly these bytes. */
    String format(byte[] bytes, ByteOrder order);

    byte[] fromLong(long value, ByteOrder order, Where where);

    /** {@code set(String)}: like {@link #parse}, except that a char array takes the string as it is. */
    default byte[] fromString(String value, ByteOrder order, Where where) {
        return parse(value, order, where);
    }

    /** The command line's syntax (see {@link ObjectTemplate.Variable#parse}). */
    byte[] parse(String text, ByteOrder order, Where where);

    static ValueShape of(Btf btf, BtfType type, long size) {
        if (type == null || btf == null || size > Integer.MAX_VALUE)
            return new Blob((int) Math.min(size, Integer.MAX_VALUE), size + " bytes, no BTF type");
        int n = (int) size;
        BtfType t = btf.resolve(type.id());
        if (t instanceof BtfType.Int i && i.size() == n && isScalarSize(n))
            return new Int(n, i.isSigned(), i.isBool());
        if (t instanceof BtfType.Enum e && e.size() == n && isScalarSize(n))
            return new Enumeration(n, e.signed(), e.name(), e.values());
        if (t instanceof BtfType.Enum64 e && e.size() == n && isScalarSize(n))
            return new Enumeration(n, e.signed(), e.name(), e.values());
        if (t instanceof BtfType.Array a && btf.resolve(a.elementType()) instanceof BtfType.Int c
                && c.size() == 1 && (c.isChar() || c.name().equals("char")))
            return new Chars(n);
        return new Blob(n, CTypeNames.of(btf, type) + ", " + n + (n == 1 ? " byte" : " bytes"));
    }

    private static boolean isScalarSize(int n) {
        return n == 1 || n == 2 || n == 4 || n == 8;
    }

    // ---- integers --------------------------------------------------------------------------

    /** A 1/2/4/8-byte integer. {@code get()} gives a Long; for u64 the Long holds the same 64 bits. */
    record Int(int size, boolean signed, boolean bool) implements ValueShape {
        @Override
        public String label() {
            return bool ? "bool" : (signed ? "s" : "u") + size * 8;
        }

        BigInteger min() {
            return signed && !bool ? BigInteger.ONE.shiftLeft(size * 8 - 1).negate() : BigInteger.ZERO;
        }

        BigInteger max() {
            if (bool)
                return BigInteger.ONE;
            return BigInteger.ONE.shiftLeft(signed ? size * 8 - 1 : size * 8).subtract(BigInteger.ONE);
        }

        @Override
        public Object decode(byte[] bytes, ByteOrder order) {
            return read(bytes, order, signed);
        }

        @Override
        public String format(byte[] bytes, ByteOrder order) {
            long v = read(bytes, order, signed);
            if (bool)
                return v == 0 ? "false" : v == 1 ? "true" : hex(bytes);
            return signed ? Long.toString(v) : Long.toUnsignedString(v);
        }

        @Override
        public byte[] fromLong(long value, ByteOrder order, Where where) {
            // A u64 takes any long as its 64 bits, so that set(get()) holds for values above 2^63.
            if (!(size == 8 && !signed))
                checkRange(BigInteger.valueOf(value), Long.toString(value), where);
            return write(value, size, order);
        }

        @Override
        public byte[] parse(String text, ByteOrder order, Where where) {
            String t = text.strip();
            if (t.startsWith(HEX_PREFIX))
                return hexBytes(t, size, label(), where);
            if (bool && (t.equals("true") || t.equals("false")))
                return write(t.equals("true") ? 1 : 0, size, order);
            BigInteger n = integer(t);
            if (n == null)
                throw where.fail("'%s' is %s: '%s' is not %sa decimal or 0x-hex integer", where.variable(), label(), text,
                        bool ? "true, false or " : "");
            checkRange(n, t, where);
            return write(n.longValue(), size, order);
        }

        private void checkRange(BigInteger n, String shown, Where where) {
            if (n.compareTo(min()) < 0 || n.compareTo(max()) > 0)
                throw where.fail("value %s does not fit in '%s' (%s, %s..%s)", shown, where.variable(), label(), min(), max());
        }
    }

    // ---- enums -----------------------------------------------------------------------------

    /**
     * An enum of 1, 2, 4 or 8 bytes. {@code get()} gives the enumerator's name when one has the
     * value, else a Long. Numbers are accepted when they fit the size as signed or unsigned:
     * clang before 15 does not record whether an enum is signed.
     */
    record Enumeration(int size, boolean signed, String name, List<BtfType.EnumValue> values) implements ValueShape {
        public Enumeration {
            values = List.copyOf(values);
        }

        @Override
        public String label() {
            return "enum " + (name.isEmpty() ? "(anon)" : name);
        }

        @Override
        public Object decode(byte[] bytes, ByteOrder order) {
            long v = read(bytes, order, signed);
            for (BtfType.EnumValue e : values)
                if (truncate(e.value()) == truncate(v))
                    return e.name();
            return v;
        }

        @Override
        public String format(byte[] bytes, ByteOrder order) {
            Object v = decode(bytes, order);
            if (v instanceof String s)
                return s;
            long n = (Long) v;
            return signed ? Long.toString(n) : Long.toUnsignedString(n);
        }

        @Override
        public byte[] fromLong(long value, ByteOrder order, Where where) {
            if (size < 8)
                checkRange(BigInteger.valueOf(value), Long.toString(value), where);
            return write(value, size, order);
        }

        @Override
        public byte[] parse(String text, ByteOrder order, Where where) {
            String t = text.strip();
            if (t.startsWith(HEX_PREFIX))
                return hexBytes(t, size, label(), where);
            for (BtfType.EnumValue e : values)
                if (e.name().equals(t))
                    return write(e.value(), size, order);
            BigInteger n = integer(t);
            if (n == null)
                throw where.fail("'%s' is %s: '%s' is neither one of its enumerators %s nor a number", where.variable(), label(),
                        text, values.stream().map(BtfType.EnumValue::name).toList());
            checkRange(n, t, where);
            return write(n.longValue(), size, order);
        }

        private void checkRange(BigInteger n, String shown, Where where) {
            BigInteger min = BigInteger.ONE.shiftLeft(size * 8 - 1).negate();
            BigInteger max = BigInteger.ONE.shiftLeft(size * 8).subtract(BigInteger.ONE);
            if (n.compareTo(min) < 0 || n.compareTo(max) > 0)
                throw where.fail("value %s does not fit in '%s' (%s, %d %s: %s..%s)", shown, where.variable(), label(), size,
                        size == 1 ? "byte" : "bytes", min, max);
        }

        private long truncate(long v) {
            return size == 8 ? v : v & ((1L << size * 8) - 1);
        }
    }

    // ---- char arrays -----------------------------------------------------------------------

    /**
     * An array of plain {@code char}. {@code get()} gives the UTF-8 text up to the first NUL;
     * a string may fill the whole array (C allows {@code char t[5] = "hello"}); the rest is zeros.
     */
    record Chars(int size) implements ValueShape {
        @Override
        public String label() {
            return "char[" + size + "]";
        }

        @Override
        public Object decode(byte[] bytes, ByteOrder order) {
            int end = 0;
            while (end < bytes.length && bytes[end] != 0)
                end++;
            return new String(bytes, 0, end, StandardCharsets.UTF_8);
        }

        @Override
        public String format(byte[] bytes, ByteOrder order) {
            int end = bytes.length;
            while (end > 0 && bytes[end - 1] == 0)
                end--;
            StringBuilder out = new StringBuilder(end + 2).append('"');
            for (int i = 0; i < end; i++) {
                int b = bytes[i] & 0xff;
                switch (b) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\t' -> out.append("\\t");
                    case '\r' -> out.append("\\r");
                    default -> {
                        // Escaping every non-ASCII byte spells any content back exactly, valid UTF-8 or not.
                        if (b >= 0x20 && b < 0x7f)
                            out.append((char) b);
                        else
                            out.append(String.format("\\x%02x", b));
                    }
                }
            }
            return out.append('"').toString();
        }

        @Override
        public byte[] fromLong(long value, ByteOrder order, Where where) {
            throw where.fail("'%s' is %s: set it with a string, not the number %d", where.variable(), label(), value);
        }

        @Override
        public byte[] fromString(String value, ByteOrder order, Where where) {
            return padded(value.getBytes(StandardCharsets.UTF_8), where);
        }

        @Override
        public byte[] parse(String text, ByteOrder order, Where where) {
            if (text.startsWith(HEX_PREFIX))
                return hexBytes(text.strip(), size, label(), where);
            if (text.length() >= 2 && text.startsWith("\"") && text.endsWith("\""))
                return padded(unquote(text.substring(1, text.length() - 1), where), where);
            return fromString(text, order, where);
        }

        private byte[] padded(byte[] string, Where where) {
            if (string.length > size)
                throw where.fail("a string of %d bytes does not fit in '%s' (%s)", string.length, where.variable(), label());
            return Arrays.copyOf(string, size);
        }

        private byte[] unquote(String body, Where where) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int i = 0; i < body.length(); i++) {
                char c = body.charAt(i);
                if (c != '\\') {
                    int end = Character.isHighSurrogate(c) && i + 1 < body.length() ? i + 2 : i + 1;
                    out.writeBytes(body.substring(i, end).getBytes(StandardCharsets.UTF_8));
                    i = end - 1;
                    continue;
                }
                char e = i + 1 < body.length() ? body.charAt(++i) : '\0';
                switch (e) {
                    case '"', '\\' -> out.write(e);
                    case 'n' -> out.write('\n');
                    case 't' -> out.write('\t');
                    case 'r' -> out.write('\r');
                    case '0' -> out.write(0);
                    case 'x' -> {
                        if (!isHex(body, i + 1) || !isHex(body, i + 2))
                            throw where.fail("'%s': \\x in \"%s\" needs two hex digits", where.variable(), body);
                        out.write(Integer.parseInt(body.substring(i + 1, i + 3), 16));
                        i += 2;
                    }
                    default -> throw where.fail("'%s': unknown escape \\%s in \"%s\" (known: \\\" \\\\ \\n \\t \\r \\0 \\xHH)",
                            where.variable(), e == '\0' ? "" : String.valueOf(e), body);
                }
            }
            return out.toByteArray();
        }

        private static boolean isHex(String s, int at) {
            return at < s.length() && Character.digit(s.charAt(at), 16) >= 0;
        }
    }

    // ---- everything else -------------------------------------------------------------------

    /** Any other type: {@code get()} gives a copy of the bytes, text is {@code 0x} and hex digits. */
    record Blob(int size, String label) implements ValueShape {
        @Override
        public Object decode(byte[] bytes, ByteOrder order) {
            return bytes.clone();
        }

        @Override
        public String format(byte[] bytes, ByteOrder order) {
            return "0x" + HexFormat.of().formatHex(bytes);
        }

        @Override
        public byte[] fromLong(long value, ByteOrder order, Where where) {
            throw where.fail("'%s' is %s: set it with its bytes (0x0102... or hex:0102...), not the number %d",
                    where.variable(), label, value);
        }

        @Override
        public byte[] parse(String text, ByteOrder order, Where where) {
            String t = text.strip();
            if (t.startsWith("0x") || t.startsWith("0X") || t.startsWith(HEX_PREFIX))
                return hexBytes(t, size, label, where);
            throw where.fail("'%s' is %s: give its bytes in hex, as 0x0102... or hex:0102... ('%s' is neither)",
                    where.variable(), label, text);
        }
    }

    // ---- shared ----------------------------------------------------------------------------

    String HEX_PREFIX = "hex:";

    Pattern INTEGER = Pattern.compile("[+-]?(0[xX][0-9a-fA-F]+|[0-9]+)");

    /** A decimal or 0x-hex integer with an optional sign, or null when the text is not one. */
    private static BigInteger integer(String t) {
        if (!INTEGER.matcher(t).matches())
            return null;
        boolean negative = t.startsWith("-");
        String digits = t.startsWith("-") || t.startsWith("+") ? t.substring(1) : t;
        BigInteger n = digits.length() > 2 && (digits.charAt(1) == 'x' || digits.charAt(1) == 'X')
                ? new BigInteger(digits.substring(2), 16) : new BigInteger(digits);
        return negative ? n.negate() : n;
    }

    /** {@code hex:0102...} or {@code 0x0102...} (the prefix is not looked at) as exactly {@code size} bytes. */
    private static byte[] hexBytes(String t, int size, String label, Where where) {
        String digits = t.substring(t.startsWith(HEX_PREFIX) ? HEX_PREFIX.length() : 2);
        if (digits.length() % 2 != 0 || !digits.chars().allMatch(c -> Character.digit(c, 16) >= 0))
            throw where.fail("'%s': '%s' is not hex bytes (two hex digits per byte)", where.variable(), t);
        if (digits.length() / 2 != size)
            throw where.fail("'%s' has %d bytes (%s): got %d", where.variable(), size, label, digits.length() / 2);
        return HexFormat.of().parseHex(digits);
    }

    private static String hex(byte[] bytes) {
        return HEX_PREFIX + HexFormat.of().formatHex(bytes);
    }

    private static long read(byte[] b, ByteOrder order, boolean signed) {
        long v = 0;
        for (int i = 0; i < b.length; i++) {
            int at = order == ByteOrder.LITTLE_ENDIAN ? b.length - 1 - i : i;
            v = v << 8 | (b[at] & 0xff);
        }
        int unused = 64 - b.length * 8;
        return unused == 0 ? v : signed ? v << unused >> unused : v;
    }

    private static byte[] write(long v, int size, ByteOrder order) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            int at = order == ByteOrder.LITTLE_ENDIAN ? i : size - 1 - i;
            b[at] = (byte) (v >>> 8 * i);
        }
        return b;
    }
}
