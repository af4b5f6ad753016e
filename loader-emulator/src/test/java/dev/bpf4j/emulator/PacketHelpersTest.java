package dev.bpf4j.emulator;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.bpf4j.emulator.Asm.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The packet helpers of PacketHelpers: kernel results for normal and misuse inputs, checksums verified by RFC 1071. */
class PacketHelpersTest {
    static final byte[] SADDR = {10, 0, 0, 1}, DADDR = {(byte) 192, (byte) 168, 1, 2};
    static final byte[] TCP = Packets.tcp(SADDR, DADDR);
    static final byte[] UDP = Packets.ipv4(17, new byte[6], SADDR, DADDR, new byte[] {1, 2, 3});
    static final int EINVAL = -22, EFAULT = -14, ENOMEM = -12, EACCES = -13;

    static int native32(byte[] b, ByteOrder order) {
        return ByteBuffer.wrap(b).order(order).getInt();
    }

    // ---- skb_load_bytes(_relative): the loaded bytes are copied to cb[0..1] (ctx_out), r0 is the result

    static List<Instruction> loadInto(int helper, int offset, int len, long start) {
        var p = list(movx(6, 1), st(8, 10, -16, -1),
                movx(1, 6), mov(2, offset), movx(3, 10), add(3, -16), mov(4, len), mov(5, start), call(helper),
                ldx(8, 2, 10, -16), stx(8, 6, 2, 48), exit());
        return p;
    }

    static long cb01(TestRunResult r) {
        return ByteBuffer.wrap(r.ctxOut()).order(ByteOrder.LITTLE_ENDIAN).getLong(48);
    }

    @Test
    void skbLoadBytes() {
        TestRunResult r = program(ByteOrder.LITTLE_ENDIAN, "tc", loadInto(26, 12, 2, 0)).testRun(TestRun.ofData(TCP));
        assertEquals(0, r.retval());
        assertEquals(0xffffffffffff0008L, cb01(r));               // 08 00, the rest untouched
        r = program(ByteOrder.LITTLE_ENDIAN, "socket", loadInto(26, 9, 1, 0)).testRun(TestRun.ofData(TCP));
        assertEquals(0xffffffffffffff06L, cb01(r));               // socket filters count from the IP header
        r = program(ByteOrder.LITTLE_ENDIAN, "tc", loadInto(26, TCP.length - 1, 2, 0)).testRun(TestRun.ofData(TCP));
        assertEquals(EFAULT, r.retval());
        assertEquals(0xffffffffffff0000L, cb01(r));               // the buffer is cleared on failure
        r = program(ByteOrder.LITTLE_ENDIAN, "tc", loadInto(26, -1, 2, 0)).testRun(TestRun.ofData(TCP));
        assertEquals(EFAULT, r.retval());                        // offset above INT_MAX
        assertEquals(0, program(ByteOrder.LITTLE_ENDIAN, "tc", loadInto(26, TCP.length - 2, 2, 0))
                .testRun(TestRun.ofData(TCP)).retval());
    }

    @Test
    void skbLoadBytesRelative() {
        for (String section : List.of("tc", "socket", "cgroup_skb/ingress")) {
            TestRunResult mac = program(ByteOrder.LITTLE_ENDIAN, section, loadInto(68, 12, 2, 0)).testRun(TestRun.ofData(TCP));
            assertEquals(0, mac.retval(), section);
            assertEquals(0xffffffffffff0008L, cb01(mac), section);
            TestRunResult net = program(ByteOrder.LITTLE_ENDIAN, section, loadInto(68, 9, 1, 1)).testRun(TestRun.ofData(TCP));
            assertEquals(0xffffffffffffff06L, cb01(net), section);
            assertEquals(EFAULT, program(ByteOrder.LITTLE_ENDIAN, section, loadInto(68, 0, 1, 2)).testRun(TestRun.ofData(TCP))
                    .retval(), section);                         // no such header
            assertEquals(EFAULT, program(ByteOrder.LITTLE_ENDIAN, section, loadInto(68, 0x10000, 1, 0))
                    .testRun(TestRun.ofData(TCP)).retval(), section);
            TestRunResult past = program(ByteOrder.LITTLE_ENDIAN, section, loadInto(68, TCP.length - 14 - 1, 2, 1))
                    .testRun(TestRun.ofData(TCP));
            assertEquals(EFAULT, past.retval(), section);
            assertEquals(0xffffffffffff0000L, cb01(past), section);
            assertEquals(0, program(ByteOrder.LITTLE_ENDIAN, section, loadInto(68, TCP.length - 2, 2, 0))
                    .testRun(TestRun.ofData(TCP)).retval(), section);
        }
    }

