package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The encoder inverts the parser: parse(encode(t)) == t for random valid type graphs of every
 * kind, in both byte orders; it writes the same bytes as the test's independent
 * {@link BtfBuilder} (written from btf.rst and checked against bpftool); real blobs (vmlinux)
 * survive a round trip; and values that do not fit their encoding are refused, not truncated.
 */
class BtfEncoderProperties {

    @Provide
    Arbitrary<List<BtfType>> graphs() {
        return TypeGraphs.graphs(32);
    }

    @Provide
    Arbitrary<ByteOrder> orders() {
        return Arbitraries.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN);
    }

    @Property(tries = 500)
    void parseInvertsEncode(@ForAll("graphs") List<BtfType> graph, @ForAll("orders") ByteOrder order) {
        Btf btf = Btf.parse(BtfEncoder.encode(graph, order));
        assertEquals(order, btf.byteOrder());
        assertEquals(graph, btf.types().subList(1, btf.typeCount()));
    }

    @Property(tries = 300)
    void encodeInvertsParse(@ForAll("graphs") List<BtfType> graph, @ForAll("orders") ByteOrder order) {
        byte[] blob = BtfBuilder.encode(graph, order);
        Btf btf = Btf.parse(blob);
        // Same layout rules (strings deduplicated in first-use order, kind_flag only with bitfields): same bytes.
        assertArrayEquals(blob, BtfEncoder.encode(btf, order));
        assertArrayEquals(blob, btf.toBytes());
        assertEquals(btf, Btf.parse(BtfEncoder.encode(btf, order)));
    }

    @Property(tries = 100)
    void swappingTheByteOrderKeepsTheTypes(@ForAll("graphs") List<BtfType> graph) {
        Btf le = Btf.parse(BtfEncoder.encode(graph, ByteOrder.LITTLE_ENDIAN));
        Btf be = Btf.parse(BtfEncoder.encode(le, ByteOrder.BIG_ENDIAN));
        assertEquals(ByteOrder.BIG_ENDIAN, be.byteOrder());
        assertEquals(le.types(), be.types());
    }

    @Example
    void vmlinuxSurvivesARoundTripThroughTheEncoder() throws IOException {
        assumeTrue(Files.isReadable(KernelBtf.VMLINUX), "no kernel BTF at " + KernelBtf.VMLINUX);
        Btf vmlinux = Btf.read(KernelBtf.VMLINUX);
        Btf again = Btf.parse(BtfEncoder.encode(vmlinux, vmlinux.byteOrder()));
        assertEquals(vmlinux.types(), again.types());
        // pahole deduplicates strings too, but may order them differently: the size can only shrink or stay.
        assertTrue(again.toBytes().length <= vmlinux.toBytes().length);
    }

    @Example
    void encodingAnEmptyListGivesAnEmptyTypeSection() {
        Btf btf = Btf.parse(BtfEncoder.encode(List.of(), ByteOrder.LITTLE_ENDIAN));
        assertEquals(1, btf.typeCount());
        assertEquals(List.of(new BtfType.Void(0)), btf.types());
    }

    @Example
    void idsOutOfSequenceAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> BtfEncoder.encode(List.of(
                new BtfType.Int(2, "int", 4, 0, 0, 32)), ByteOrder.LITTLE_ENDIAN));
        assertTrue(e.getMessage().contains("expected id 1"), e.getMessage());
    }

    @Example
    void valuesThatDoNotFitTheirEncodingAreRefused() {
        List<BtfType.Member> many = new ArrayList<>();
        for (int i = 0; i < 0x10000; i++)
            many.add(new BtfType.Member("", 0, 0, 0));
        assertEquals("type [1] STRUCT 's': vlen 65536 does not fit (0..65535)", refused(new BtfType.Struct(1, "s", 4, many)));
        assertEquals("type [1] STRUCT 's': member 'b' bit offset 16777216 does not fit (0..16777215)", refused(
                new BtfType.Struct(1, "s", 4, List.of(new BtfType.Member("b", 0, 1 << 24, 3)))));
        assertEquals("type [1] INT 'i': bits 256 does not fit (0..255)", refused(new BtfType.Int(1, "i", 4, 0, 0, 256)));
        assertEquals("type [1] FUNC 'f': vlen -1 does not fit (0..65535)", refused(new BtfType.Func(1, "f", 0, -1)));
    }

    private static String refused(BtfType t) {
        return assertThrows(IllegalArgumentException.class, () -> BtfEncoder.encode(List.of(t), ByteOrder.BIG_ENDIAN)).getMessage();
    }
}
