package dev.bpf4j.backend;

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
}
