package dev.bpf4j.elf;

/**
 * A BPF object file is malformed. The message names the file and the section, symbol,
 * program, instruction index or offset at fault, in the manner of libbpf's messages.
 *
 * <pre>{@code
 * try {
 *     ObjectSpec spec = SpecReader.read(Path.of("prog.o"));
 * } catch (ObjectFormatException e) {
 *     System.err.println(e.getMessage()); // prog.o: section '.maps': ...
 * }
 * }</pre>
 */
public final class ObjectFormatException extends RuntimeException {
    private final String file;

    public ObjectFormatException(String file, String format, Object... args) {
        super(file + ": " + String.format(format, args));
        this.file = file;
    }

    public ObjectFormatException(String file, Throwable cause, String format, Object... args) {
        super(file + ": " + String.format(format, args), cause);
        this.file = file;
    }

    /** The file (or object name) the error is about. */
    public String file() {
        return file;
    }
}
