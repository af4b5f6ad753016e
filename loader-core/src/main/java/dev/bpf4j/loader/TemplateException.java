package dev.bpf4j.loader;

/**
 * A variable of an {@link ObjectTemplate} cannot be read or set as asked: no variable of that
 * name, a value that does not fit its type or is of the wrong kind, or a variable that has no
 * bytes in the object ({@code .bss}, {@code __kconfig} externs). The message starts with the
 * file name and names the variable, its type and what would be accepted, e.g.
 * {@code xdp_parser.o: value 70000 does not fit in 'blocked_udp_port' (u16, 0..65535)}.
 *
 * <p>It extends {@link IllegalArgumentException} because the object is fine and the argument is
 * not: callers that treat bad arguments generically keep working, and it stays apart from
 * {@link dev.bpf4j.elf.ObjectFormatException}, which means the file itself is malformed.
 *
 * <pre>{@code
 * try {
 *     template.variable("blocked_udp_port").set(70000);
 * } catch (TemplateException e) {
 *     System.err.println(e.getMessage());
 * }
 * }</pre>
 */
public final class TemplateException extends IllegalArgumentException {
    private final String file;
    private final String variable;

    TemplateException(String file, String variable, String format, Object... args) {
        super(file + ": " + String.format(format, args));
        this.file = file;
        this.variable = variable;
    }

    /** The object file the template was made from. */
    public String file() {
        return file;
    }

    /** The variable asked for (which may not exist). */
    public String variable() {
        return variable;
    }
}
