package dev.bpf4j.loader;

import dev.bpf4j.elf.TestObjectFiles;
import dev.bpf4j.testdata.TestObjects.Target;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.math.BigInteger;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Laws of templates over every variable of every test object (both byte orders, plus the
 * built {@link TypedGlobals}): an integer takes every value of its range and nothing outside
 * it; setting a variable changes exactly its bytes in the written object and in the internal
 * map's initial data, nothing else of the spec; {@code parse(text())} changes nothing.
 */
class ObjectTemplateProperties {

    /** One variable of one object; {@code bytes} is the object (compiled or built). */
    record Case(String file, byte[] bytes, ByteOrder order, String variable) {
        ObjectTemplate template() {
            return ObjectTemplate.of(SpecReader.read(file, bytes));
        }

        @Override
        public String toString() {
            return file + " (" + order + ") " + variable;
        }
    }

    /** Every settable variable with a unique name, of every test object in both byte orders. */
    static List<Case> settable() {
        List<Case> out = new ArrayList<>();
        for (TestObjectFiles.Entry e : TestObjectFiles.all())
            add(out, e.fileName(), e.bytes(), e.target() == Target.BPFEL ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        for (ByteOrder o : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN))
            add(out, TypedGlobals.FILE, TypedGlobals.object(o), o);
        return out;
    }

    private static void add(List<Case> out, String file, byte[] bytes, ByteOrder order) {
        ObjectTemplate t = ObjectTemplate.of(SpecReader.read(file, bytes));
        for (ObjectTemplate.Variable v : t.variables())
            if (v.isSettable() && t.variables().stream().filter(w -> w.name().equals(v.name())).count() == 1)
                out.add(new Case(file, bytes, order, v.name()));
    }

    /** The range of an integer type name, written down here rather than taken from the code under test. */
    private static final Pattern INT = Pattern.compile("([us])(8|16|32|64)|bool");

    static BigInteger[] range(String typeName) {
        Matcher m = INT.matcher(typeName);
        if (!m.matches())
            return null;
        if (typeName.equals("bool"))
            return new BigInteger[]{BigInteger.ZERO, BigInteger.ONE};
        int bits = Integer.parseInt(m.group(2));
        return m.group(1).equals("u")
                ? new BigInteger[]{BigInteger.ZERO, BigInteger.TWO.pow(bits).subtract(BigInteger.ONE)}
                : new BigInteger[]{BigInteger.TWO.pow(bits - 1).negate(), BigInteger.TWO.pow(bits - 1).subtract(BigInteger.ONE)};
    }

    record IntCase(Case c, BigInteger min, BigInteger max) {
    }

    static List<IntCase> integers() {
        List<IntCase> out = new ArrayList<>();
        for (Case c : settable()) {
            BigInteger[] r = range(c.template().variable(c.variable()).typeName());
            if (r != null)
                out.add(new IntCase(c, r[0], r[1]));
        }
        return out;
    }

    @Provide
    Arbitrary<Map.Entry<IntCase, BigInteger>> inRange() {
        List<IntCase> all = integers();
        return Arbitraries.of(all).flatMap(ic -> Arbitraries.bigIntegers().between(ic.min(), ic.max())
                .map(v -> Map.entry(ic, v)));
    }

    @Property(tries = 400)
    void everyIntegerTakesEveryValueOfItsRange(@ForAll("inRange") Map.Entry<IntCase, BigInteger> e, @ForAll boolean hex) {
        Case c = e.getKey().c();
        BigInteger value = e.getValue();
        ObjectTemplate t = c.template();
        ObjectTemplate.Variable v = t.variable(c.variable());
        String text = hex ? (value.signum() < 0 ? "-0x" + value.negate().toString(16) : "0x" + value.toString(16)) : value.toString();
        v.parse(text);

        assertEquals(value.longValue(), v.get(), "get() is the long with the value's low 64 bits");
        byte[] expected = encode(value, (int) v.spec().size(), c.order());
        assertArrayEquals(expected, v.bytes());
        ObjectSpec spec = t.spec();
        assertArrayEquals(expected, ObjectTemplateTest.initialBytes(spec, c.variable()), "the new spec's map starts with the value");
        if (value.bitLength() < 64) {
            ObjectTemplate viaLong = c.template();
            viaLong.variable(c.variable()).set(value.longValue());
            assertArrayEquals(expected, viaLong.variable(c.variable()).bytes(), "set(long) agrees with parse");
        }
    }

