package dev.bpf4j.btf;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** {@code Btf} compares by the bytes it was parsed from, so specs holding one compare by content. */
class BtfEqualityProperties {

    @Provide
    Arbitrary<List<BtfType>> graphs() {
        return TypeGraphs.graphs(12);
    }

    @Provide
    Arbitrary<ByteOrder> orders() {
        return Arbitraries.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN);
    }

    @Property(tries = 300)
    void parsesOfTheSameBytesAreEqual(@ForAll("graphs") List<BtfType> graph, @ForAll("orders") ByteOrder order) {
        byte[] bytes = BtfBuilder.encode(graph, order);
        Btf a = Btf.parse(bytes);
        Btf b = Btf.parse(ByteBuffer.wrap(bytes.clone()));
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
    }

    @Property(tries = 300)
    void differentBytesAreDifferent(@ForAll("graphs") List<BtfType> x, @ForAll("graphs") List<BtfType> y,
                                    @ForAll("orders") ByteOrder order) {
        byte[] bx = BtfBuilder.encode(x, order);
        byte[] by = BtfBuilder.encode(y, order);
        if (Arrays.equals(bx, by))
            assertEquals(Btf.parse(bx), Btf.parse(by));
        else
            assertNotEquals(Btf.parse(bx), Btf.parse(by));
    }

    @Property(tries = 300)
    void theSameTypesInTheOtherByteOrderAreAnotherBlob(@ForAll("graphs") List<BtfType> graph) {
        Btf le = Btf.parse(BtfBuilder.encode(graph, ByteOrder.LITTLE_ENDIAN));
        Btf be = Btf.parse(BtfBuilder.encode(graph, ByteOrder.BIG_ENDIAN));
        assertEquals(le.types(), be.types());
        assertNotEquals(le, be);
    }
}
