package dev.bpf4j.linux;

import dev.bpf4j.backend.BackendException;

import java.util.OptionalInt;

/**
 * The kernel refused to load a program: BPF_PROG_LOAD's errno, the program's name, the
 * verifier's log (level 1) and the instruction the log names last, which is where the
 * verifier stopped.
 *
 * <pre>{@code
 * try (LoadedObject obj = new LinuxBackend().load(plan)) {
 *     ...
 * } catch (VerifierException e) {
 *     System.err.println(e.program() + " rejected at insn " + e.instruction().orElse(-1));
 *     System.err.println(e.log());          // the whole verifier log
 * }
 * }</pre>
 */
public final class VerifierException extends BackendException {
    private final String program;
    private final String log;
    private final int instruction;

    VerifierException(int errno, String program, String log, int instruction, String message) {
        super(errno, message);
        this.program = program;
        this.log = log;
        this.instruction = instruction;
    }

    /** The program's name as the object gives it. */
    public String program() {
        return program;
    }

    /** The verifier log, as the kernel wrote it (empty when it wrote none). */
    public String log() {
        return log;
    }

    /** The index (in 8-byte slots) of the last instruction the log names, or empty when it names none. */
    public OptionalInt instruction() {
        return instruction < 0 ? OptionalInt.empty() : OptionalInt.of(instruction);
    }
}
