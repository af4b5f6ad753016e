package dev.bpf4j.backend;

/**
 * A failed backend operation, with the negative errno the kernel would return for it
 * ({@code -ENOENT} for a missing key, {@code -EEXIST} for BPF_NOEXIST on a present key,
 * {@code -E2BIG} for a full map, {@code -EINVAL} for bad sizes or flags...).
 *
 * <pre>{@code
 * try {
 *     counters.delete(key);
 * } catch (BackendException e) {
 *     if (e.errno() == -BackendException.ENOENT) ...   // no such key
 * }
 * }</pre>
 */
public class BackendException extends RuntimeException {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int ENXIO = 6;
    public static final int E2BIG = 7;
    public static final int EBADF = 9;
    public static final int EAGAIN = 11;
    public static final int ENOMEM = 12;
    public static final int EACCES = 13;
    public static final int EFAULT = 14;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int ENOSPC = 28;
    public static final int ERANGE = 34;
    public static final int ELOOP = 40;
    public static final int ENOLINK = 67;
    public static final int EOVERFLOW = 75;
    public static final int EOPNOTSUPP = 95;
    /** The kernel-internal ENOTSUPP that bpf(2) returns for unsupported features. */
    public static final int ENOTSUPP = 524;

    private final int errno;

    /** @param errno a negative errno, e.g. {@code -ENOENT} */
    public BackendException(int errno, String message) {
        this(errno, message, null);
    }

    public BackendException(int errno, String message, Throwable cause) {
        super(message + " (" + name(errno) + ")", cause);
        if (errno >= 0)
            throw new IllegalArgumentException("errno must be negative: " + errno);
        this.errno = errno;
    }

    /** The negative errno, e.g. {@code -2} for ENOENT. */
    public int errno() {
        return errno;
    }

    /** The symbolic name of a (negative or positive) errno, e.g. "-ENOENT". */
    public static String name(int errno) {
        String n;
        switch (Math.abs(errno)) {
            case EPERM: n = "EPERM"; break;
            case ENOENT: n = "ENOENT"; break;
            case EINTR: n = "EINTR"; break;
            case ENXIO: n = "ENXIO"; break;
            case E2BIG: n = "E2BIG"; break;
            case EBADF: n = "EBADF"; break;
            case EAGAIN: n = "EAGAIN"; break;
            case ENOMEM: n = "ENOMEM"; break;
            case EACCES: n = "EACCES"; break;
            case EFAULT: n = "EFAULT"; break;
            case EBUSY: n = "EBUSY"; break;
            case EEXIST: n = "EEXIST"; break;
            case ENODEV: n = "ENODEV"; break;
            case EINVAL: n = "EINVAL"; break;
            case ENOSPC: n = "ENOSPC"; break;
            case ERANGE: n = "ERANGE"; break;
            case ELOOP: n = "ELOOP"; break;
            case ENOLINK: n = "ENOLINK"; break;
            case EOVERFLOW: n = "EOVERFLOW"; break;
            case EOPNOTSUPP: n = "EOPNOTSUPP"; break;
            case ENOTSUPP: n = "ENOTSUPP"; break;
            default: n = "errno " + Math.abs(errno);
        }
        return (errno < 0 ? "-" : "") + n;
    }
}
