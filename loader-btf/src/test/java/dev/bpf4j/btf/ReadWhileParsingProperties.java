package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Btf#read} parses a large file while a helper thread is still reading it. The law: the
 * outcome is that of {@link Btf#parse} on the file's bytes, the same {@code Btf} or the same
 * error message, however the bytes trickle in and whatever size the file claimed to have.
 */
class ReadWhileParsingProperties {

    /** Hands out {@code bytes} in the given chunk sizes (cycled), yielding now and then so the parser catches up and waits. */
    static final class TricklingChannel implements ReadableByteChannel {
        private final byte[] bytes;
        private final int[] chunks;
        private final int failAt; // offset at which read fails with an IOException; -1 for never
        private int pos, next;

        TricklingChannel(byte[] bytes, List<Integer> chunks, int failAt) {
            this.bytes = bytes;
            this.chunks = chunks.stream().mapToInt(Integer::intValue).toArray();
            this.failAt = failAt;
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            if (failAt >= 0 && pos >= failAt)
                throw new IOException("device went away at offset " + pos);
            if (pos == bytes.length)
                return -1;
            int n = Math.min(Math.min(chunks[next++ % chunks.length], dst.remaining()), bytes.length - pos);
            if (failAt >= 0)
                n = Math.min(n, failAt - pos);
            dst.put(bytes, pos, n);
            pos += n;
            if (next % 7 == 0)
                Thread.yield();
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {}
    }

    @Provide
    Arbitrary<List<BtfType>> graphs() {
        return TypeGraphs.graphs(30);
    }

    @Provide
    Arbitrary<ByteOrder> orders() {
        return Arbitraries.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN);
    }

    @Provide
    Arbitrary<List<BtfMutationProperties.Mutation>> mutations() {
        // Half the blobs intact, half damaged: both outcomes must match the sequential parse.
        return Arbitraries.oneOf(Arbitraries.just(List.of()), new BtfMutationProperties().mutations());
    }

    @Provide
    Arbitrary<List<Integer>> chunks() {
        return Arbitraries.integers().between(1, 64).list().ofMinSize(1).ofMaxSize(8);
    }

    @Property(tries = 600)
    void readingWhileParsingEqualsParsingTheWholeFile(
            @ForAll("graphs") List<BtfType> graph, @ForAll("orders") ByteOrder order,
            @ForAll("mutations") List<BtfMutationProperties.Mutation> mutations, @ForAll("chunks") List<Integer> chunks,
            @ForAll @IntRange(min = -40, max = 40) int sizeError) throws IOException {
        byte[] encoded = BtfBuilder.encode(graph, order);
        for (BtfMutationProperties.Mutation m : mutations)
            encoded = m.apply(encoded);
        byte[] blob = encoded;
        int claimed = Math.max(0, blob.length + (sizeError % 3 == 0 ? sizeError : 0)); // mostly the true size
        Statistics.label("size").collect(claimed == blob.length ? "as claimed" : claimed < blob.length ? "longer" : "shorter");

        Object expected = outcome(() -> Btf.parse(blob));
        Object actual;
        try {
            actual = outcome(() -> Btf.readWhileParsing(new TricklingChannel(blob, chunks, -1), claimed));
        } catch (IOException e) {
            throw new AssertionError("a channel that never fails made reading fail", e);
        }
        Statistics.label("parse").collect(expected instanceof Btf ? "accepted" : "rejected");
        assertEquals(expected, actual);
        if (actual instanceof Btf btf) {
            assertEquals(ByteBuffer.wrap(blob), ByteBuffer.wrap(btf.toBytes()));
            BtfMutationProperties.queryEverything(btf);
        }
    }

    @Property(tries = 100)
    void aReadErrorIsAnIOExceptionWhereverItHappens(
            @ForAll("graphs") List<BtfType> graph, @ForAll("chunks") List<Integer> chunks, @ForAll @IntRange(min = 0, max = 100) int percent) {
        byte[] blob = BtfBuilder.encode(graph, ByteOrder.LITTLE_ENDIAN);
        int failAt = blob.length * percent / 100;
        var e = assertThrows(IOException.class,
                () -> Btf.readWhileParsing(new TricklingChannel(blob, chunks, failAt), blob.length));
        assertEquals("device went away at offset " + failAt, e.getMessage());
    }

    /** The same blob through a real file, large enough for read() to take the concurrent path. */
    @Test
    void aLargeFileIsReadWhileParsing(@TempDir Path dir) throws IOException {
        var types = new ArrayList<BtfType>();
        types.add(new BtfType.Int(1, "int", 4, 0, 0, 32));
        for (int id = 2; types.size() < 40_000; id++) // each struct refers to the one before by value
            types.add(new BtfType.Struct(id, "s" + id, 8, List.of(new BtfType.Member("m", id - 1, 0, 0))));
        byte[] blob = BtfBuilder.encode(types, ByteOrder.BIG_ENDIAN);
        assertTrue(blob.length > Btf.CONCURRENT_READ_MIN, "only " + blob.length + " bytes");
        Path file = Files.write(dir.resolve("big.btf"), blob);
        assertEquals(Btf.parse(blob), Btf.read(file));
        assertEquals(8, Btf.read(file).sizeOf(40_000));
        assertFalse(readerThreadAlive(), "the reader thread outlived the read");

        // Damage the last struct so that it contains itself: the error is the sequential one.
        byte[] cyclic = BtfBuilder.encode(withLast(types, new BtfType.Struct(40_000, "loop", 8,
                List.of(new BtfType.Member("m", 40_000, 0, 0)))), ByteOrder.LITTLE_ENDIAN);
        Files.write(file, cyclic);
        assertEquals("type [40000] STRUCT 'loop': reference cycle through non-pointer kinds (40000 -> 40000)",
                assertThrows(BtfFormatException.class, () -> Btf.read(file)).getMessage());
        assertEquals(outcome(() -> Btf.parse(cyclic)), outcome(() -> Btf.read(file)));
    }

    @Test
    void vmlinuxReadWhileParsingEqualsItsBytesParsed() throws IOException {
        assumeTrue(Files.isReadable(KernelBtf.VMLINUX), "no kernel BTF at " + KernelBtf.VMLINUX);
        byte[] bytes = Files.readAllBytes(KernelBtf.VMLINUX);
        assertTrue(bytes.length > Btf.CONCURRENT_READ_MIN);
        Btf read = Btf.read(KernelBtf.VMLINUX);
        assertEquals(Btf.parse(bytes), read);
        assertEquals(new TricklingChannel(bytes, List.of(4096), -1).bytes.length, read.toBytes().length);
        assertEquals(Btf.parse(bytes), Btf.readWhileParsing(new TricklingChannel(bytes, List.of(4096, 1, 8192), -1), bytes.length));
    }

    private static List<BtfType> withLast(List<BtfType> types, BtfType last) {
        var copy = new ArrayList<>(types);
        copy.set(copy.size() - 1, last);
        return copy;
    }

    private static boolean readerThreadAlive() {
        return Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("bpf4j-btf-read") && t.isAlive());
    }

    interface Parse {
        Btf run() throws IOException;
    }

    /** The Btf, or the error message (any other exception fails the test). */
    static Object outcome(Parse parse) throws IOException {
        try {
            return parse.run();
        } catch (BtfFormatException e) {
            return "BtfFormatException: " + e.getMessage();
        }
    }
}
