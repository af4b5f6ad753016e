package dev.bpf4j.btf;

/**
 * A value that does not fit its BTF type: bytes of the wrong size, a Java value of the wrong
 * shape or out of range, or a type that cannot hold a value (a function, an oversized or
 * malformed layout). The message starts with the path of the part at fault, as C would spell
 * an access to it, e.g. {@code value.addr[3]: 300 does not fit in u8 (0..255)}.
 *
 * <pre>{@code
 * try {
 *     byte[] raw = BtfValues.encode(btf, valueType, Map.of("addr", List.of(10, 0, 0, 300)));
 * } catch (BtfValueException e) {
 *     System.err.println(e.path() + ": " + e.getMessage());
 * }
 * }</pre>
 */
public final class BtfValueException extends RuntimeException {

    private final String path;

    /** {@code path} as {@link #path()}; the message becomes {@code path + ": " + message}. */
    public BtfValueException(String path, String message) {
        super(path + ": " + message);
        this.path = path;
    }

    /** Where in the value the problem is: {@code value}, {@code value.addr[3]}, {@code key.hdr.flags}. */
    public String path() {
        return path;
    }
}