    @Provide
    Arbitrary<Map.Entry<IntCase, BigInteger>> outOfRange() {
        List<IntCase> all = integers();
        Arbitrary<BigInteger> beyond = Arbitraries.bigIntegers().between(BigInteger.ONE, BigInteger.TWO.pow(70));
        return Combinators.combine(Arbitraries.of(all), beyond, Arbitraries.of(true, false))
                .as((ic, k, above) -> Map.entry(ic, above ? ic.max().add(k) : ic.min().subtract(k)));
    }

    @Property(tries = 300)
    void valuesOutsideTheRangeAreRefusedAndChangeNothing(@ForAll("outOfRange") Map.Entry<IntCase, BigInteger> e) {
        IntCase ic = e.getKey();
        ObjectTemplate t = ic.c().template();
        ObjectTemplate.Variable v = t.variable(ic.c().variable());
        TemplateException x = assertThrows(TemplateException.class, () -> v.parse(e.getValue().toString()));
        assertEquals(ic.c().file() + ": value " + e.getValue() + " does not fit in '" + v.name() + "' (" + v.typeName() + ", "
                + ic.min() + ".." + ic.max() + ")", x.getMessage());
        if (e.getValue().bitLength() < 64 && !(v.typeName().equals("u64")))
            assertThrows(TemplateException.class, () -> v.set(e.getValue().longValue()));
        assertArrayEquals(ic.c().bytes(), t.toBytes());
    }

    @Provide
    Arbitrary<Map.Entry<Case, Long>> anyVariable() {
        return Combinators.combine(Arbitraries.of(settable()), Arbitraries.longs()).as(Map::entry);
    }

    /**
     * Random bytes into a random variable: the written object differs from the input exactly in
     * those bytes of its section, the new spec exactly in that map's initial data, and the
     * variable's text parses back to the same bytes.
     */
    @Property(tries = 400)
    void settingAVariableChangesExactlyItsBytes(@ForAll("anyVariable") Map.Entry<Case, Long> e) {
        Case c = e.getKey();
        ObjectTemplate t = c.template();
        ObjectTemplate.Variable v = t.variable(c.variable());
        byte[] value = new byte[(int) v.spec().size()];
        new Random(e.getValue()).nextBytes(value);
        v.set(value);
        assertArrayEquals(value, v.bytes());

        String text = v.text();
        v.parse(text);
        assertArrayEquals(value, v.bytes(), "parse(text()) keeps the bytes; text was " + text);

        byte[] out = t.toBytes();
        byte[] in = c.bytes();
        assertEquals(in.length, out.length);
        var section = t.original().elf().section(v.spec().section()).orElseThrow();
        int from = (int) (section.offset() + v.spec().offset());
        assertTrue(Arrays.equals(in, 0, from, out, 0, from), "bytes before the variable");
        assertArrayEquals(value, Arrays.copyOfRange(out, from, from + value.length));
        assertTrue(Arrays.equals(in, from + value.length, in.length, out, from + value.length, out.length), "bytes after the variable");

        ObjectSpec before = t.original();
        ObjectSpec after = t.spec();
        assertEquals(before.programs(), after.programs());
        assertEquals(before.variables(), after.variables());
        assertEquals(before.btf(), after.btf());
        for (int i = 0; i < before.maps().size(); i++) {
            MapSpec m = before.maps().get(i);
            if (!m.name().equals(v.spec().map())) {
                assertEquals(m, after.maps().get(i));
                continue;
            }
            byte[] data = m.initialData();
            System.arraycopy(value, 0, data, (int) v.spec().offset(), value.length);
            assertArrayEquals(data, after.maps().get(i).initialData());
        }
    }

    /** What the variable's bytes must be, computed from the value independently of the code under test. */
    static byte[] encode(BigInteger value, int size, ByteOrder order) {
        byte[] out = new byte[size];
        BigInteger v = value.signum() < 0 ? value.add(BigInteger.TWO.pow(size * 8)) : value;
        for (int i = 0; i < size; i++) {
            byte b = v.shiftRight(8 * i).byteValue();
            out[order == ByteOrder.LITTLE_ENDIAN ? i : size - 1 - i] = b;
        }
        return out;
    }
}