    // ---- skb_store_bytes

    static List<Instruction> store(int offset, int len, long flags, int value) {
        return list(movx(6, 1), st(4, 10, -8, value),
                movx(1, 6), mov(2, offset), movx(3, 10), add(3, -8), mov(4, len), mov(5, flags), call(9), exit());
    }

    @Test
    void skbStoreBytes() {
        TestRunResult r = program(ByteOrder.LITTLE_ENDIAN, "tc", store(0, 4, 0, 0x04030201)).testRun(TestRun.ofData(TCP));
        assertEquals(0, r.retval());
        assertArrayEquals(new byte[] {1, 2, 3, 4}, Arrays.copyOf(r.dataOut(), 4));
        assertArrayEquals(Arrays.copyOfRange(TCP, 4, TCP.length), Arrays.copyOfRange(r.dataOut(), 4, TCP.length));
        assertEquals(0, program(ByteOrder.LITTLE_ENDIAN, "tc", store(0, 4, 3, 1)).testRun(TestRun.ofData(TCP)).retval());
        assertEquals(EINVAL, program(ByteOrder.LITTLE_ENDIAN, "tc", store(0, 4, 4, 1)).testRun(TestRun.ofData(TCP)).retval());
        r = program(ByteOrder.LITTLE_ENDIAN, "tc", store(TCP.length - 3, 4, 0, 1)).testRun(TestRun.ofData(TCP));
        assertEquals(EFAULT, r.retval());
        assertArrayEquals(TCP, r.dataOut());
        assertEquals(EFAULT, program(ByteOrder.LITTLE_ENDIAN, "tc", store(-1, 4, 0, 1)).testRun(TestRun.ofData(TCP)).retval());
        assertEquals(0, program(ByteOrder.LITTLE_ENDIAN, "tc", store(TCP.length - 4, 4, 0, 1)).testRun(TestRun.ofData(TCP)).retval());
    }

    // ---- checksums

    /**
     * Rewrites the destination address: skb_store_bytes of the new address, l3_csum_replace
     * (size 4) on the IP header, l4_csum_replace (size 4, pseudo-header) on the TCP/UDP
     * checksum; or with {@code viaDiff}, both from a csum_diff of the two addresses (size 0).
     * Returns the sum of the three results (0 when all succeed).
     */
    static List<Instruction> rewriteDaddr(int oldNative, int newNative, int l4Offset, long l4Flags, boolean viaDiff) {
        var p = list(movx(6, 1), st(4, 10, -4, newNative), st(4, 10, -8, oldNative),
                movx(1, 6), mov(2, Packets.IP_DADDR), movx(3, 10), add(3, -4), mov(4, 4), mov(5, 0), call(9),
                movx(7, 0));
        if (viaDiff) {
            p.addAll(List.of(movx(1, 10), add(1, -8), mov(2, 4), movx(3, 10), add(3, -4), mov(4, 4), mov(5, 0), call(28),
                    movx(8, 0),
                    movx(1, 6), mov(2, Packets.IP_CSUM), mov(3, 0), movx(4, 8), mov(5, 0), call(10), Instruction.of(
                            Opcodes.ALU64 | Opcodes.ADD | Opcodes.X, 7, 0, 0, 0),
                    movx(1, 6), mov(2, l4Offset), mov(3, 0), movx(4, 8), mov(5, l4Flags & ~0xfL), call(11)));
        } else {
            p.addAll(List.of(movx(1, 6), mov(2, Packets.IP_CSUM), mov(3, oldNative), mov(4, newNative), mov(5, 4), call(10),
                    Instruction.of(Opcodes.ALU64 | Opcodes.ADD | Opcodes.X, 7, 0, 0, 0),
                    movx(1, 6), mov(2, l4Offset), mov(3, oldNative), mov(4, newNative), mov(5, l4Flags), call(11)));
        }
        p.addAll(List.of(Instruction.of(Opcodes.ALU64 | Opcodes.ADD | Opcodes.X, 0, 7, 0, 0), exit()));
        return p;
    }

