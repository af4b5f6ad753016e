package dev.bpf4j.linux;

import dev.bpf4j.backend.BackendException;

/** The number of bpf(2) per architecture, from the kernel's syscall tables. */
final class SyscallNumbers {
    private SyscallNumbers() {
    }

    /**
     * __NR_bpf for the JVM's {@code os.arch}: 321 on x86-64 (arch/x86/entry/syscalls/syscall_64.tbl),
     * 280 on AArch64 (the generic table, include/uapi/asm-generic/unistd.h).
     *
     * @throws BackendException {@code -ENOTSUPP} for any other architecture
     */
    static int bpf(String osArch) {
        return switch (osArch) {
            case "amd64", "x86_64" -> 321;
            case "aarch64", "arm64" -> 280;
            default -> throw new BackendException(-BackendException.ENOTSUPP, "the linux backend does not know the bpf(2)"
                    + " system call number of architecture '" + osArch + "' (known: x86_64 321, aarch64 280)");
        };
    }
}
