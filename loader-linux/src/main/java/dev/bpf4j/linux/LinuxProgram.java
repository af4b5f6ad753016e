package dev.bpf4j.linux;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.ProgramSpec;
import dev.bpf4j.loader.ProgramType;

import java.util.Arrays;

/**
 * A program loaded into the kernel. {@link #testRun} is BPF_PROG_TEST_RUN, with the kernel's
 * rules per program type; what it reports maps onto {@link TestRunResult} as the emulator's
 * runs do: data_out for types with a packet, ctx_out when a ctx_in was given (for syscall
 * programs, the context as the program left it, which the kernel writes back into ctx_in).
 *
 * <pre>{@code
 * LinuxProgram p = (LinuxProgram) obj.program("xdp_parser");
 * TestRunResult r = p.testRun(TestRun.ofData(frame));
 * System.out.println("prog id " + p.id() + ": retval " + r.retval());
 * }</pre>
 */
public final class LinuxProgram implements ProgramHandle {
    /**
     * Room for the packet to grow in a test run (bpf_xdp_adjust_head/tail, bpf_skb_change_tail):
     * data_out is the input's size plus this; a longer output is the kernel's {@code -ENOSPC}.
     */
    static final int DATA_OUT_HEADROOM = 4096;

    private final LinuxObject owner;
    private final LinkedProgram linked;
    private final int fd;

    LinuxProgram(LinuxObject owner, LinkedProgram linked, int fd) {
        this.owner = owner;
        this.linked = linked;
        this.fd = fd;
    }

    @Override
    public String name() {
        return linked.name();
    }

    @Override
    public ProgramType type() {
        return linked.spec().type();
    }

    @Override
    public ProgramSpec spec() {
        return linked.spec();
    }

    @Override
    public int fd() {
        return owner.withOpen(this, () -> fd);
    }

    int rawFd() {
        return fd;
    }

    /** The kernel's id of the program, as {@code bpftool prog show} lists it. */
    public int id() {
        return owner.kernelId(this, fd);
    }

    @Override
    public TestRunResult testRun(TestRun request) {
        java.util.Objects.requireNonNull(request, "request");
        return owner.withOpen(this, () -> run(request));
    }

    private TestRunResult run(TestRun request) {
        byte[] dataIn = request.dataIn();
        byte[] ctxIn = request.ctxIn();
        ProgramType t = type();
        // raw_tracepoint and syscall runs refuse data_out, ctx_out and a repeat count (the
        // kernel's -EINVAL); one run is repeat 0 to them, as TestRun's "0 counts as 1"
        boolean callerContext = t == ProgramType.SYSCALL || t == ProgramType.RAW_TRACEPOINT;
        int repeat = callerContext && request.repeat() <= 1 ? 0 : request.repeat();
        byte[] dataOut = dataIn == null || callerContext ? null : new byte[dataIn.length + DATA_OUT_HEADROOM];
        byte[] ctxOut = ctxIn == null || callerContext ? null : new byte[ctxIn.length];
        int[] errno = new int[1];
        Bpf.TestRunOut out = owner.bpf().testRun(fd, dataIn, dataOut, ctxIn, ctxOut, repeat, errno);
        if (out == null)
            throw Bpf.failure(BpfCommand.PROG_TEST_RUN, "program '" + name() + "' (" + t.libbpfName() + ")", -errno[0]);
        byte[] data = dataOut == null ? null : Arrays.copyOf(dataOut, Math.min(out.dataSizeOut(), dataOut.length));
        byte[] ctx = ctxOut != null ? Arrays.copyOf(ctxOut, Math.min(out.ctxSizeOut(), ctxOut.length))
                : t == ProgramType.SYSCALL && ctxIn != null ? ctxIn : null;
        return new TestRunResult(out.retval(), data, ctx, Integer.toUnsignedLong(out.durationNs()));
    }

    @Override
    public String toString() {
        return type().libbpfName() + " program '" + name() + "'";
    }
}
