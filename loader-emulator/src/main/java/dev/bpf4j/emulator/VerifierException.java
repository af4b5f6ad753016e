package dev.bpf4j.emulator;

/**
 * A program the {@link Verifier} rejected, for load paths that stop at the first refusal.
 * {@link #log()} is the kernel-style verifier log, whose last line is {@link #error()}.
 *
 * <pre>{@code
 * try {
 *     Verifier.require(insns, ProgramType.XDP);
 * } catch (VerifierException e) {
 *     System.err.print(e.log());     // "0: (bf) r0 = r2\ninsn 0: R2 !read_ok\n"
 * }
 * }</pre>
 */
public final class VerifierException extends RuntimeException {
    private final transient VerifierResult result;

    public VerifierException(VerifierResult result) {
        super(result.error());
        if (result.ok())
            throw new IllegalArgumentException("an accepted program is no VerifierException");
        this.result = result;
    }

    /** The whole verifier log. */
    public String log() {
        return result.log();
    }

    /** The error line, {@code "insn N: what"}. */
    public String error() {
        return result.error();
    }

    /** The slot of the rejected instruction. */
    public int insn() {
        return result.insn();
    }

    public VerifierResult result() {
        return result;
    }
}
