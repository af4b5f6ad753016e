package dev.bpf4j.emulator;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import static dev.bpf4j.emulator.Asm.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Test runs of the __sk_buff types, as bpf_prog_test_run_skb sets them up and checks ctx_in. */
class SkbTestRunTest {
    static final byte[] SADDR = {10, 0, 0, 1}, DADDR = {(byte) 192, (byte) 168, 1, 2};
    static final byte[] TCP = Packets.tcp(SADDR, DADDR);

    enum Order {
        LE(ByteOrder.LITTLE_ENDIAN), BE(ByteOrder.BIG_ENDIAN);
        final ByteOrder order;

        Order(ByteOrder order) {
            this.order = order;
        }
    }

    /** r0 = the u32 (or {@code size}) field at {@code off}. */
    static int field(String section, byte[] frame, int off, int size) {
        return program(section, ldx(size, 0, 1, off), exit()).testRun(TestRun.ofData(frame)).retval();
    }

    static void errno(int expected, ProgramHandle p, TestRun run) {
        BackendException e = assertThrows(BackendException.class, () -> p.testRun(run));
        assertEquals(-expected, e.errno(), e.getMessage());
    }

    @Test
    void lengthAndPointersCountFromTheEthernetHeaderForTcAndFromTheNetworkHeaderOtherwise() {
        assertEquals(TCP.length, field("tc", TCP, 0, 4));
        assertEquals(TCP.length, field("action", TCP, 0, 4));
        assertEquals(TCP.length - 14, field("socket", TCP, 0, 4));
        assertEquals(TCP.length - 14, field("cgroup_skb/ingress", TCP, 0, 4));
        Instruction[] span = {ldx(4, 2, 1, 76), ldx(4, 3, 1, 80), sub(3, 2), movx(0, 3), exit()};
        assertEquals(TCP.length, program("tc", span).testRun(TestRun.ofData(TCP)).retval());
        assertEquals(TCP.length - 14, program("cgroup_skb/egress", span).testRun(TestRun.ofData(TCP)).retval());
        // the first byte at data: the EtherType's high byte for tc, the IP version for cgroup_skb
        Instruction[] first = {ldx(4, 2, 1, 76), ldx(4, 3, 1, 80), movx(4, 2), add(4, 14),
                Instruction.of(Opcodes.JMP | Opcodes.JGT | Opcodes.X, 4, 3, 2, 0), ldx(1, 0, 2, 12), exit(), mov(0, -1), exit()};
        assertEquals(0x08, program("tc", first).testRun(TestRun.ofData(TCP)).retval());
        Instruction[] ipFirst = first.clone();
        ipFirst[5] = ldx(1, 0, 2, 0);
        assertEquals(0x45, program("cgroup_skb/ingress", ipFirst).testRun(TestRun.ofData(TCP)).retval());
        // data_meta is data: no metadata on an skb
        assertEquals(0, program("tc", ldx(4, 2, 1, 76), ldx(4, 3, 1, 140), sub(3, 2), movx(0, 3), exit())
                .testRun(TestRun.ofData(TCP)).retval());
    }

