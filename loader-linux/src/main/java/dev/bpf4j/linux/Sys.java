package dev.bpf4j.linux;

import com.sun.jna.Pointer;

/**
 * The two system calls the Linux backend makes, in the kernel's own convention: a result that
 * is not negative, or a negative errno. An interface so that tests can play a kernel that
 * refuses (no root, no bpf(2)) without being one; {@link NativeSys} is the real thing.
 */
interface Sys {
    /** {@code bpf(cmd, attr, size)}: a non-negative result (often a new file descriptor) or {@code -errno}. */
    long bpf(BpfCommand cmd, Pointer attr, int size);

    /** {@code close(fd)}: 0 or {@code -errno}. */
    int close(int fd);
}
