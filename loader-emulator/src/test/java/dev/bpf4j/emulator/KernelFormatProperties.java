package dev.bpf4j.emulator;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The kernel's printf for BPF against C's printf semantics, which java.util.Formatter
 * shares for the integer conversions and flags BPF allows (with '-' winning over '0', as
 * in C, where Java refuses the pair).
 */
class KernelFormatProperties {
    record Spec(String flags, int width, String length, char conversion) {
        String bpf() {
            return "%" + flags + (width == 0 ? "" : width) + length + conversion;
        }

        /** The same conversion for java.util.Formatter, applied to the value C would see. */
        String java(long arg) {
            boolean wide = !length.isEmpty();
            long v = wide ? arg : conversion == 'd' || conversion == 'i' ? (int) arg : arg & 0xffffffffL;
            String f = flags;
            if (f.contains("-"))
                f = f.replace("0", "");
            if (f.contains("+"))
                f = f.replace(" ", "");              // C: '+' wins over ' '
            boolean signed = conversion == 'd' || conversion == 'i';
            if (!signed)
                f = f.replace("+", "").replace(" ", ""); // C ignores them for unsigned conversions
            if (f.contains("-") && width == 0)
                f = f.replace("-", "");
            if (f.contains("0") && width == 0)
                f = f.replace("0", "");
            String w = width == 0 ? "" : Integer.toString(width);
            return switch (conversion) {
                case 'd', 'i' -> String.format("%" + f + w + "d", v);
                case 'u' -> String.format("%" + f + w + "d", new java.math.BigInteger(Long.toUnsignedString(v)));
                case 'x' -> String.format("%" + f + w + "x", v);
                default -> String.format("%" + f + w + "X", v);
            };
        }
    }

    @Provide
    Arbitrary<Spec> specs() {
        Arbitrary<String> flags = Arbitraries.of("", "-", "0", "+", " ", "-0", "+0", "0-", " +", "- ");
        Arbitrary<Integer> widths = Arbitraries.integers().between(0, 24);
        Arbitrary<String> lengths = Arbitraries.of("", "l", "ll");
        Arbitrary<Character> conversions = Arbitraries.of('d', 'i', 'u', 'x', 'X');
        return Combinators.combine(flags, widths, lengths, conversions).as(Spec::new);
    }

    @Property(tries = 2000)
    void integersFormatAsInC(@ForAll("specs") Spec spec, @ForAll long arg) throws Exception {
        String expected = spec.java(arg);
        String fmt = "<" + spec.bpf() + ">";
        assertEquals("<" + expected + ">", KernelFormat.format(fmt.getBytes(StandardCharsets.US_ASCII), new long[] {arg}, null), fmt);
    }

    @Property(tries = 500)
    void moreConversionsThanArgumentsAreRefused(@ForAll("specs") Spec a, @ForAll("specs") Spec b) {
        byte[] fmt = (a.bpf() + " " + b.bpf()).getBytes(StandardCharsets.US_ASCII);
        assertThrows(KernelFormat.Invalid.class, () -> KernelFormat.format(fmt, new long[] {1}, null));
    }
}
