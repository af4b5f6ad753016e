package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
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
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The three dumps against bpftool, which prints with libbpf: the running kernel's BTF, a blob of
 * every kind in both byte orders, and random type graphs. (The testdata objects are compared
 * through the command line, in loader-cli's BtfCommandTest, which reads their .BTF sections.)
 */
class BtfDumpOracleTest {

    private static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    private static Btf vmlinux;

    @BeforeAll
    static void parse() throws Exception {
        if (Files.isReadable(VMLINUX))
            vmlinux = Btf.parse(Files.readAllBytes(VMLINUX));
    }

    private static void assumeVmlinuxAndBpftool() {
        assumeTrue(vmlinux != null, VMLINUX + " is not readable here");
        assumeTrue(Bpftool.available(), "bpftool is not installed");
    }

    private static String dump(Btf btf, String format) {
        return switch (format) {
            case "raw" -> BtfRawDump.toString(btf);
            case "json" -> BtfJsonDump.toString(btf);
            case "c" -> BtfCDump.toString(btf);
            default -> throw new IllegalArgumentException(format);
        };
    }

    /** Compares with bpftool's output; for C, allowing for libbpf version differences (see Bpftool). */
    private static void assertSameAsBpftool(Path file, Btf btf, String format) throws Exception {
        Bpftool.Result expected = Bpftool.dump(file, format);
        assertEquals(0, expected.status(), "bpftool failed on " + file + " (" + format + ")");
        String ours = dump(btf, format);
        if (format.equals("c"))
            ours = Bpftool.comparableC(ours, expected.out());
        assertSameText(expected.out(), ours);
    }

    /** assertEquals on texts of megabytes, reporting the first differing line only. */
    static void assertSameText(String expected, String actual) {
        if (expected.equals(actual))
            return;
        List<String> e = expected.lines().toList();
        List<String> a = actual.lines().toList();
        for (int i = 0; i < Math.min(e.size(), a.size()); i++)
            if (!e.get(i).equals(a.get(i)))
                fail("line " + (i + 1) + " differs:\n  bpftool: " + e.get(i) + "\n  bpf4j:   " + a.get(i));
        fail("same lines, but bpftool has " + e.size() + " lines (" + expected.length() + " chars), bpf4j "
                + a.size() + " (" + actual.length() + " chars)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"raw", "json", "c"})
    void kernelBtfReadsAsBpftoolPrintsIt(String format) throws Exception {
        assumeVmlinuxAndBpftool();
        assertSameAsBpftool(VMLINUX, vmlinux, format);
    }

    /**
     * Speed: the raw dump of vmlinux (about 12 MB of text) must take well under a few seconds.
     * Timed after two warm-up runs; the bound is loose so a busy CI machine passes.
     */
    @Test
    void kernelBtfDumpsQuickly() {
        assumeTrue(vmlinux != null, VMLINUX + " is not readable here");
        long best = Long.MAX_VALUE;
        long bestC = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            long t0 = System.nanoTime();
            int length = BtfRawDump.toString(vmlinux).length();
            long t1 = System.nanoTime();
            int cLength = BtfCDump.toString(vmlinux).length();
            long t2 = System.nanoTime();
            assertTrue(length > 0 && cLength > 0);
            best = Math.min(best, t1 - t0);
            bestC = Math.min(bestC, t2 - t1);
        }
        System.out.printf("vmlinux (%d types): raw dump %d ms, C dump %d ms%n", vmlinux.typeCount(),
                best / 1_000_000, bestC / 1_000_000);
        assertTrue(best < 3_000_000_000L, "raw dump of vmlinux took " + best / 1_000_000 + " ms");
        assertTrue(bestC < 5_000_000_000L, "C dump of vmlinux took " + bestC / 1_000_000 + " ms");
    }

    @ParameterizedTest
    @ValueSource(strings = {"raw", "json", "c"})
    void everyKindInBothByteOrders(String format) throws Exception {
        assumeTrue(Bpftool.available(), "bpftool is not installed");
        for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
            byte[] blob = BtfBuilder.encode(BtfParseTest.everyKind(), order);
            Path file = Files.createTempFile("bpf4j", ".btf");
            try {
                Files.write(file, blob);
                assertSameAsBpftool(file, Btf.parse(blob), format);
            } finally {
                Files.deleteIfExists(file);
            }
        }
    }

    @Provide
    Arbitrary<List<BtfType>> graphs() {
        return TypeGraphs.graphs(16);
    }

    @Provide
    Arbitrary<ByteOrder> orders() {
        return Arbitraries.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN);
    }

    /**
     * Random valid graphs (each try runs bpftool three times): raw and JSON equal bpftool's; the C
     * dump equals bpftool's when bpftool manages one, and is refused with a BtfFormatException
     * when bpftool fails (libbpf's "unsatisfiable type cycle", or a crash on a pointer loop).
     */
    @Property(tries = 50)
    void randomGraphsDumpAsBpftoolDoes(@ForAll("graphs") List<BtfType> graph, @ForAll("orders") ByteOrder order) throws Exception {
        if (!Bpftool.available())
            return;
        byte[] blob = BtfBuilder.encode(graph, order);
        Btf btf = Btf.parse(blob);
        Path file = Files.createTempFile("bpf4j", ".btf");
        try {
            Files.write(file, blob);
            assertSameAsBpftool(file, btf, "raw");
            assertSameAsBpftool(file, btf, "json");
            Bpftool.Result c = Bpftool.dump(file, "c");
            Statistics.collect(c.status() == 0 ? "bpftool printed C" : "bpftool refused C");
            if (c.status() == 0)
                assertSameText(c.out(), Bpftool.comparableC(BtfCDump.toString(btf), c.out()));
            else
                assertThrows(BtfFormatException.class, () -> BtfCDump.toString(btf), "bpftool failed with " + c.status());
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
