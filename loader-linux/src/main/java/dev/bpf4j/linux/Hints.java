package dev.bpf4j.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What an errno of a bpf(2) command usually means, appended to messages so that the two
 * environment problems (no privilege, no bpf(2) at all) read as such rather than as a code.
 */
final class Hints {
    /** Said when bpf(2) is refused outright; tests look for it. */
    static final String NO_PRIVILEGE = "bpf(2) needs root, or CAP_BPF with CAP_PERFMON (tracing) or CAP_NET_ADMIN"
            + " (networking), and kernel.unprivileged_bpf_disabled stops everyone else; kernels before 5.11 also"
            + " need a large enough RLIMIT_MEMLOCK";
    static final String NO_SYSCALL = "this kernel has no bpf(2) system call (built without CONFIG_BPF_SYSCALL,"
            + " or a seccomp filter blocks it, as container runtimes often do)";
    /** Said for EPERM although the process has CAP_BPF or CAP_SYS_ADMIN. */
    static final String REFUSED_ANYWAY = "the process has CAP_BPF or CAP_SYS_ADMIN, so this kernel itself does not allow"
            + " it: a program type or attach target it does not support (fentry, fexit and lsm need BPF trampolines),"
            + " kernel lockdown, or an LSM policy";
    static final Path STATUS = Path.of("/proc/self/status");
    /** Bits of CAP_SYS_ADMIN (21) and CAP_BPF (39) in CapEff. */
    static final long PRIVILEGED_CAPS = 1L << 21 | 1L << 39;

    private Hints() {
    }

    /** The hint for {@code errno} (positive) of {@code cmd}, starting with "; ", or "". */
    static String of(BpfCommand cmd, int errno) {
        boolean creates = cmd == BpfCommand.MAP_CREATE || cmd == BpfCommand.PROG_LOAD || cmd == BpfCommand.BTF_LOAD;
        return of(cmd, errno, creates && errno == Errno.EPERM && privileged(readStatus()));
    }

    /** The hint, {@code privileged} saying whether the process has CAP_BPF or CAP_SYS_ADMIN. */
    static String of(BpfCommand cmd, int errno, boolean privileged) {
        if (errno == Errno.ENOSYS)
            return "; " + NO_SYSCALL;
        boolean creates = cmd == BpfCommand.MAP_CREATE || cmd == BpfCommand.PROG_LOAD || cmd == BpfCommand.BTF_LOAD;
        if (errno == Errno.EPERM && creates)
            return "; " + (privileged ? REFUSED_ANYWAY : NO_PRIVILEGE);
        return "";
    }

    /** Whether {@code /proc/self/status} text gives the process CAP_BPF or CAP_SYS_ADMIN (false when it cannot tell). */
    static boolean privileged(String status) {
        for (String line : status.split("\n")) {
            if (line.startsWith("CapEff:")) {
                try {
                    return (Long.parseUnsignedLong(line.substring(7).strip(), 16) & PRIVILEGED_CAPS) != 0;
                } catch (NumberFormatException e) {
                    return false;
                }
            }
        }
        return false;
    }

    private static String readStatus() {
        try {
            return Files.readString(STATUS);
        } catch (IOException e) {
            return "";
        }
    }
}
