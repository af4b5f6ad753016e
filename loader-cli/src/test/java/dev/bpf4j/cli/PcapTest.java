package dev.bpf4j.cli;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Captures written here by the formats' definitions (pcap, pcapng) read back; malformed ones refused by name. */
class PcapTest {
    static byte[] pcap(List<byte[]> frames, ByteOrder order, int link) {
        var out = new ByteArrayOutputStream();
        ByteBuffer h = ByteBuffer.allocate(24).order(order);
        h.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(link);
        out.writeBytes(h.array());
        for (byte[] f : frames) {
            ByteBuffer r = ByteBuffer.allocate(16).order(order);
            r.putInt(1).putInt(2).putInt(f.length).putInt(f.length);
            out.writeBytes(r.array());
            out.writeBytes(f);
        }
        return out.toByteArray();
    }

    /** pcapng: section header, one Ethernet interface, enhanced packet blocks (and a simple one for the last frame). */
    static byte[] pcapng(List<byte[]> frames, ByteOrder order) {
        var out = new ByteArrayOutputStream();
        block(out, order, 0x0a0d0d0a, ByteBuffer.allocate(16).order(order).putInt(0x1a2b3c4d).putShort((short) 1)
                .putShort((short) 0).putLong(-1).array());
        block(out, order, 1, ByteBuffer.allocate(8).order(order).putShort((short) 1).putShort((short) 0).putInt(0).array());
        for (int i = 0; i < frames.size(); i++) {
            byte[] f = frames.get(i);
            int padded = (f.length + 3) & ~3;
            if (i == frames.size() - 1) {
                block(out, order, 3, ByteBuffer.allocate(4 + padded).order(order).putInt(f.length).put(f).array());
            } else {
                block(out, order, 6, ByteBuffer.allocate(20 + padded).order(order).putInt(0).putInt(0).putInt(0)
                        .putInt(f.length).putInt(f.length).put(f).array());
            }
        }
        return out.toByteArray();
    }

    private static void block(ByteArrayOutputStream out, ByteOrder order, int type, byte[] body) {
        int length = 12 + body.length;
        out.writeBytes(ByteBuffer.allocate(8).order(order).putInt(type).putInt(length).array());
        out.writeBytes(body);
        out.writeBytes(ByteBuffer.allocate(4).order(order).putInt(length).array());
    }

    @Provide
    Arbitrary<List<byte[]>> frames() {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(200).list().ofMaxSize(8);
    }

    @Property(tries = 200)
    void everyFormatGivesBackTheFrames(@ForAll("frames") List<byte[]> frames) {
        for (ByteOrder order : new ByteOrder[] {ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN}) {
            check(frames, Pcap.frames("t.pcap", pcap(frames, order, 1)));
            if (!frames.isEmpty())
                check(frames, Pcap.frames("t.pcapng", pcapng(frames, order)));
        }
    }

    private static void check(List<byte[]> expected, List<byte[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++)
            assertArrayEquals(expected.get(i), actual.get(i));
    }

    @Property(tries = 1000)
    void damagedCapturesGiveOnlyFormatErrors(@ForAll("frames") List<byte[]> frames, @ForAll @IntRange(min = 0, max = 1 << 20) int seed) {
        if (frames.isEmpty())
            return;
        Random random = new Random(seed);
        byte[] file = random.nextBoolean() ? pcap(frames, ByteOrder.LITTLE_ENDIAN, 1) : pcapng(frames, ByteOrder.BIG_ENDIAN);
        byte[] damaged = random.nextBoolean()
                ? java.util.Arrays.copyOf(file, random.nextInt(file.length))          // truncated
                : flip(file, random);                                                   // a few bytes changed
        try {
            List<byte[]> read = Pcap.frames("d.pcap", damaged);
            assertTrue(read.stream().allMatch(f -> f.length <= Pcap.MAX_FRAME));
        } catch (Pcap.FormatException e) {
            assertTrue(e.getMessage().startsWith("d.pcap: "), e.getMessage());
        }
    }

    private static byte[] flip(byte[] file, Random random) {
        byte[] b = file.clone();
        for (int k = 0; k < 3; k++)
            b[random.nextInt(b.length)] = (byte) random.nextInt(256);
        return b;
    }

    @org.junit.jupiter.api.Test
    void malformedCapturesAreNamed() {
        assertMessage("x.pcap: not a capture file (2 bytes)", new byte[2]);
        assertMessage("x.pcap: not a pcap or pcapng file (magic 0x64636261)", "abcdefgh".getBytes());
        assertMessage("x.pcap: link type 113 is not Ethernet (1); XDP and tc programs see Ethernet frames",
                pcap(List.of(new byte[14]), ByteOrder.LITTLE_ENDIAN, 113));
        byte[] truncated = pcap(List.of(new byte[60]), ByteOrder.LITTLE_ENDIAN, 1);
        assertMessage("x.pcap: record 1 at offset 24: captured length 60 runs past the end of the file",
                java.util.Arrays.copyOf(truncated, truncated.length - 1));
        byte[] huge = pcap(List.of(new byte[14]), ByteOrder.BIG_ENDIAN, 1);
        ByteBuffer.wrap(huge).putInt(24 + 8, 0x7fffffff);
        assertMessage("x.pcap: record 1 at offset 24: captured length 2147483647 exceeds 262144", huge);
        byte[] ng = pcapng(List.of(new byte[14], new byte[14]), ByteOrder.LITTLE_ENDIAN);
        ByteBuffer.wrap(ng).order(ByteOrder.LITTLE_ENDIAN).putInt(28 + 20 + 8, 5); // first packet block: interface 5
        assertMessage("x.pcap: packet block at offset 48 names interface 5 of 1", ng);
    }

    private static void assertMessage(String message, byte[] file) {
        assertEquals(message, assertThrows(Pcap.FormatException.class, () -> Pcap.frames("x.pcap", file)).getMessage());
    }
}
