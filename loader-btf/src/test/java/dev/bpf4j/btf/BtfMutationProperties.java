package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * Only typed exceptions escape: a valid blob damaged at random (bytes flipped, cut short, words
 * overwritten with values chosen to reach deep into the parser) either parses or throws
 * {@link BtfFormatException}; and once parsed, every query on every id behaves.
 */
class BtfMutationProperties {

    /** One change to a blob; positions are taken modulo the blob's size. */
    sealed interface Mutation {
        byte[] apply(byte[] blob);
    }

    record Flip(int at, int mask) implements Mutation {
        public byte[] apply(byte[] blob) {
            if (blob.length == 0)
                return blob;
            byte[] b = blob.clone();
            b[Math.floorMod(at, b.length)] ^= (byte) mask;
            return b;
        }
    }

    record Truncate(int keep) implements Mutation {
        public byte[] apply(byte[] blob) {
            return Arrays.copyOf(blob, Math.floorMod(keep, blob.length + 1));
        }
    }

    /** Overwrites an aligned word: type records and header fields are all aligned words. */
    record Overwrite(int word, int value) implements Mutation {
        public byte[] apply(byte[] blob) {
            if (blob.length < 4)
                return blob;
            byte[] b = blob.clone();
            ByteBuffer.wrap(b).order(BtfBuilder.orderOf(blob)).putInt(4 * Math.floorMod(word, b.length / 4), value);
            return b;
        }
    }

    /** Overwrites one of hdr_len, type_off, type_len, str_off, str_len. */
    record HeaderField(int field, int value) implements Mutation {
        public byte[] apply(byte[] blob) {
            return new Overwrite(1 + Math.floorMod(field, 5), value).apply(blob);
        }
    }

    @Provide
    Arbitrary<List<BtfType>> graphs() {
        return TypeGraphs.graphs(12);
    }

    @Provide
    Arbitrary<ByteOrder> orders() {
        return Arbitraries.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN);
    }

    @Provide
    Arbitrary<List<Mutation>> mutations() {
        Arbitrary<Integer> anywhere = Arbitraries.integers();
        Arbitrary<Mutation> flip = Combinators.combine(anywhere, Arbitraries.integers().between(1, 255)).as(Flip::new);
        Arbitrary<Mutation> truncate = anywhere.map(Truncate::new);
        Arbitrary<Mutation> overwrite = Combinators.combine(anywhere, interestingWords()).as(Overwrite::new);
        Arbitrary<Mutation> header = Combinators.combine(anywhere, interestingWords()).as(HeaderField::new);
        return Arbitraries.frequencyOf(Tuple.of(3, flip), Tuple.of(1, truncate), Tuple.of(4, overwrite), Tuple.of(2, header))
                .list().ofMinSize(1).ofMaxSize(3);
    }

    /** Small counts and ids, boundary values, and info words of every kind with various vlens and kind flags. */
    private static Arbitrary<Integer> interestingWords() {
        return Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.integers().between(-2, 80)),
                Tuple.of(1, Arbitraries.of(0x7fff_ffff, 0x8000_0000, 0xffff, 0x10000, 0xffff_ffff, 0xffff_fff0)),
                Tuple.of(3, Combinators.combine(Arbitraries.integers().between(0, 31), Arbitraries.integers().between(0, 6),
                                Arbitraries.of(0, 1 << 31))
                        .as((kind, vlen, kflag) -> kflag | kind << 24 | vlen)),
                Tuple.of(1, Arbitraries.integers()));
    }

    @Property(tries = 2000)
    void mutatedBlobsParseOrFailWithBtfFormatException(
            @ForAll("graphs") List<BtfType> graph, @ForAll("orders") ByteOrder order, @ForAll("mutations") List<Mutation> mutations) {
        byte[] blob = BtfBuilder.encode(graph, order);
        for (Mutation m : mutations)
            blob = m.apply(blob);

        Btf btf;
        try {
            btf = Btf.parse(blob);
        } catch (BtfFormatException e) {
            Statistics.label("parse").collect("rejected");
            assertFalse(e.getMessage() == null || e.getMessage().isBlank());
            return;
        }
        Statistics.label("parse").collect("accepted");
        Statistics.label("parse").coverage(c -> c.check("accepted").percentage(p -> p > 10));
        Statistics.label("parse").coverage(c -> c.check("rejected").percentage(p -> p > 30));
        queryEverything(btf);
    }

    /** After a successful parse, only sizeOf (and string lookups at arbitrary offsets) may fail, and only with BtfFormatException. */
    static void queryEverything(Btf btf) {
        assertEquals(btf.typeCount(), btf.types().size());
        for (int id = 0; id < btf.typeCount(); id++) {
            BtfType t = btf.type(id);
            assertEquals(id, t.id());
            assertEquals(t.kind(), btf.kind(id));
            assertEquals(t.name(), btf.name(id));
            assertEquals(btf.type(btf.resolveId(id)), btf.resolve(id));
            try {
                btf.sizeOf(id);
            } catch (BtfFormatException e) {
                assertFalse(e.getMessage().isBlank());
            }
            // A flipped byte can leave a name that is not UTF-8, which decodes lossily and cannot be looked up.
            if (!t.name().isEmpty() && !t.name().contains("\uFFFD"))
                assertEquals(true, btf.typesByName(t.name()).contains(t), t.name());
        }
        btf.datasec(".data");
        for (int offset : new int[] {0, 1, 7, 100, -1})
            try {
                btf.string(offset);
            } catch (BtfFormatException e) {
                assertFalse(e.getMessage().isBlank());
            }
    }
}