    @Provide
    Arbitrary<byte[]> addresses() {
        return Arbitraries.bytes().array(byte[].class).ofSize(4);
    }

    @Property(tries = 60)
    void checksumsStayValidAfterRewritingAnAddress(@ForAll("addresses") byte[] saddr, @ForAll("addresses") byte[] daddr,
                                                  @ForAll("addresses") byte[] newDaddr, @ForAll boolean bigEndian,
                                                  @ForAll boolean tcp, @ForAll boolean viaDiff) {
        ByteOrder order = bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        byte[] frame = tcp ? Packets.tcp(saddr, daddr) : Packets.ipv4(17, new byte[6], saddr, daddr, new byte[] {9, 8, 7});
        assertTrue(Packets.ipValid(frame) && Packets.l4Valid(frame));
        TestRunResult r = program(order, "tc", rewriteDaddr(native32(daddr, order), native32(newDaddr, order),
                tcp ? Packets.TCP_CSUM : Packets.UDP_CSUM, 0x10 | 4, viaDiff)).testRun(TestRun.ofData(frame));
        assertEquals(0, r.retval());
        byte[] out = r.dataOut();
        assertArrayEquals(newDaddr, Arrays.copyOfRange(out, Packets.IP_DADDR, Packets.IP_DADDR + 4));
        assertTrue(Packets.ipValid(out), "IPv4 header checksum");
        assertTrue(Packets.l4Valid(out), "TCP/UDP checksum with the pseudo-header");
    }

    @Test
    void l3CsumReplaceOfA16BitField() {
        // TTL 64 -> 63: the 16-bit word TTL|protocol changes
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        int oldWord = ByteBuffer.wrap(TCP, 22, 2).order(order).getShort(22) & 0xffff;
        byte[] f = TCP.clone();
        f[22] = 63;
        int newWord = ByteBuffer.wrap(f, 22, 2).order(order).getShort(22) & 0xffff;
        TestRunResult r = program(order, "tc", movx(6, 1), st(1, 10, -1, 63),
                movx(1, 6), mov(2, 22), movx(3, 10), add(3, -1), mov(4, 1), mov(5, 0), call(9),
                movx(1, 6), mov(2, Packets.IP_CSUM), mov(3, oldWord), mov(4, newWord), mov(5, 2), call(10), exit())
                .testRun(TestRun.ofData(TCP));
        assertEquals(0, r.retval());
        assertEquals(63, r.dataOut()[22]);
        assertTrue(Packets.ipValid(r.dataOut()));
    }

    static int csumCall(int helper, int offset, long from, long to, long flags, byte[] frame) {
        return program(ByteOrder.LITTLE_ENDIAN, "tc", movx(6, 1), mov(2, offset), lddw(3, from), lddw(4, to), mov(5, flags),
                call(helper), exit()).testRun(TestRun.ofData(frame)).retval();
    }

    @Test
    void csumReplaceMisuse() {
        for (int helper : new int[] {10, 11}) {
            assertEquals(EFAULT, csumCall(helper, 25, 0, 1, 4, TCP), "odd offset");
            assertEquals(EFAULT, csumCall(helper, 0x10000, 0, 1, 4, TCP), "offset above 0xffff");
            assertEquals(EFAULT, csumCall(helper, TCP.length - 1 & ~1, 0, 1, 4, TCP.length % 2 == 0 ? Arrays.copyOf(TCP, TCP.length - 1) : TCP),
                    "past the end");
            assertEquals(EINVAL, csumCall(helper, 24, 0, 1, 3, TCP), "size 3");
            assertEquals(EINVAL, csumCall(helper, 24, 1, 1, 0, TCP), "size 0 with a from");
            assertEquals(0, csumCall(helper, 24, 0, 1, 0, TCP), "size 0: a diff");
            assertEquals(EINVAL, csumCall(helper, 24, 0, 1, 0x100 | 4, TCP), "unknown flag");
        }
        assertEquals(EINVAL, csumCall(10, 24, 0, 1, 0x10 | 4, TCP), "l3 takes no pseudo-header flag");
        assertEquals(0, csumCall(11, 24, 0, 1, 0x10 | 0x20 | 0x40 | 0x80 | 4, TCP), "l4 takes all of them");
    }

