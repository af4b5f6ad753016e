package dev.bpf4j.emulator;

import java.nio.charset.StandardCharsets;

/**
 * The kernel's printf for BPF programs (bpf_trace_printk, bpf_trace_vprintk, bpf_snprintf):
 * the format rules of {@code bpf_bprintf_prepare} and the output of {@code bstr_printf}.
 *
 * <p>Accepted, as in the kernel: printable ASCII and white space only; {@code %%}; flags
 * {@code 0 + - space} and a width; {@code %d %i %u %x %X} with {@code l} or {@code ll};
 * {@code %c}; {@code %s}, {@code %ks}, {@code %us} (strings read from the program's
 * memory, empty when unreadable); {@code %p %pK %px %ps %pS %pB} (the address in hex) and
 * {@code %pI4 %pi4 %pI6 %pi6} (addresses read from memory, zeros when unreadable). Anything
 * else, or more conversions than arguments, is {@code -EINVAL}.
 *
 * <p>One difference: the kernel prints {@code %p} and {@code %pK} as a hashed value so as not
 * to leak addresses; the emulator prints the address itself, like {@code %px}.
 */
final class KernelFormat {
    /** Strings a conversion may copy (the kernel's per-call buffer is 512 bytes). */
    static final int MAX_STRING = 512;

    /** The format broke a rule: the helper returns {@code -EINVAL}. */
    static final class Invalid extends Exception {
        Invalid(String why) {
            super(why, null, false, false);
        }
    }

    /** Reads the program's memory for {@code %s} and {@code %pI4}-style conversions. */
    interface Reader {
        /** The string at {@code address} up to its NUL (at most {@code max} bytes), or null when unreadable. */
        byte[] string(long address, int max);

        /** {@code n} bytes at {@code address}, or null when unreadable. */
        byte[] bytes(long address, int n);

        /** What {@code %s} and the {@code %p} extensions read in {@code memory}: its bytes as they are, an unreadable address as absent. */
        static Reader of(Memory memory) {
            return new Reader() {
                @Override
                public byte[] string(long address, int max) {
                    return memory.stringOrNull(address, max);
                }

                @Override
                public byte[] bytes(long address, int n) {
                    return memory.bytesOrNull(address, n);
                }
            };
        }
    }

    private KernelFormat() {
    }

