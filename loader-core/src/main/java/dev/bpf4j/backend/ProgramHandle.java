package dev.bpf4j.backend;

import dev.bpf4j.loader.ProgramSpec;
import dev.bpf4j.loader.SectionTable.MapTraceTarget;

import dev.bpf4j.loader.ProgramType;

/**
 * A loaded program.
 *
 * <pre>{@code
 * TestRunResult r = obj.program("xdp_parser").testRun(TestRun.ofData(packet));
 * if (r.retval() == 1) ... // XDP_DROP
 * }</pre>
 */
public interface ProgramHandle {
    String name();

    ProgramType type();

    /** What the object declared for this program (section, type, instructions before linking). */
    ProgramSpec spec();

    /**
     * The program's file descriptor: the 4-byte value that puts it into a prog array.
     * {@code -ENOTSUPP} where the backend has none.
     */
    default int fd() {
        throw new BackendException(-BackendException.ENOTSUPP, "program '" + name() + "' has no file descriptor in this backend");
    }

    /**
     * Runs the program as BPF_PROG_TEST_RUN does.
     *
     * @throws BackendException {@code -EINVAL} for a bad request (packet too short, bad ctx),
     *                          {@code -ENOTSUPP} for a program type without test runs,
     *                          {@code -EFAULT} when the program faults in the emulator,
     *                          {@code -EBADF} after the object was closed
     */
    TestRunResult testRun(TestRun request);

    /**
     * Attaches the program to {@code hook}, which must {@linkplain Hook#accepts accept} it
     * ({@code -EINVAL} otherwise). A hook runs its links in attach order; an XDP hook takes
     * one link ({@code -EBUSY} for a second).
     *
     * @throws BackendException {@code -ENOTSUPP} where the backend has no hooks
     */
    default Link attach(Hook hook) {
        throw new BackendException(-BackendException.ENOTSUPP, "program '" + name() + "': this backend cannot attach to hooks");
    }

    /**
     * Links this map tracing program (section {@code map_trace/...}, or any TRACING program
     * with attach type {@code trace_map}) to {@code map}, of this object or another one
     * loaded in the same backend: it then runs after every successful {@code op} of the map
     * made by a BPF program (and, with {@code fromUserSpace}, made through
     * {@link MapHandle}), after the programs attached before it. Refused with
     * {@code -ELOOP}, naming the cycle, when the program could, directly or through other
     * tracers, change the map it traces.
     *
     * @throws BackendException {@code -ENOTSUPP} where the backend has no map tracing
     *                          ({@link Capabilities#mapTracing()})
     */
    default Link attachMapTrace(MapHandle map, MapTraceTarget.Operation op, boolean fromUserSpace) {
        throw new BackendException(-BackendException.ENOTSUPP, "program '" + name() + "': this backend has no map tracing");
    }

    /**
     * Runs this map element iterator (section {@code iter/bpf_map_elem}) over every element
     * of {@code map}, as reading a {@code bpf_iter} link's file does, and returns what the
     * program wrote with {@code bpf_seq_write} and {@code bpf_seq_printf}.
     *
     * @throws BackendException {@code -ENOTSUPP} where the backend has no iterators
     */
    default byte[] iterate(MapHandle map) {
        throw new BackendException(-BackendException.ENOTSUPP, "program '" + name() + "': this backend has no map iterators");
    }
}
