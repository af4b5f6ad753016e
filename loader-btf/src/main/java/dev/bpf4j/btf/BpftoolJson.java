package dev.bpf4j.btf;

/**
 * A copy of bpftool's {@code json_writer.c} (bpftool 7.1): the same separators, the same
 * four-space pretty indentation that puts array scalars on one line, and the same string
 * escaping, including its quirk of writing a backslash as {@code \n} (fixed in later
 * bpftool releases). Output must match byte for byte, so nothing here is "improved".
 */
final class BpftoolJson {
    /** Output beyond this is refused: overlapping union members can multiply a small value's text. */
    static final int MAX_CHARS = 64 << 20;

    private final StringBuilder out = new StringBuilder();
    private final boolean pretty;
    private int depth;
    private char sep; // '\0' or ','

    BpftoolJson(boolean pretty) {
        this.pretty = pretty;
    }

    private void check() {
        if (out.length() > MAX_CHARS)
            throw new BtfValueException("value", "formatted text is longer than " + MAX_CHARS + " characters");
    }

    private void indent() {
        for (int i = 0; i < depth; i++)
            out.append("    ");
    }

    private void eol() {
        if (!pretty)
            return;
        out.append('\n');
        indent();
    }

    private void eor() {
        if (sep != '\0')
            out.append(sep);
        sep = ',';
    }

    private void puts(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\t': out.append("\\t"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\f': out.append("\\f"); break;
                case '\b': out.append("\\b"); break;
                case '\\': out.append("\\n"); break; // sic: bpftool 7.1's json_writer.c
                case '"': out.append("\\\""); break;
                default: out.append(c);
            }
        }
        out.append('"');
        check();
    }

    private void begin(char c) {
        eor();
        out.append(c);
        depth++;
        sep = '\0';
    }

    private void end(char c) {
        depth--;
        if (sep != '\0')
            eol();
        out.append(c);
        sep = ',';
    }

    void startObject() {
        begin('{');
    }

    void endObject() {
        end('}');
    }

    void startArray() {
        begin('[');
    }

    void endArray() {
        end(']');
    }

    void name(String name) {
        eor();
        eol();
        sep = '\0';
        puts(name);
        out.append(':');
        if (pretty)
            out.append(' ');
    }

    /** jsonw_printf: text as is, after a separator. */
    void raw(String text) {
        eor();
        out.append(text);
        check();
    }

    void string(String s) {
        eor();
        puts(s);
    }

    /** jsonw_destroy's final newline. */
    String finish() {
        return out.append('\n').toString();
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