    /**
     * Formats {@code fmt} (its bytes up to, not including, the NUL) with {@code args}.
     *
     * @throws Invalid for formats the kernel refuses
     */
    static String format(byte[] fmt, long[] args, Reader memory) throws Invalid {
        var out = new StringBuilder();
        int spec = 0;
        int n = fmt.length;
        for (int i = 0; i < n; i++) {
            int c = fmt[i] & 0xff;
            if (c >= 0x80 || !(c >= 0x20 && c < 0x7f || c == ' ' || (c >= '\t' && c <= '\r')))
                throw new Invalid(String.format("byte 0x%02x at %d is neither printable nor white space", c, i));
            if (c != '%') {
                out.append((char) c);
                continue;
            }
            if (at(fmt, i + 1) == '%') {
                out.append('%');
                i++;
                continue;
            }
            if (spec >= args.length)
                throw new Invalid("more conversions than the " + args.length + " arguments");
            long arg = args[spec++];
            i++;
            boolean left = false, zero = false, plus = false, space = false;
            for (;; i++) {
                int f = at(fmt, i);
                if (f == '-') left = true;
                else if (f == '0') zero = true;
                else if (f == '+') plus = true;
                else if (f == ' ') space = true;
                else break;
            }
            int width = 0;
            if (at(fmt, i) >= '1' && at(fmt, i) <= '9')
                while (at(fmt, i) >= '0' && at(fmt, i) <= '9') {
                    width = Math.min(width * 10 + at(fmt, i) - '0', 4096);
                    i++;
                }
            String text;
            boolean numeric = false;
            int conv = at(fmt, i);
            if (conv == 'p') {
                int p1 = at(fmt, i + 1), p2 = at(fmt, i + 2);
                if ((p1 == 'k' || p1 == 'u') && p2 == 's') {
                    i += 2;
                    text = string(fmt, i, arg, memory);
                } else if (p1 == 0 || isSpace(p1) || isPunct(p1) || p1 == 'K' || p1 == 'x' || p1 == 's' || p1 == 'S' || p1 == 'B') {
                    if (p1 == 'K' || p1 == 'x' || p1 == 's' || p1 == 'S' || p1 == 'B')
                        i++;
                    text = p1 == 's' || p1 == 'S' || p1 == 'B' ? "0x" + Long.toHexString(arg) : String.format("%016x", arg);
                } else if ((p1 == 'i' || p1 == 'I') && (p2 == '4' || p2 == '6')) {
                    i += 2;
                    text = ip(arg, p1 == 'I', p2 == '4' ? 4 : 16, memory);
                } else {
                    throw new Invalid("unsupported pointer conversion %p" + (p1 == 0 ? "" : String.valueOf((char) p1)));
                }
            } else if (conv == 's') {
                text = string(fmt, i, arg, memory);
            } else if (conv == 'c') {
                text = String.valueOf((char) (arg & 0xff));
            } else {
                boolean wide = false;
                if (at(fmt, i) == 'l') {
                    wide = true;
                    i++;
                    if (at(fmt, i) == 'l')
                        i++;
                }
                conv = at(fmt, i);
                long v = wide ? arg : conv == 'd' || conv == 'i' ? (int) arg : arg & 0xffffffffL;
                switch (conv) {
                    case 'd', 'i' -> text = Long.toString(v);
                    case 'u' -> text = Long.toUnsignedString(v);
                    case 'x' -> text = Long.toHexString(v);
                    case 'X' -> text = Long.toHexString(v).toUpperCase();
                    default -> throw new Invalid(conv == 0 ? "format ends inside a conversion"
                            : "unsupported conversion '" + (char) conv + "'");
                }
                numeric = true;
                if ((conv == 'd' || conv == 'i') && v >= 0 && (plus || space))
                    text = (plus ? "+" : " ") + text;
            }
            pad(out, text, width, left, zero && numeric && !left);
        }
        return out.toString();
    }

    /** The byte at {@code i}, or 0 past the end (the format's NUL). */
    private static int at(byte[] fmt, int i) {
        return i < fmt.length ? fmt[i] & 0xff : 0;
    }

    /** A string conversion ends the conversion: the next byte must be the end, a space or punctuation. */
    private static String string(byte[] fmt, int i, long address, Reader memory) throws Invalid {
        int next = at(fmt, i + 1);
        if (next != 0 && !isSpace(next) && !isPunct(next))
            throw new Invalid("a string conversion must be followed by white space or punctuation, not '" + (char) next + "'");
        byte[] s = memory.string(address, MAX_STRING);
        return s == null ? "" : new String(s, StandardCharsets.ISO_8859_1);
    }

    private static String ip(long address, boolean dotted, int size, Reader memory) {
        byte[] a = memory.bytes(address, size);
        if (a == null)
            a = new byte[size];
        var b = new StringBuilder();
        if (size == 4) {
            for (int k = 0; k < 4; k++)
                b.append(k == 0 ? "" : ".").append(dotted ? Integer.toString(a[k] & 0xff) : String.format("%03d", a[k] & 0xff));
        } else {
            for (int k = 0; k < 16; k += 2)
                b.append(k == 0 || !dotted ? "" : ":").append(String.format("%02x%02x", a[k] & 0xff, a[k + 1] & 0xff));
        }
        return b.toString();
    }

    private static void pad(StringBuilder out, String text, int width, boolean left, boolean zero) {
        int fill = width - text.length();
        if (fill <= 0) {
            out.append(text);
        } else if (left) {
            out.append(text).append(" ".repeat(fill));
        } else if (zero) {
            int sign = !text.isEmpty() && (text.charAt(0) == '-' || text.charAt(0) == '+' || text.charAt(0) == ' ') ? 1 : 0;
            out.append(text, 0, sign).append("0".repeat(fill)).append(text, sign, text.length());
        } else {
            out.append(" ".repeat(fill)).append(text);
        }
    }

    private static boolean isSpace(int c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    private static boolean isPunct(int c) {
        return c > ' ' && c < 0x7f && !Character.isLetterOrDigit(c);
    }
}
