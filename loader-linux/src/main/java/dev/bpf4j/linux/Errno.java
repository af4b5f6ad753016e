package dev.bpf4j.linux;

import java.util.Map;

/**
 * Names of the errno values bpf(2) returns (asm-generic/errno-base.h and errno.h, the same on
 * x86-64 and AArch64), so that messages say {@code EACCES}, not 13.
 */
final class Errno {
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int E2BIG = 7;
    static final int EBADF = 9;
    static final int EAGAIN = 11;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int EFAULT = 14;
    static final int EINVAL = 22;
    static final int ENOSPC = 28;
    static final int ENOSYS = 38;
    static final int EOPNOTSUPP = 95;
    static final int ENOTSUPP = 524;

    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(1, "EPERM"), Map.entry(2, "ENOENT"), Map.entry(3, "ESRCH"), Map.entry(4, "EINTR"),
            Map.entry(5, "EIO"), Map.entry(6, "ENXIO"), Map.entry(7, "E2BIG"), Map.entry(9, "EBADF"),
            Map.entry(11, "EAGAIN"), Map.entry(12, "ENOMEM"), Map.entry(13, "EACCES"), Map.entry(14, "EFAULT"),
            Map.entry(16, "EBUSY"), Map.entry(17, "EEXIST"), Map.entry(18, "EXDEV"), Map.entry(19, "ENODEV"),
            Map.entry(20, "ENOTDIR"), Map.entry(21, "EISDIR"), Map.entry(22, "EINVAL"), Map.entry(23, "ENFILE"),
            Map.entry(24, "EMFILE"), Map.entry(25, "ENOTTY"), Map.entry(27, "EFBIG"), Map.entry(28, "ENOSPC"),
            Map.entry(30, "EROFS"), Map.entry(34, "ERANGE"), Map.entry(36, "ENAMETOOLONG"), Map.entry(38, "ENOSYS"),
            Map.entry(40, "ELOOP"), Map.entry(61, "ENODATA"), Map.entry(67, "ENOLINK"), Map.entry(71, "EPROTO"), Map.entry(75, "EOVERFLOW"),
            Map.entry(95, "EOPNOTSUPP"), Map.entry(110, "ETIMEDOUT"), Map.entry(122, "EDQUOT"),
            Map.entry(524, "ENOTSUPP"));

    private Errno() {
    }

    /** The symbolic name of a positive or negative errno: {@code EACCES}, or {@code errno 1234} when unknown. */
    static String name(int errno) {
        int e = Math.abs(errno);
        String n = NAMES.get(e);
        return n != null ? n : "errno " + e;
    }
}