    @Test
    void l4MarkMangled0() {
        byte[] zero = UDP.clone();
        zero[Packets.UDP_CSUM] = 0;
        zero[Packets.UDP_CSUM + 1] = 0;
        // a zero UDP checksum (none) is left alone with BPF_F_MARK_MANGLED_0
        TestRunResult r = program(ByteOrder.LITTLE_ENDIAN, "tc", movx(6, 1), mov(2, Packets.UDP_CSUM), mov(3, 1), mov(4, 2),
                mov(5, 0x20 | 4), call(11), exit()).testRun(TestRun.ofData(zero));
        assertEquals(0, r.retval());
        assertArrayEquals(zero, r.dataOut());
        // ... unless BPF_F_MARK_ENFORCE is given too
        r = program(ByteOrder.LITTLE_ENDIAN, "tc", movx(6, 1), mov(2, Packets.UDP_CSUM), mov(3, 1), mov(4, 2),
                mov(5, 0x40 | 0x20 | 4), call(11), exit()).testRun(TestRun.ofData(zero));
        assertFalse(Arrays.equals(zero, r.dataOut()));
        // a result of 0 is written as CSUM_MANGLED_0: from 0 to the current sum S gives ~(~S + S) = 0
        int s = ByteBuffer.wrap(UDP).order(ByteOrder.LITTLE_ENDIAN).getShort(Packets.UDP_CSUM) & 0xffff;
        for (long flags : new long[] {4, 0x20 | 4}) {
            r = program(ByteOrder.LITTLE_ENDIAN, "tc", movx(6, 1), mov(2, Packets.UDP_CSUM), mov(3, 0), mov(4, s),
                    mov(5, flags), call(11), exit()).testRun(TestRun.ofData(UDP));
            int after = ByteBuffer.wrap(r.dataOut()).order(ByteOrder.LITTLE_ENDIAN).getShort(Packets.UDP_CSUM) & 0xffff;
            assertEquals(flags == 4 ? 0 : 0xffff, after, "flags " + flags);
        }
    }

    static long csumDiff(int fromSize, int toSize, int seed) {
        return program(ByteOrder.LITTLE_ENDIAN, "tc", st(4, 10, -8, 0x78563412), st(4, 10, -4, 0x00000001),
                movx(1, 10), add(1, -8), mov(2, fromSize), movx(3, 10), add(3, -4), mov(4, toSize), mov(5, seed), call(28),
                exit()).testRun(TestRun.ofData(TCP)).retval() & 0xffffffffL;
    }

    @Test
    void csumDiffSums16BitWordsAndFoldsThem() {
        assertEquals(EINVAL & 0xffffffffL, csumDiff(3, 0, 0));
        assertEquals(EINVAL & 0xffffffffL, csumDiff(4, 2, 0));
        assertEquals(0x1234_5678L, csumDiff(0, 0, 0x1234_5678));           // nothing to sum: the seed
        assertEquals(0x0001, csumDiff(0, 4, 0));                          // to = 01 00 00 00: words 0x0001, 0x0000
        assertEquals(0xffff - (0x3412 + 0x7856), csumDiff(4, 0, 0xffff)); // ~(~seed + from): the seed minus the words
        // from 12 34 56 78 to 01 00 00 00: 0x0001 - 0x3412 - 0x7856 in one's complement
        int expected = (0x0001 + (~0x3412 & 0xffff) + (~0x7856 & 0xffff));
        expected = (expected & 0xffff) + (expected >> 16);
        assertEquals(expected, csumDiff(4, 4, 0));
    }

    // ---- skb_pull_data

    @Test
    void skbPullData() {
        for (int[] c : new int[][] {{0, 0}, {20, 0}, {TCP.length, 0}, {TCP.length + 1, ENOMEM}})
            assertEquals(c[1], program("tc", mov(2, c[0]), call(39), exit()).testRun(TestRun.ofData(TCP)).retval(), "len " + c[0]);
    }

    // ---- redirect

