package dev.bpf4j.loader;

import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.BtfType;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Fills the {@code .kconfig} map as libbpf's {@code bpf_object__resolve_externs} does:
 * {@code LINUX_KERNEL_VERSION}, {@code LINUX_HAS_BPF_COOKIE} and {@code LINUX_HAS_SYSCALL_WRAPPER}
 * are virtual; {@code CONFIG_*} come from the kernel configuration ({@code y/n/m} for bools,
 * tristates and chars, numbers for integers, quoted strings for char arrays); a weak extern
 * left unset reads as zero, a strong one is an error.
 */
final class KconfigResolver {
    private enum Kind { BOOL, CHAR, INT, TRISTATE, CHAR_ARRAY }

    /** What libbpf's find_kcfg_type says about an extern's type. */
    private record Target(Kind kind, boolean signed) {
    }

    private KconfigResolver() {
    }

    /** The spec's maps, the {@code .kconfig} map (if any) given its resolved initial data. */
    static List<MapSpec> resolve(ObjectSpec spec, KernelConfig config) {
        List<ExternSpec> kconfig = spec.externs().stream().filter(e -> e.kind() == ExternSpec.Kind.KCONFIG).toList();
        if (kconfig.isEmpty())
            return spec.maps();
        MapSpec map = spec.maps().stream().filter(m -> m.kind() == MapKind.KCONFIG).findFirst().orElseThrow();
        ByteBuffer data = ByteBuffer.allocate(map.valueSize()).order(spec.byteOrder());
        String file = spec.elf().name();
        for (ExternSpec e : kconfig) {
            Target target = target(spec.btf(), e);
            boolean set;
            if (e.name().startsWith("CONFIG_")) {
                Optional<String> value = config.value(e.name());
                set = value.isPresent();
                value.ifPresent(v -> write(file, e, target, v, data));
            } else if (e.name().equals("LINUX_KERNEL_VERSION")) {
                set = writeNumber(file, e, target, BigInteger.valueOf(config.kernelVersion()), data);
            } else if (e.name().equals("LINUX_HAS_BPF_COOKIE")) {
                set = writeNumber(file, e, target, BigInteger.valueOf(config.hasBpfCookie() ? 1 : 0), data);
            } else if (e.name().equals("LINUX_HAS_SYSCALL_WRAPPER")) {
                set = writeNumber(file, e, target, BigInteger.valueOf(config.hasSyscallWrapper() ? 1 : 0), data);
            } else if (e.name().startsWith("LINUX_") && e.weak()) {
                set = writeNumber(file, e, target, BigInteger.ZERO, data); // an unknown weak virtual extern reads 0
            } else {
                throw new LinkException(file + ": extern (kcfg) '" + e.name() + "': unrecognized virtual extern");
            }
            if (!set && !e.weak())
                throw new LinkException(file + ": extern (kcfg) '" + e.name() + "' (strong): not resolved: "
                        + config.source() + " does not set it");
        }
        List<MapSpec> out = new ArrayList<>();
        for (MapSpec m : spec.maps())
            out.add(m == map ? m.withInitialData(data.array()) : m);
        return out;
    }

    // libbpf's find_kcfg_type; the spec reader already refused the unsupported ones.
    private static Target target(Btf btf, ExternSpec e) {
        BtfType t = btf.resolve(e.type().id());
        if (t instanceof BtfType.Int i)
            return new Target(i.isBool() ? Kind.BOOL : i.size() == 1 ? Kind.CHAR : Kind.INT, i.isSigned());
        return new Target(t instanceof BtfType.Array ? Kind.CHAR_ARRAY : Kind.TRISTATE, false);
    }

    private static void write(String file, ExternSpec e, Target target, String value, ByteBuffer data) {
        Kind kind = target.kind();
        String where = file + ": extern (kcfg) '" + e.name() + "': value '" + value + "' ";
        char first = value.isEmpty() ? 0 : value.charAt(0);
        if (first == 'y' || first == 'n' || first == 'm') {
            switch (kind) {
                case BOOL -> {
                    if (first == 'm')
                        throw new LinkException(where + "implies tristate or char type");
                    data.put(e.offset(), (byte) (first == 'y' ? 1 : 0));
                }
                case TRISTATE -> data.putInt(e.offset(), first == 'y' ? 1 : first == 'm' ? 2 : 0);
                case CHAR -> data.put(e.offset(), (byte) first);
                default -> throw new LinkException(where + "implies bool, tristate, or char type");
            }
        } else if (first == '"') {
            if (kind != Kind.CHAR_ARRAY)
                throw new LinkException(where + "implies char array type");
            if (value.length() < 2 || value.charAt(value.length() - 1) != '"')
                throw new LinkException(where + "is an invalid string config");
            byte[] text = value.substring(1, value.length() - 1).getBytes(StandardCharsets.UTF_8);
            int len = Math.min(text.length, e.size() - 1); // libbpf truncates, keeping the NUL
            data.put(e.offset(), text, 0, len);
            data.put(e.offset() + len, (byte) 0);
        } else {
            BigInteger number = parseU64(value)
                    .orElseThrow(() -> new LinkException(where + "isn't a valid integer"));
            writeNumber(file, e, target, number, data);
        }
    }

    /** libbpf's set_kcfg_value_num, with is_kcfg_value_in_range. */
    private static boolean writeNumber(String file, ExternSpec e, Target target, BigInteger value, ByteBuffer data) {
        Kind kind = target.kind();
        String where = file + ": extern (kcfg) '" + e.name() + "': value '" + value + "' ";
        if (kind != Kind.INT && kind != Kind.CHAR && kind != Kind.BOOL)
            throw new LinkException(where + "implies integer, char, or boolean type");
        if (kind == Kind.BOOL && value.compareTo(BigInteger.ONE) > 0)
            throw new LinkException(where + "isn't boolean compatible");
        int bits = e.size() * 8;
        long v = value.longValue();
        if (kind != Kind.BOOL && bits < 64) {
            boolean fits = target.signed()
                    ? Long.compareUnsigned(v + (1L << (bits - 1)), 1L << bits) < 0
                    : (v >>> bits) == 0;
            if (!fits)
                throw new LinkException(where + "doesn't fit in " + e.size() + " bytes");
        }
        switch (e.size()) {
            case 1 -> data.put(e.offset(), (byte) v);
            case 2 -> data.putShort(e.offset(), (short) v);
            case 4 -> data.putInt(e.offset(), (int) v);
            case 8 -> data.putLong(e.offset(), v);
            default -> throw new LinkException(where + "has an unsupported size " + e.size());
        }
        return true;
    }

    /** strtoull(value, &end, 0) consuming the whole text: decimal, 0x hex or 0 octal, wrapping like C for '-'. */
    private static Optional<BigInteger> parseU64(String text) {
        String s = text.strip();
        boolean negative = s.startsWith("-");
        if (negative || s.startsWith("+"))
            s = s.substring(1);
        int radix = 10;
        if (s.startsWith("0x") || s.startsWith("0X")) {
            radix = 16;
            s = s.substring(2);
        } else if (s.length() > 1 && s.startsWith("0")) {
            radix = 8;
            s = s.substring(1);
        }
        if (s.isEmpty())
            return Optional.empty();
        try {
            BigInteger v = new BigInteger(s, radix);
            if (v.bitLength() > 64)
                return Optional.empty();
            return Optional.of(negative ? v.negate().and(BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE)) : v);
        } catch (NumberFormatException ex) {
            return Optional.empty();
        }
    }
}
