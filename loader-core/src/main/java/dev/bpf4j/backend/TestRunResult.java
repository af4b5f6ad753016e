package dev.bpf4j.backend;

/**
 * What BPF_PROG_TEST_RUN reports.
 *
 * @param retval     the program's return value (the kernel's u32 retval) of the last run
 * @param dataOut    the packet after the last run, or null when the type has none
 * @param ctxOut     the context after the last run, or null
 * @param durationNs mean time per run in nanoseconds
 */
public record TestRunResult(int retval, byte[] dataOut, byte[] ctxOut, long durationNs) {
    public TestRunResult {
        dataOut = dataOut == null ? null : dataOut.clone();
        ctxOut = ctxOut == null ? null : ctxOut.clone();
    }

    @Override
    public byte[] dataOut() {
        return dataOut == null ? null : dataOut.clone();
    }

    @Override
    public byte[] ctxOut() {
        return ctxOut == null ? null : ctxOut.clone();
    }
}