    @Test
    void redirect() {
        TestRunResult r = program("tc", mov(1, 5), mov(2, 1), call(23), exit()).testRun(TestRun.ofData(TCP));
        assertEquals(PacketHelpers.TC_ACT_REDIRECT, r.retval());
        assertEquals(List.of(new TestRunResult.Redirect("redirect", null, 5, 1)), r.redirects());
        r = program("tc", mov(1, 5), mov(2, 2), call(23), exit()).testRun(TestRun.ofData(TCP));
        assertEquals(PacketHelpers.TC_ACT_SHOT, r.retval());
        assertEquals(List.of(), r.redirects());
        r = program("xdp", mov(1, 3), mov(2, 0), call(23), exit()).testRun(TestRun.ofData(TCP));
        assertEquals(PacketHelpers.XDP_REDIRECT, r.retval());
        assertEquals(List.of(new TestRunResult.Redirect("redirect", null, 3, 0)), r.redirects());
        r = program("xdp", mov(1, 3), mov(2, 1), call(23), exit()).testRun(TestRun.ofData(TCP));
        assertEquals(PacketHelpers.XDP_ABORTED, r.retval());
        assertEquals(List.of(), r.redirects());
    }

    // ---- xdp

    /** Calls {@code helper(ctx, arg)}; returns its result if non-zero, else data_end - data reloaded from the context. */
    static List<Instruction> adjust(int helper, int arg) {
        return list(movx(6, 1), mov(2, arg), call(helper), jeq(0, 0, 1), exit(),
                ldx(4, 2, 6, 0), ldx(4, 3, 6, 4), sub(3, 2), movx(0, 3), exit());
    }

    static TestRunResult xdp(List<Instruction> p, byte[] frame, byte[] ctx) {
        TestRun run = TestRun.ofData(frame);
        return program(ByteOrder.LITTLE_ENDIAN, "xdp", p).testRun(ctx == null ? run : run.withCtx(ctx));
    }

