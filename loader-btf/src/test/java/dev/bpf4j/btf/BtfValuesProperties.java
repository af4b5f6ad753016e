package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

/**
 * The codec's laws over random layouts ({@link ValueLayouts}), in both byte orders: decoding
 * what encoding wrote gives the value back, encoding a decoded value gives back every bit a
 * member covers, and formatting or decoding never throws anything but the library's typed
 * exceptions.
 */
class BtfValuesProperties {

    private static ByteOrder order(boolean bigEndian) {
        return bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    }

    /** Random bytes, "texty" bytes (so char arrays decode as strings and enums match), or zeros. */
    static byte[] bytes(Random r, int size, int style) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) {
            b[i] = switch (style) {
                case 0 -> (byte) r.nextInt(256);
                case 1 -> {
                    int k = r.nextInt(10);
                    yield (byte) (k < 4 ? 0 : k < 9 ? 0x20 + r.nextInt(0x5f) : 1 + r.nextInt(3));
                }
                default -> 0;
            };
        }
        return b;
    }

    @Property(tries = 400)
    void decodingWhatWasEncodedGivesTheValueBack(@ForAll long seed, @ForAll boolean bigEndian) {
        var r = new Random(seed);
        ValueLayouts.Layout l = ValueLayouts.random(r, true);
        ByteOrder order = order(bigEndian);
        Btf btf = Btf.parse(BtfBuilder.encode(l.types(), order));
        BtfType root = btf.type(l.root());
        int size = (int) btf.sizeOf(root.id());
        for (int style = 0; style < 3; style++) {
            Object value = BtfValues.decode(btf, root, bytes(r, size, style), order, "value");
            byte[] encoded = BtfValues.encode(btf, root, value, order, "value");
            assertEquals(value, BtfValues.decode(btf, root, encoded, order, "value"), () -> l.types().toString());
        }
    }

    @Property(tries = 400)
    void encodingWhatWasDecodedRestoresEveryCoveredBit(@ForAll long seed, @ForAll boolean bigEndian) {
        var r = new Random(seed);
        // Floats are left out: a NaN's payload need not survive the trip through double.
        ValueLayouts.Layout l = ValueLayouts.random(r, false);
        ByteOrder order = order(bigEndian);
        Btf btf = Btf.parse(BtfBuilder.encode(l.types(), order));
        BtfType root = btf.type(l.root());
        int size = (int) btf.sizeOf(root.id());
        // The bits some member covers: all-ones bytes, decoded and encoded again.
        byte[] ones = new byte[size];
        Arrays.fill(ones, (byte) 0xff);
        byte[] mask = BtfValues.encode(btf, root, BtfValues.decode(btf, root, ones, order, "value"), order, "value");
        for (int style = 0; style < 2; style++) {
            byte[] b = bytes(r, size, style);
            byte[] expected = b.clone();
            for (int i = 0; i < size; i++)
                expected[i] &= mask[i];
            byte[] back = BtfValues.encode(btf, root, BtfValues.decode(btf, root, b, order, "value"), order, "value");
            assertArrayEquals(expected, back, () -> l.types() + "\nbytes " + Arrays.toString(b));
        }
    }

    @Property(tries = 300)
    void formattingADecodedValueEqualsFormattingItsBytes(@ForAll long seed, @ForAll boolean bigEndian) {
        var r = new Random(seed);
        ValueLayouts.Layout l = ValueLayouts.random(r, false);
        ByteOrder order = order(bigEndian);
        Btf btf = Btf.parse(BtfBuilder.encode(l.types(), order));
        BtfType root = btf.type(l.root());
        byte[] b = bytes(r, (int) btf.sizeOf(root.id()), 1);
        Object value = BtfValues.decode(btf, root, b, order, "value");
        // Bits no member covers are zero after the round trip; bpftool prints unnamed bitfields,
        // so the bytes formatted are the canonical ones.
        byte[] canonical = BtfValues.encode(btf, root, value, order, "value");
        for (BtfDumper.Style style : BtfDumper.Style.values())
            assertEquals(BtfDumper.format(btf, root, canonical, order, style), BtfDumper.format(btf, root, value, style));
    }

    @Property(tries = 300)
    void wrongSizesAndMutatedBtfOnlyThrowTypedExceptions(@ForAll long seed, @ForAll boolean bigEndian) {
        var r = new Random(seed);
        ValueLayouts.Layout l = ValueLayouts.random(r, true);
        ByteOrder order = order(bigEndian);
        byte[] blob = BtfBuilder.encode(l.types(), order);
        // Flip a few bytes of the type section: sizes, offsets, counts and ids go wrong.
        for (int i = 0; i < 3; i++) {
            int at = BtfBuilder.HEADER_SIZE + r.nextInt(Math.max(1, blob.length - BtfBuilder.HEADER_SIZE));
            blob[at] ^= (byte) (1 << r.nextInt(8));
        }
        Btf btf;
        try {
            btf = Btf.parse(blob);
        } catch (BtfFormatException e) {
            return;
        }
        int id = Math.min(l.root(), btf.typeCount() - 1);
        BtfType root = btf.type(id);
        int size = r.nextInt(64);
        try {
            size = (int) Math.min(btf.sizeOf(id) + (r.nextInt(4) == 0 ? r.nextInt(3) - 1 : 0), 1 << 16);
        } catch (BtfFormatException expected) {
            // no size: decoding must say so
        }
        byte[] b = bytes(r, Math.max(0, size), 0);
        try {
            Object v = BtfValues.decode(btf, root, b, order, "value");
            BtfValues.encode(btf, root, v, order, "value");
        } catch (BtfValueException expected) {
            // typed
        } catch (RuntimeException e) {
            fail("untyped " + e + " for " + btf.types(), e);
        }
        try {
            BtfDumper.format(btf, root, b, order, BtfDumper.Style.JSON);
        } catch (BtfValueException expected) {
            // typed
        } catch (RuntimeException e) {
            fail("untyped " + e + " for " + btf.types(), e);
        }
    }
}
