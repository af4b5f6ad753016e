package dev.bpf4j.btf;

/**
 * One {@code bpf_line_info} record of {@code .BTF.ext}: the source line an instruction was
 * compiled from, as {@code bpftool prog dump xlated linum} shows it
 * ({@code ; return XDP_PASS; @ xdp_parser.c:42:5}).
 *
 * <pre>{@code
 * for (LineInfo l : programSpec.lineInfo())
 *     System.out.printf("insn %d: %s:%d:%d  %s%n", l.slot(), l.fileName(), l.lineNumber(), l.column(), l.line());
 * }</pre>
 *
 * @param slot           the instruction slot it describes (see {@link FuncInfo#slot()} for the base)
 * @param fileName       the source file's name as the compiler saw it (often an absolute path)
 * @param line           the text of the source line (may be empty: clang leaves it so for
 *                       some compiler-generated instructions)
 * @param lineNumber     1-based line number ({@code line_col >> 10})
 * @param column         1-based column, 0 when unknown ({@code line_col & 0x3ff})
 * @param fileNameOffset {@code file_name_off}: the file name's offset in the {@code .BTF}
 *                       string section, as the kernel receives it
 * @param lineOffset     {@code line_off}: the line text's offset in that string section
 */
public record LineInfo(int slot, String fileName, String line, int lineNumber, int column,
                       int fileNameOffset, int lineOffset) {

    /** The same record at another slot (records move with the code they describe). */
    public LineInfo atSlot(int newSlot) {
        return new LineInfo(newSlot, fileName, line, lineNumber, column, fileNameOffset, lineOffset);
    }

    /** The kernel's packed {@code line_col}: line number in the upper 22 bits, column in the lower 10. */
    public int lineCol() {
        return lineNumber << 10 | column;
    }
}
