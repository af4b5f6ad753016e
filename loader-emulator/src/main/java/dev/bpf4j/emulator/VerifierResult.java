package dev.bpf4j.emulator;

/**
 * What the {@link Verifier} said about one program.
 *
 * @param ok     whether the program was accepted
 * @param insn   the slot (8-byte instruction index, as the kernel counts) of the rejected
 *               instruction, or -1 when accepted
 * @param error  the error line, {@code "insn N: what"} (e.g. {@code "insn 3: R1 !read_ok"}),
 *               or null when accepted
 * @param log    the kernel-style log: {@code "N: (code) text"} lines for the instructions
 *               it walked, then the error line (or a summary line when accepted)
 * @param slots  the program's length in slots
 */
public record VerifierResult(boolean ok, int insn, String error, String log, int slots) {

    /** Returns this result when accepted, else throws it as a {@link VerifierException}. */
    public VerifierResult orThrow() {
        if (!ok)
            throw new VerifierException(this);
        return this;
    }

    /** The error without its {@code "insn N: "} prefix, or null when accepted. */
    public String message() {
        if (error == null)
            return null;
        int colon = error.indexOf(": ");
        return error.startsWith("insn ") && colon > 0 ? error.substring(colon + 2) : error;
    }
}
