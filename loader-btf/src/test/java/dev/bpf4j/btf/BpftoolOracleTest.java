package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * Checks the test builder (and so the round-trip properties built on it) against libbpf: bpftool
 * must read what the builder writes, in both byte orders, exactly as we do. Without this, a
 * misreading of btf.rst shared by builder and parser would go unnoticed.
 */
class BpftoolOracleTest {

    private static void assertBpftoolAgrees(List<BtfType> types, ByteOrder order) throws Exception {
        byte[] blob = BtfBuilder.encode(types, order);
        Path file = Files.createTempFile("bpf4j", ".btf");
        try {
            Files.write(file, blob);
            List<String> expected = BpftoolFormat.dump(file);
            if (expected == null)
                throw new AssertionError("bpftool rejected a " + order + " blob of " + types);
            VmlinuxTest.assertSameLines(expected, BpftoolFormat.lines(Btf.parse(blob)));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    @Test
    void everyKindLittleEndian() throws Exception {
        assumeTrue(BpftoolFormat.available(), "bpftool is not installed");
        assertBpftoolAgrees(BtfParseTest.everyKind(), ByteOrder.LITTLE_ENDIAN);
    }

    @Test
    void everyKindBigEndian() throws Exception {
        assumeTrue(BpftoolFormat.available(), "bpftool is not installed");
        assertBpftoolAgrees(BtfParseTest.everyKind(), ByteOrder.BIG_ENDIAN);
    }

    @Provide
    Arbitrary<List<BtfType>> graphs() {
        return TypeGraphs.graphs(16);
    }

    @Provide
    Arbitrary<ByteOrder> orders() {
        return Arbitraries.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN);
    }

    // Each try starts a bpftool process; a few dozen random graphs cover the field encodings.
    @Property(tries = 40)
    void randomGraphsReadTheSameInBpftool(@ForAll("graphs") List<BtfType> graph, @ForAll("orders") ByteOrder order) throws Exception {
        if (!BpftoolFormat.available())
            return;
        assertBpftoolAgrees(graph, order);
    }
}
