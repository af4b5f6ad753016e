package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static dev.bpf4j.emulator.Asm.*;
import static dev.bpf4j.emulator.SkbTestRunTest.errno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** XDP test runs as bpf_prog_test_run_xdp: the frame, metadata, and the checks of ctx_in. */
class XdpTestRunTest {
    static final byte[] FRAME = Packets.frame(60, 0x0800);

    static byte[] md(int data, int dataEnd, int dataMeta, int ingress, int rxQueue, int egress) {
        ByteBuffer b = ByteBuffer.allocate(XdpContext.USER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(data).putInt(dataEnd).putInt(dataMeta).putInt(ingress).putInt(rxQueue).putInt(egress);
        return b.array();
    }

    @Test
    void withoutCtxThePacketArrivesOnTheLoopbackDevice() {
        TestRunResult r = program("xdp", ldx(4, 0, 1, 12), exit()).testRun(TestRun.ofData(FRAME));
        assertEquals(1, r.retval());
        assertArrayEquals(FRAME, r.dataOut());
        assertArrayEquals(md(0, FRAME.length, 0, 1, 0, 0), r.ctxOut()); // what the program saw
        assertEquals(FRAME.length, program("xdp", ldx(4, 2, 1, 0), ldx(4, 3, 1, 4), sub(3, 2), movx(0, 3), exit())
                .testRun(TestRun.ofData(FRAME)).retval());
    }

    @Test
    void metadataPrecedesThePacket() {
        ProgramHandle meta = program("xdp", ldx(4, 2, 1, 8), ldx(4, 3, 1, 0), sub(3, 2), movx(0, 3), exit());
        TestRunResult r = meta.testRun(TestRun.ofData(FRAME).withCtx(md(8, FRAME.length, 0, 1, 0, 0)));
        assertEquals(8, r.retval());
        assertArrayEquals(FRAME, r.dataOut());                 // data_out runs from data_meta
        assertArrayEquals(md(8, FRAME.length, 0, 1, 0, 0), r.ctxOut());
        assertEquals(32, meta.testRun(TestRun.ofData(FRAME).withCtx(md(32, FRAME.length, 0, 0, 0, 0))).retval());
    }

    @ParameterizedTest(name = "data={0} data_end={1} meta={2} ingress={3} rxq={4} egress={5}: errno {6}")
    @CsvSource({
            "0, 60, 1, 0, 0, 0, 22",     // data_meta must be 0
            "0, 61, 0, 0, 0, 0, 22",     // data_end past the data
            "8, 4, 0, 0, 0, 0, 22",      // data past data_end
            "3, 60, 0, 0, 0, 0, 22",     // metadata not a multiple of 4
            "48, 60, 0, 0, 0, 0, 22",    // less than ETH_HLEN of packet after the metadata
            "0, 60, 0, 0, 0, 1, 22",     // egress_ifindex
            "0, 60, 0, 0, 1, 0, 22",     // a queue without a device
            "0, 60, 0, 2, 0, 0, 19",     // no device 2
            "0, 60, 0, 1, 1, 0, 22",     // the loopback device has one queue
            "0, 59, 0, 0, 0, 0, 524",    // a shorter linear part: fragments, not modelled
            "0, 13, 0, 0, 0, 0, 22",     // a linear part shorter than ETH_HLEN
            "48, 60, 0, 0, 0, 0, 22",
            "0, 60, 0, 1, 0, 0, 0", "4, 60, 0, 0, 0, 0, 0", "32, 60, 0, 0, 0, 0, 0",
    })
    void ctxInChecks(int data, int dataEnd, int meta, int ingress, int rxq, int egress, int errno) {
        ProgramHandle p = program("xdp", mov(0, 2), exit());
        TestRun run = TestRun.ofData(FRAME).withCtx(md(data, dataEnd, meta, ingress, rxq, egress));
        if (errno == 0)
            assertEquals(2, p.testRun(run).retval());
        else
            errno(errno, p, run);
    }

    @Test
    void sizes() {
        ProgramHandle p = program("xdp", mov(0, 2), exit());
        byte[] tail = new byte[XdpContext.USER_SIZE + 4];
        System.arraycopy(md(0, 60, 0, 0, 0, 0), 0, tail, 0, XdpContext.USER_SIZE);
        p.testRun(TestRun.ofData(FRAME).withCtx(tail));
        tail[XdpContext.USER_SIZE + 1] = 1;
        errno(BackendException.E2BIG, p, TestRun.ofData(FRAME).withCtx(tail));
        errno(BackendException.EINVAL, p, TestRun.ofData(new byte[13]));
        errno(BackendException.EINVAL, p, new TestRun(null, null, 1));
        errno(BackendException.EINVAL, p, TestRun.ofData(new byte[20]).withCtx(md(8, 20, 0, 0, 0, 0))); // 12 bytes after metadata
        p.testRun(TestRun.ofData(new byte[3520]));
        errno(BackendException.ENOTSUPP, p, TestRun.ofData(new byte[3521]));   // the kernel adds a fragment
        p.testRun(TestRun.ofData(new byte[3552]).withCtx(md(32, 3552, 0, 0, 0, 0)));
    }

    @Test
    void devmapProgramsCannotBeTestRun() {
        errno(BackendException.EINVAL, program("xdp/devmap", mov(0, 2), exit()), TestRun.ofData(FRAME));
        errno(BackendException.EINVAL, program("xdp/cpumap", mov(0, 2), exit()), TestRun.ofData(FRAME));
    }

    @Test
    void thePacketEndsAtDataEnd() {
        errno(BackendException.EFAULT, program("xdp", ldx(4, 2, 1, 4), ldx(1, 0, 2, 0), exit()), TestRun.ofData(FRAME));
    }
}
