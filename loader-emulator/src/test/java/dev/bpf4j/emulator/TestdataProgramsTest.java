package dev.bpf4j.emulator;

import dev.bpf4j.Bpf4j;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * testdata's tc_rewrite.o and sock_filter.o (both byte orders) in the emulator: what their
 * C sources say they do, with the rewritten checksums verified by RFC 1071.
 */
class TestdataProgramsTest {
    static final byte[] SRC = {10, 0, 0, 1}, MATCH = {(byte) 192, (byte) 168, 1, 2}, NEW = {10, 0, 0, 2},
            OTHER = {1, 2, 3, 4}, HELLO = "hello".getBytes();

    @TempDir
    Path dir;

    LoadedObject load(String name, Target target) throws IOException {
        Path file = dir.resolve(name + ".o");
        Files.write(file, TestObjects.object(name, target));
        return Bpf4j.open(file).load();
    }

    static ByteOrder order(Target t) {
        return t == Target.BPFEB ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    }

    static byte[] frame(int proto, int dport, int ttl, byte[] daddr) {
        return Packets.ipv4(proto, dport, ttl, new byte[6], SRC, daddr, HELLO);
    }

    static int u16(byte[] f, int at) {
        return (f[at] & 0xff) << 8 | (f[at + 1] & 0xff);
    }

    /** Runs tc_rewrite with a zero ctx_in; checks the checksums; returns the result. */
    static TestRunResult tc(LoadedObject o, byte[] frame) {
        TestRunResult r = o.program("tc_rewrite").testRun(TestRun.ofData(frame).withCtx(new byte[SkbContext.SIZE]));
        assertTrue(Packets.ipValid(r.dataOut()), "IPv4 checksum");
        if (frame[23] == 6 || frame[23] == 17)
            assertTrue(Packets.l4Valid(r.dataOut()), "TCP/UDP checksum");
        return r;
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void tcRewrite(Target target) throws IOException {
        ByteOrder order = order(target);
        try (LoadedObject o = load("tc_rewrite", target)) {
            // TCP to 192.168.1.2:80: TTL 63, destination 10.0.0.2:8080, three rewrites, TC_ACT_OK
            TestRunResult r = tc(o, frame(6, 80, 64, MATCH));
            assertEquals(0, r.retval());
            byte[] out = r.dataOut();
            assertEquals(63, out[22]);
            assertArrayEquals(NEW, Arrays.copyOfRange(out, Packets.IP_DADDR, Packets.IP_DADDR + 4));
            assertEquals(8080, u16(out, 36));
            ByteBuffer ctx = ByteBuffer.wrap(r.ctxOut()).order(order);
            assertEquals(0x42, ctx.getInt(8));     // mark
            assertEquals(64, ctx.getInt(32));      // priority: the old TTL
            assertEquals(3, ctx.getInt(48));       // cb[0]: rewrites
            // UDP to port 9: redirected to ifindex 1 after two rewrites
            r = tc(o, frame(17, 9, 64, MATCH));
            assertEquals(7, r.retval());
            assertEquals(List.of(new dev.bpf4j.backend.TestRunResult.Redirect("redirect", null, 1, 0)), r.redirects());
            assertArrayEquals(NEW, Arrays.copyOfRange(r.dataOut(), Packets.IP_DADDR, Packets.IP_DADDR + 4));
            assertEquals(2, ByteBuffer.wrap(r.ctxOut()).order(order).getInt(48));
            // UDP elsewhere: TC_ACT_OK, two rewrites, the port kept
            r = tc(o, frame(17, 53, 64, MATCH));
            assertEquals(0, r.retval());
            assertEquals(53, u16(r.dataOut(), 36));
            // another destination: only the TTL
            byte[] other = frame(6, 22, 64, OTHER);
            r = tc(o, other);
            assertEquals(0, r.retval());
            assertArrayEquals(OTHER, Arrays.copyOfRange(r.dataOut(), Packets.IP_DADDR, Packets.IP_DADDR + 4));
            assertEquals(1, ByteBuffer.wrap(r.ctxOut()).order(order).getInt(48));
            // TTL 1: dropped before any change
            byte[] dying = frame(6, 80, 1, MATCH);
            r = tc(o, dying);
            assertEquals(2, r.retval());
            assertArrayEquals(dying, r.dataOut());
            assertEquals(1, ByteBuffer.wrap(r.ctxOut()).order(order).getInt(32));
            // not IPv4, or IPv4 with options: untouched, TC_ACT_OK
            byte[] arp = Packets.frame(42, 0x0806);
            assertArrayEquals(arp, o.program("tc_rewrite").testRun(TestRun.ofData(arp)).dataOut());
            byte[] options = frame(6, 80, 64, MATCH);
            options[14] = 0x46;
            options[24] = 0;
            options[25] = 0;
            ByteBuffer.wrap(options).putShort(24, (short) Packets.rfc1071(options, 14, 24, 0));
            TestRunResult opt = o.program("tc_rewrite").testRun(TestRun.ofData(options));
            assertEquals(0, opt.retval());
            assertArrayEquals(options, opt.dataOut());
        }
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void sockFilter(Target target) throws IOException {
        ByteOrder order = order(target);
        try (LoadedObject o = load("sock_filter", target)) {
            byte[] tcp = frame(6, 80, 64, MATCH);
            TestRunResult r = o.program("sock_filter").testRun(TestRun.ofData(tcp).withCtx(new byte[SkbContext.SIZE]));
            assertEquals(tcp.length - 14, r.retval());              // TCP kept whole: skb->len from the IP header
            assertArrayEquals(new byte[14], Arrays.copyOf(r.dataOut(), 14));
            // cb[0]: the EtherType bytes 08 00 as the machine loads a u16
            assertEquals(order == ByteOrder.LITTLE_ENDIAN ? 0x0008 : 0x0800, ByteBuffer.wrap(r.ctxOut()).order(order).getInt(48));
            assertEquals(64, o.program("sock_filter").testRun(TestRun.ofData(frame(17, 53, 64, MATCH))).retval());
            byte[] icmp = frame(17, 53, 64, MATCH);
            icmp[23] = 1;
            assertEquals(0, o.program("sock_filter").testRun(TestRun.ofData(icmp)).retval());
            assertEquals(0, o.program("sock_filter").testRun(TestRun.ofData(Packets.frame(60, 0x86dd))).retval());
            byte[] notV4 = tcp.clone();
            notV4[14] = 0x65;                                           // EtherType IPv4, version nibble 6
            assertEquals(0, o.program("sock_filter").testRun(TestRun.ofData(notV4)).retval());
            var counts = o.map("proto_count");
            assertEquals(1, counts.lookupLong(6).orElseThrow());
            assertEquals(1, counts.lookupLong(17).orElseThrow());
            assertEquals(1, counts.lookupLong(1).orElseThrow());
        }
    }
}
