package dev.bpf4j.emulator;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.ByteArrayOutputStream;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The seq_file buffer's law: writes land in order while they fit with a byte to spare; the first that does not ends all. */
class SeqFileProperties {
    @Provide
    Arbitrary<List<Integer>> sizes() {
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(5, Arbitraries.integers().between(0, 64)),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(1000, 9000)),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(SeqFile.SIZE - 2, SeqFile.SIZE + 1)))
                .list().ofMaxSize(40);
    }

    @Property(tries = 300)
    void writesFitWithOneByteToSpareAndOverflowSticks(@ForAll("sizes") List<Integer> sizes) {
        SeqFile f = new SeqFile();
        var expected = new ByteArrayOutputStream();
        boolean overflowed = false;
        int n = 0;
        for (int size : sizes) {
            byte[] b = new byte[size];
            java.util.Arrays.fill(b, (byte) n++);
            boolean fits = !overflowed && expected.size() + size < SeqFile.SIZE;
            assertEquals(fits, f.write(b), "write of " + size + " after " + expected.size());
            if (fits)
                expected.writeBytes(b);
            else
                overflowed = true;
            assertEquals(overflowed, f.overflowed());
        }
        if (!overflowed)
            assertArrayEquals(expected.toByteArray(), f.bytes());
        int kept = expected.size();
        f.truncate(kept); // what bpf_seq_read does to drop the element that overflowed
        assertArrayEquals(expected.toByteArray(), f.bytes());
        assertEquals(false, f.overflowed());
    }
}
