package dev.bpf4j.linux;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import dev.bpf4j.backend.BackendException;

/**
 * libc's {@code syscall(2)} and {@code close(2)} through JNA direct mapping. The errno is
 * captured by JNA's native stub right after the call ({@code throws LastErrorException}), before
 * the JVM can run anything that would overwrite it.
 *
 * <p>{@code syscall} is variadic; direct mapping calls it with a fixed prototype of four 64-bit
 * integer-class arguments, which the x86-64 and AArch64 Linux ABIs pass exactly as they pass
 * variadic ones (libffi also sets x86-64's {@code %al} vector-register count).
 */
final class NativeSys implements Sys {
    private final long sysBpf;

    private NativeSys(long sysBpf) {
        this.sysBpf = sysBpf;
    }

    /**
     * The system calls of this machine.
     *
     * @throws BackendException {@code -ENOTSUPP} naming what is missing: not Linux, an
     *                          architecture whose bpf(2) number we do not know, or no libc for JNA
     */
    static NativeSys open() {
        String os = System.getProperty("os.name", "?");
        String arch = System.getProperty("os.arch", "?");
        if (!Platform.isLinux())
            throw new BackendException(-BackendException.ENOTSUPP, "the linux backend needs Linux (bpf(2)); this is " + os);
        int nr = SyscallNumbers.bpf(arch);
        try {
            Libc.ensureRegistered();
        } catch (LinkageError e) {
            throw new BackendException(-BackendException.ENOTSUPP,
                    "the linux backend cannot call libc through JNA on " + os + "/" + arch + ": " + e.getMessage(), e);
        }
        return new NativeSys(nr);
    }

    @Override
    public long bpf(BpfCommand cmd, Pointer attr, int size) {
        try {
            return Libc.syscall(sysBpf, cmd.number(), attr, size);
        } catch (LastErrorException e) {
            return -e.getErrorCode();
        }
    }

    @Override
    public int close(int fd) {
        try {
            return Libc.close(fd);
        } catch (LastErrorException e) {
            return -e.getErrorCode();
        }
    }

    /** The direct-mapped functions; registered when this class initialises (JNA's idiom, no mutable state of ours). */
    static final class Libc {
        static {
            Native.register(NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
        }

        private Libc() {
        }

        /** Forces the class (and so the registration) to initialise; its failure surfaces here. */
        static void ensureRegistered() {
        }

        static native long syscall(long number, long cmd, Pointer attr, long size) throws LastErrorException;

        static native int close(int fd) throws LastErrorException;
    }
}
