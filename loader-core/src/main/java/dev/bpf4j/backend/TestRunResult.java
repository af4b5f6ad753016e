package dev.bpf4j.backend;

import java.util.List;

/**
 * What BPF_PROG_TEST_RUN reports, and what a backend can show beside it.
 *
 * <pre>{@code
 * TestRunResult r = program.testRun(TestRun.ofData(packet));
 * if (r.retval() == 4)                          // XDP_REDIRECT
 *     System.out.println(r.redirects());        // [Redirect[helper=redirect_map, map=tx_port, target=0, flags=0]]
 * r.trace().forEach(System.out::println);       // bpf_trace_printk lines, kernel-formatted
 * }</pre>
 *
 * @param retval     the program's return value (the kernel's u32 retval) of the last run
 * @param dataOut    the packet after the last run, or null when the type has none
 * @param ctxOut     the context after the last run, or null
 * @param durationNs mean time per run in nanoseconds
 * @param trace      the lines bpf_trace_printk and friends wrote during the runs, as in trace_pipe
 *                   after the "comm-pid [cpu] ..." prefix; empty where the backend cannot see them
 * @param redirects  the redirections the last run asked for, in order
 * @param records    what the runs sent to ring buffers and perf event arrays, in order
 */
public record TestRunResult(int retval, byte[] dataOut, byte[] ctxOut, long durationNs, List<String> trace,
                            List<Redirect> redirects, List<OutputRecord> records) {

    /** A redirection: {@code bpf_redirect(ifindex, flags)} or {@code bpf_redirect_map(map, key, flags)}. */
    public record Redirect(String helper, String map, long target, long flags) {
    }

    /** One record sent to user space through {@code map} (a ring buffer or perf event array) on {@code cpu}. */
    public record OutputRecord(String map, int cpu, byte[] data) {
        public OutputRecord {
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }
    }

    public TestRunResult {
        dataOut = dataOut == null ? null : dataOut.clone();
        ctxOut = ctxOut == null ? null : ctxOut.clone();
        trace = List.copyOf(trace);
        redirects = List.copyOf(redirects);
        records = List.copyOf(records);
    }

    /** A result with nothing beyond what the kernel's BPF_PROG_TEST_RUN reports. */
    public TestRunResult(int retval, byte[] dataOut, byte[] ctxOut, long durationNs) {
        this(retval, dataOut, ctxOut, durationNs, List.of(), List.of(), List.of());
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
