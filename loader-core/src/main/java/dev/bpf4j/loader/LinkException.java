package dev.bpf4j.loader;

/**
 * Linking needs something the environment does not provide: a strong {@code __kconfig}
 * extern the kernel configuration lacks, a value of the wrong kind, an unreadable config file.
 * (A malformed object is an {@link dev.bpf4j.elf.ObjectFormatException} instead.)
 */
public final class LinkException extends RuntimeException {
    public LinkException(String message) {
        super(message);
    }

    public LinkException(String message, Throwable cause) {
        super(message, cause);
    }
}
