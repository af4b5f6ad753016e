package dev.bpf4j.btf;

/**
 * The one exception a malformed BTF blob produces. Its message names what was being read when
 * the problem was found: the header field, the type id and kind, the member or parameter, the
 * string offset.
 *
 * <pre>{@code
 * try {
 *     Btf btf = Btf.parse(bytes);
 * } catch (BtfFormatException e) {
 *     System.err.println("bad .BTF: " + e.getMessage()); // e.g. "type [12] STRUCT 'foo': member #3 refers to type id 9999, but there are only 120 types"
 * }
 * }</pre>
 */
public final class BtfFormatException extends RuntimeException {

    public BtfFormatException(String message) {
        super(message);
    }

    BtfFormatException(String format, Object... args) {
        super(String.format(format, args));
    }
}
