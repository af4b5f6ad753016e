package dev.bpf4j.backend;

/**
 * One BPF_PROG_TEST_RUN request.
 *
 * <pre>{@code
 * TestRun.ofData(packet)                    // run once on a packet, no context given
 * TestRun.ofData(packet).withRepeat(1000)   // the same packet 1000 times (retval of the last)
 * }</pre>
 *
 * @param dataIn the packet (data_in), or null for program types without one
 * @param ctxIn  the context (ctx_in, e.g. a {@code struct xdp_md}), or null for the default
 * @param repeat how many times to run; 0 counts as 1, as in the kernel
 */
public record TestRun(byte[] dataIn, byte[] ctxIn, int repeat) {
    public TestRun {
        if (repeat < 0)
            throw new IllegalArgumentException("repeat must not be negative: " + repeat);
        dataIn = dataIn == null ? null : dataIn.clone();
        ctxIn = ctxIn == null ? null : ctxIn.clone();
    }

    public static TestRun ofData(byte[] data) {
        return new TestRun(data, null, 1);
    }

    public TestRun withCtx(byte[] ctx) {
        return new TestRun(dataIn, ctx, repeat);
    }

    public TestRun withRepeat(int n) {
        return new TestRun(dataIn, ctxIn, n);
    }

    @Override
    public byte[] dataIn() {
        return dataIn == null ? null : dataIn.clone();
    }

    @Override
    public byte[] ctxIn() {
        return ctxIn == null ? null : ctxIn.clone();
    }
}