    @Test
    void xdpAdjustHead() {
        int n = TCP.length;
        TestRunResult r = xdp(adjust(44, -14), TCP, null);
        assertEquals(n + 14, r.retval());
        assertEquals(n + 14, r.dataOut().length);
        assertArrayEquals(new byte[14], Arrays.copyOf(r.dataOut(), 14));
        assertArrayEquals(TCP, Arrays.copyOfRange(r.dataOut(), 14, n + 14));
        assertEquals(n - 14, xdp(adjust(44, 14), TCP, null).retval());
        assertArrayEquals(Arrays.copyOfRange(TCP, 14, n), xdp(adjust(44, 14), TCP, null).dataOut());
        assertEquals(14, xdp(adjust(44, n - 14), TCP, null).retval());
        assertEquals(EINVAL, xdp(adjust(44, n - 13), TCP, null).retval());       // fewer than ETH_HLEN bytes left
        assertEquals(n + 216, xdp(adjust(44, -216), TCP, null).retval());       // down to the struct xdp_frame
        assertEquals(EINVAL, xdp(adjust(44, -217), TCP, null).retval());
        // the metadata moves with the head
        byte[] withMeta = new byte[8 + n];
        Arrays.fill(withMeta, 0, 8, (byte) 0x77);
        System.arraycopy(TCP, 0, withMeta, 8, n);
        byte[] ctx = XdpTestRunTest.md(8, withMeta.length, 0, 0, 0, 0);
        r = xdp(adjust(44, -4), withMeta, ctx);
        assertEquals(n + 4, r.retval());
        assertArrayEquals(new byte[] {0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77, 0x77}, Arrays.copyOf(r.dataOut(), 8));
        assertEquals(8 + 4 + n, r.dataOut().length);
        assertEquals(8, ByteBuffer.wrap(r.ctxOut()).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
        assertEquals(EINVAL, xdp(adjust(44, -209), withMeta, ctx).retval());      // 40 + 8 bytes must stay before data
    }

    @Test
    void xdpAdjustMeta() {
        int n = TCP.length;
        TestRunResult r = xdp(list(movx(6, 1), mov(2, -4), call(54), exit()), TCP, null);
        assertEquals(0, r.retval());
        assertEquals(n + 4, r.dataOut().length);
        assertEquals(4, ByteBuffer.wrap(r.ctxOut()).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
        assertEquals(EACCES, xdp(list(mov(2, -3), call(54), exit()), TCP, null).retval());
        assertEquals(0, xdp(list(mov(2, -36), call(54), exit()), TCP, null).retval());   // Linux 6.18: up to the headroom
        assertEquals(0, xdp(list(mov(2, -216), call(54), exit()), TCP, null).retval());  // 256 - 40 (struct xdp_frame)
        assertEquals(EINVAL, xdp(list(mov(2, -220), call(54), exit()), TCP, null).retval());
        // after adjust_head(+40) the headroom allows 256 bytes of metadata, more than meta_len (a u8) holds
        assertEquals(EACCES, xdp(list(movx(6, 1), mov(2, 40), call(44), movx(1, 6), mov(2, -256), call(54), exit()), TCP, null).retval());
        assertEquals(EINVAL, xdp(list(mov(2, 4), call(54), exit()), TCP, null).retval());    // past data
        // the reloaded data_meta pointer is 4 bytes before data
        assertEquals(4, xdp(list(movx(6, 1), mov(2, -4), call(54), ldx(4, 2, 6, 8), ldx(4, 3, 6, 0), sub(3, 2), movx(0, 3),
                exit()), TCP, null).retval());
    }

    @Test
    void xdpAdjustTail() {
        int n = TCP.length;
        TestRunResult r = xdp(adjust(65, 10), TCP, null);
        assertEquals(n + 10, r.retval());
        assertArrayEquals(TCP, Arrays.copyOf(r.dataOut(), n));
        assertArrayEquals(new byte[10], Arrays.copyOfRange(r.dataOut(), n, n + 10));
        assertEquals(14, xdp(adjust(65, -(n - 14)), TCP, null).retval());
        assertEquals(EINVAL, xdp(adjust(65, -(n - 13)), TCP, null).retval());
        int room = Packet.XDP_HARD_END - Packet.XDP_HEADROOM - n;
        assertEquals(n + room, xdp(adjust(65, room), TCP, null).retval());
        assertEquals(EINVAL, xdp(adjust(65, room + 1), TCP, null).retval());
        // a load past the new end faults: the packet region ends at data_end
        var p = list(movx(6, 1), mov(2, -4), call(65), ldx(4, 2, 6, 0), ldx(1, 0, 2, n - 2), exit());
        SkbTestRunTest.errno(14, program(ByteOrder.LITTLE_ENDIAN, "xdp", p), TestRun.ofData(TCP));
    }

    @Test
    void xdpBytes() {
        int n = TCP.length;
        assertEquals(n, xdp(list(call(188), exit()), TCP, null).retval());
        // load 2 bytes at 12 into fp-8, return them (or the error)
        var load = (java.util.function.IntBinaryOperator) (off, len) -> xdp(list(st(8, 10, -8, 0), mov(2, off), movx(3, 10),
                add(3, -8), mov(4, len), call(189), jeq(0, 0, 1), exit(), ldx(2, 0, 10, -8), exit()), TCP, null).retval();
        assertEquals(0x0008, load.applyAsInt(12, 2));
        assertEquals(EINVAL, load.applyAsInt(n - 1, 2));
        assertEquals(EFAULT, load.applyAsInt(0x10000, 2));
        TestRunResult r = xdp(list(st(4, 10, -8, 0x04030201), mov(2, 2), movx(3, 10), add(3, -8), mov(4, 4), call(190), exit()),
                TCP, null);
        assertEquals(0, r.retval());
        assertArrayEquals(new byte[] {1, 2, 3, 4}, Arrays.copyOfRange(r.dataOut(), 2, 6));
        assertEquals(EINVAL, xdp(list(mov(2, n - 3), movx(3, 10), add(3, -8), mov(4, 4), call(190), exit()), TCP, null).retval());
    }

    @Test
    void helpersThatNeedAPacketFaultWithoutOne() {
        // csum_diff needs none; skb_load_bytes from a syscall program would be refused by the kernel's verifier
        assertEquals(0x0001, program("syscall", st(4, 10, -4, 1), mov(1, 0), mov(2, 0), movx(3, 10), add(3, -4), mov(4, 4),
                mov(5, 0), call(28), exit()).testRun(new TestRun(null, null, 1)).retval());
    }
}