    @ParameterizedTest
    @EnumSource(Order.class)
    void protocolIsTheBigEndianEtherTypeAsTheMachineLoadsIt(Order o) {
        int expected = o.order == ByteOrder.LITTLE_ENDIAN ? 0x0008 : 0x0800;
        assertEquals(expected, program(o.order, "tc", ldx(4, 0, 1, 16), exit()).testRun(TestRun.ofData(TCP)).retval());
        assertEquals(o.order == ByteOrder.LITTLE_ENDIAN ? 0x0100 : 0x0001, // ETH_P_802_3: an 802.3 frame starting 0xffff
                program(o.order, "socket", ldx(4, 0, 1, 16), exit()).testRun(TestRun.ofData(
                        new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 40, -1, -1})).retval());
        assertEquals(o.order == ByteOrder.LITTLE_ENDIAN ? 0x0400 : 0x0004, // ETH_P_802_2
                program(o.order, "socket", ldx(4, 0, 1, 16), exit()).testRun(TestRun.ofData(Packets.frame(30, 0x0040))).retval());
    }

    @Test
    void packetTypeFollowsTheDestinationAddressOnTheLoopbackDevice() {
        byte[] f = TCP.clone();
        assertEquals(0, field("tc", f, 4, 4));                  // 00:00:00:00:00:00: the device's address, PACKET_HOST
        Arrays.fill(f, 0, 6, (byte) 0xff);
        assertEquals(1, field("tc", f, 4, 4));                  // PACKET_BROADCAST
        f[0] = 0x01;
        assertEquals(2, field("tc", f, 4, 4));                  // PACKET_MULTICAST
        f[0] = 0x02;
        assertEquals(3, field("tc", f, 4, 4));                  // PACKET_OTHERHOST
    }

    @Test
    void devicesAndTheSocket() {
        assertEquals(1, field("tc", TCP, 40, 4));               // ifindex: loopback
        assertEquals(0, field("tc", TCP, 36, 4));               // ingress_ifindex: skb_iif 0 unless ctx_in says
        assertEquals(TCP.length, field("tc", TCP, 160, 4));     // wire_len: the packet length
        assertEquals(2, field("cgroup_skb/ingress", TCP, 88, 4)); // family AF_INET
        int saddr = ByteBuffer.wrap(SADDR).order(ByteOrder.LITTLE_ENDIAN).getInt();
        int daddr = ByteBuffer.wrap(DADDR).order(ByteOrder.LITTLE_ENDIAN).getInt();
        assertEquals(saddr, field("cgroup_skb/ingress", TCP, 96, 4));   // local_ip4: the source
        assertEquals(daddr, field("cgroup_skb/ingress", TCP, 92, 4));   // remote_ip4: the destination
        // skb->sk points at a struct bpf_sock: family at 4, src_ip4 at 24
        assertEquals(2, program("tc", ldx(8, 2, 1, 168), ldx(4, 0, 2, 4), exit()).testRun(TestRun.ofData(TCP)).retval());
        assertEquals(saddr, program("socket", ldx(8, 2, 1, 168), ldx(4, 0, 2, 24), exit()).testRun(TestRun.ofData(TCP)).retval());
        byte[] ctx = new byte[SkbContext.SIZE];
        ctx[36] = 5;
        assertEquals(5, program("tc", ldx(4, 0, 1, 36), exit()).testRun(TestRun.ofData(TCP).withCtx(ctx)).retval());
    }

    @Test
    void legacyPacketLoadsCountFromSkbData() {
        Instruction ldAbsB = Instruction.of(Opcodes.LD | Opcodes.ABS | Opcodes.B, 0, 0, 0, 9);
        assertEquals(6, program("socket", movx(6, 1), ldAbsB, exit()).testRun(TestRun.ofData(TCP)).retval());
        Instruction ldAbsTc = Instruction.of(Opcodes.LD | Opcodes.ABS | Opcodes.B, 0, 0, 0, 23);
        assertEquals(6, program("tc", movx(6, 1), ldAbsTc, exit()).testRun(TestRun.ofData(TCP)).retval());
    }

    @Test
    void dataOutHasTheEthernetHeaderZeroedForTypesThatSeeTheNetworkHeader() {
        byte[] f = TCP.clone();
        Arrays.fill(f, 0, 12, (byte) 0x33);
        byte[] out = program("socket", mov(0, 0), exit()).testRun(TestRun.ofData(f)).dataOut();
        assertArrayEquals(new byte[14], Arrays.copyOf(out, 14));
        assertArrayEquals(Arrays.copyOfRange(f, 14, f.length), Arrays.copyOfRange(out, 14, out.length));
        assertArrayEquals(f, program("tc", mov(0, 0), exit()).testRun(TestRun.ofData(f)).dataOut());
    }

    @Test
    void ctxOutReportsWhatTheProgramWroteAndTheKernelsFields() {
        ProgramHandle p = program("tc", st(4, 1, 8, 7), st(4, 1, 48, 9), st(4, 1, 32, 3), st(8, 1, 152, 99),
                st(4, 1, 44, 11), mov(0, 0), exit());
        byte[] in = new byte[SkbContext.SIZE];
        ByteBuffer b = ByteBuffer.wrap(in).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(52, 42);       // cb[1]: passed through
        b.putInt(176, 1400);    // gso_size: stays as given
        b.putLong(184, 12345);  // hwtstamp
        TestRunResult r = p.testRun(TestRun.ofData(TCP).withCtx(in));
        ByteBuffer o = ByteBuffer.wrap(r.ctxOut()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(SkbContext.SIZE, r.ctxOut().length);
        assertEquals(7, o.getInt(8));
        assertEquals(3, o.getInt(32));
        assertEquals(1, o.getInt(40));
        assertEquals(9, o.getInt(48));
        assertEquals(42, o.getInt(52));
        assertEquals(99, o.getLong(152));
        assertEquals(TCP.length, o.getInt(160));
        assertEquals(1400, o.getInt(176));
        assertEquals(12345, o.getLong(184));
        assertEquals(0, o.getInt(44));   // tc_index: written, but not reported by the kernel either
        assertEquals(0, o.getInt(0));    // len: not reported
    }

    @Test
    void repeatsShareTheSkb() {
        ProgramHandle p = program("tc", ldx(4, 2, 1, 48), add(2, 1), stx(4, 1, 2, 48), mov(0, 0), exit());
        TestRunResult r = p.testRun(TestRun.ofData(TCP).withRepeat(5));
        assertEquals(5, ByteBuffer.wrap(r.ctxOut()).order(ByteOrder.LITTLE_ENDIAN).getInt(48));
        assertTrue(r.durationNs() >= 0);
    }

    @ParameterizedTest(name = "ctx_in byte {0} = {1}: errno {2}")
    @CsvSource({
            "0, 1, 22", "4, 1, 22", "12, 1, 22", "16, 1, 22", "20, 1, 22", "28, 1, 22", "44, 1, 22", "68, 1, 22",
            "72, 1, 22", "76, 1, 22", "84, 1, 22", "88, 1, 22", "136, 1, 22", "140, 1, 22", "144, 1, 22", "168, 1, 22",
            "180, 1, 22", "183, 1, 22",
            "40, 2, 19",                                  // ifindex 2: no such device
            "8, 1, 0", "32, 1, 0", "36, 1, 0", "40, 1, 0", "48, 1, 0", "67, 1, 0", "152, 1, 0", "164, 1, 0", "176, 1, 0",
            "184, 1, 0", "191, 1, 0",
    })
    void ctxInFieldsTheKernelRefuses(int at, int value, int errno) {
        ProgramHandle p = program("tc", mov(0, 0), exit());
        byte[] ctx = new byte[SkbContext.SIZE];
        ctx[at] = (byte) value;
        if (errno == 0)
            p.testRun(TestRun.ofData(TCP).withCtx(ctx));
        else
            errno(errno, p, TestRun.ofData(TCP).withCtx(ctx));
    }

    @Test
    void ctxInSizesAndLengths() {
        ProgramHandle p = program("tc", mov(0, 0), exit());
        byte[] big = new byte[SkbContext.SIZE + 8];
        p.testRun(TestRun.ofData(TCP).withCtx(big));                           // zero tail: fine
        big[SkbContext.SIZE + 3] = 1;
        errno(BackendException.E2BIG, p, TestRun.ofData(TCP).withCtx(big));
        p.testRun(TestRun.ofData(TCP).withCtx(new byte[12]));                   // shorter: the rest is zero
        errno(BackendException.EINVAL, p, TestRun.ofData(TCP).withCtx(ctxWith(160, TCP.length - 1)));   // wire_len < len
        p.testRun(TestRun.ofData(TCP).withCtx(ctxWith(160, 65536)));
        errno(BackendException.EINVAL, p, TestRun.ofData(TCP).withCtx(ctxWith(160, 65537)));
        p.testRun(TestRun.ofData(TCP).withCtx(ctxWith(164, 65535)));
        errno(BackendException.EINVAL, p, TestRun.ofData(TCP).withCtx(ctxWith(164, 65536)));       // gso_segs
        p.testRun(TestRun.ofData(TCP).withCtx(ctxWith(80, TCP.length)));        // data_end = the size: linear
        errno(BackendException.EINVAL, p, TestRun.ofData(TCP).withCtx(ctxWith(80, TCP.length + 1)));
        errno(BackendException.ENOTSUPP, p, TestRun.ofData(TCP).withCtx(ctxWith(80, TCP.length - 1)));
        // socket filters: wire_len counts from the network header
        program("socket", mov(0, 0), exit()).testRun(TestRun.ofData(TCP).withCtx(ctxWith(160, TCP.length - 14)));
    }

    static byte[] ctxWith(int at, int value) {
        byte[] ctx = new byte[SkbContext.SIZE];
        ByteBuffer.wrap(ctx).order(ByteOrder.LITTLE_ENDIAN).putInt(at, value);
        return ctx;
    }

    @Test
    void dataSizes() {
        ProgramHandle p = program("tc", mov(0, 0), exit());
        errno(BackendException.EINVAL, p, TestRun.ofData(new byte[13]));
        errno(BackendException.EINVAL, p, new TestRun(null, null, 1));
        p.testRun(TestRun.ofData(new byte[14]));
        p.testRun(TestRun.ofData(new byte[SkbContext.MAX_DATA]));
        errno(BackendException.EINVAL, p, TestRun.ofData(new byte[SkbContext.MAX_DATA + 1]));
        errno(BackendException.EINVAL, p, TestRun.ofData(Packets.frame(33, 0x0800)));   // IPv4 without a full header
        p.testRun(TestRun.ofData(Packets.frame(34, 0x0800)));
        errno(BackendException.EINVAL, p, TestRun.ofData(Packets.frame(53, 0x86dd)));
        p.testRun(TestRun.ofData(Packets.frame(54, 0x86dd)));
        p.testRun(TestRun.ofData(Packets.frame(14, 0x0806)));
    }

    @Test
    void aFaultIsEfault() {
        ProgramHandle p = program("tc", ldx(4, 2, 1, 76), ldx(4, 0, 2, 4000), exit());
        errno(BackendException.EFAULT, p, TestRun.ofData(TCP));
    }

    @Test
    void typesWithoutTestRunsAreEnotsupp() {
        errno(BackendException.ENOTSUPP, program("cgroup/sock", mov(0, 1), exit()), TestRun.ofData(TCP));
        errno(BackendException.ENOTSUPP, program("flow_dissector", mov(0, 1), exit()), TestRun.ofData(TCP));
    }
}
