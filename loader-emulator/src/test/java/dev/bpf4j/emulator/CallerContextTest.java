package dev.bpf4j.emulator;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static dev.bpf4j.emulator.Asm.*;
import static dev.bpf4j.emulator.SkbTestRunTest.errno;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Test runs on caller-supplied contexts (tracing types, syscall) and of cgroup_sockopt programs. */
class CallerContextTest {
    static TestRun ctx(byte[] c) {
        return new TestRun(null, c, 1);
    }

    static byte[] u64s(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v)
            b.putLong(x);
        return b.array();
    }

    @Test
    void kprobeReadsPtRegsZeroPadded() {
        ProgramHandle p = program("kprobe/do_unlinkat", ldx(8, 0, 1, 8), exit());
        assertEquals(77, p.testRun(ctx(u64s(1, 77))).retval());
        assertEquals(0, p.testRun(ctx(null)).retval());
        assertEquals(77, p.testRun(new TestRun(null, u64s(1, 77), 3)).retval());
        assertNull(p.testRun(ctx(u64s(1, 77))).ctxOut());
        errno(BackendException.EINVAL, p, ctx(new byte[CallerContext.PT_REGS + 1]));
        errno(BackendException.EINVAL, p, new TestRun(new byte[14], u64s(1), 1));
        assertEquals(5, program("kprobe/x", ldx(8, 0, 1, 160), exit()).testRun(ctx(u64s(new long[] {
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5}))).retval());
    }

    @Test
    void rawTracepointFollowsTheKernel() {
        ProgramHandle p = program("raw_tracepoint/sys_enter", ldx(8, 0, 1, 8), exit());
        assertEquals(9, p.testRun(ctx(u64s(1, 9))).retval());
        errno(BackendException.EINVAL, p, ctx(u64s(1)));                    // shorter than max_ctx_offset 16
        errno(BackendException.EINVAL, p, ctx(new byte[CallerContext.RAW_TP_ARGS + 8]));
        errno(BackendException.EINVAL, p, new TestRun(null, u64s(1, 9), 2));   // no repeat
        errno(BackendException.EINVAL, p, new TestRun(new byte[8], u64s(1, 9), 1));
        // without a ctx, r1 is NULL
        assertEquals(1, program("raw_tp/x", mov(0, 0), jeq(1, 0, 1), exit(), mov(0, 1), exit()).testRun(ctx(null)).retval());
    }

    @Test
    void syscallProgramsWriteTheirContextBack() {
        ProgramHandle p = program("syscall", ldx(4, 0, 1, 0), st(4, 1, 4, 7), exit());
        TestRunResult r = p.testRun(ctx(new byte[] {3, 0, 0, 0, 0, 0, 0, 0, 1}));
        assertEquals(3, r.retval());
        assertArrayEquals(new byte[] {3, 0, 0, 0, 7, 0, 0, 0, 1}, r.ctxOut());
        assertNull(r.dataOut());
        errno(BackendException.EINVAL, p, ctx(new byte[4]));                  // does not cover byte 7
        errno(BackendException.EINVAL, p, new TestRun(null, new byte[8], 2));
        assertEquals(1, program("syscall", mov(0, 0), jeq(1, 0, 1), exit(), mov(0, 1), exit()).testRun(ctx(null)).retval());
    }

    @Test
    void perfEventAndTracepoint() {
        byte[] data = new byte[CallerContext.PERF_EVENT_DATA];
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).putLong(CallerContext.PT_REGS, 4000);
        assertEquals(4000, program("perf_event", ldx(8, 0, 1, CallerContext.PT_REGS), exit()).testRun(ctx(data)).retval());
        ProgramHandle tp = program("tracepoint/syscalls/sys_enter_openat", ldx(4, 0, 1, 8), exit());
        assertEquals(6, tp.testRun(ctx(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0})).retval());
        errno(BackendException.EINVAL, tp, ctx(new byte[11]));
    }

    @Test
    void getsockoptProgramsSeeTheBufferAndSetRetvalAndOptlen() {
        // if (optval + 1 > optval_end) return 0; *optval = 0x55; ctx->optlen = 1; ctx->retval = 0; return 1;
        ProgramHandle p = program("cgroup/getsockopt",
                ldx(8, 2, 1, 8), ldx(8, 3, 1, 16), movx(4, 2), add(4, 1),
                Instruction.of(Opcodes.JMP | Opcodes.JGT | Opcodes.X, 4, 3, 5, 0),
                st(1, 2, 0, 0x55), st(4, 1, 32, 1), st(4, 1, 36, 0), mov(0, 1), exit(),
                mov(0, 0), exit());
        byte[] in = new byte[SockoptContext.SIZE];
        ByteBuffer b = ByteBuffer.wrap(in).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(24, 6).putInt(28, 13).putInt(32, 4).putInt(36, -22);
        TestRunResult r = p.testRun(new TestRun(new byte[4], in, 1));
        assertEquals(1, r.retval());
        assertArrayEquals(new byte[] {0x55, 0, 0, 0}, r.dataOut());
        ByteBuffer o = ByteBuffer.wrap(r.ctxOut()).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(0, o.getLong(8));
        assertEquals(6, o.getInt(24));
        assertEquals(1, o.getInt(32));
        assertEquals(0, o.getInt(36));
        assertEquals(0, p.testRun(new TestRun(null, null, 1)).retval()); // empty buffer: the bounds check fails
        b.putInt(32, 5);
        errno(BackendException.EINVAL, p, new TestRun(new byte[4], in, 1));  // optlen past the buffer
        b.putInt(32, 0).putLong(8, 1);
        errno(BackendException.EINVAL, p, new TestRun(new byte[4], in, 1));  // optval must be 0
        byte[] tail = new byte[SockoptContext.SIZE + 1];
        tail[SockoptContext.SIZE] = 1;
        errno(BackendException.E2BIG, p, new TestRun(new byte[4], tail, 1));
        // the socket is a struct bpf_sock: state TCP_CLOSE
        assertEquals(7, program("cgroup/setsockopt", ldx(8, 2, 1, 0), ldx(4, 0, 2, 72), exit())
                .testRun(new TestRun(null, null, 1)).retval());
    }
}
