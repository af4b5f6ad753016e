package dev.bpf4j.upgrade;

import dev.bpf4j.backend.LoadedObject;

import java.util.List;
import java.util.Optional;
import java.util.Objects;

/**
 * A {@link StatefulUpgrade} that did not happen, or not completely. The message names the
 * step, and the map, program or link at fault; {@link #outcome()} says in which state the
 * upgrade left things.
 *
 * <pre>{@code
 * try {
 *     upgrade.run();
 * } catch (UpgradeException e) {
 *     if (e.outcome() != UpgradeException.Outcome.ROLLBACK_FAILED)
 *         log.warn("upgrade refused, old version still serving: " + e.getMessage());
 * }
 * }</pre>
 */
public class UpgradeException extends RuntimeException {

    /** Where a failed upgrade left things. */
    public enum Outcome {
        /** Refused before anything changed (checks of {@link UpgradeStep#VALIDATE}). */
        NOTHING_CHANGED,
        /** A step failed and everything was undone: the old version serves as before. */
        ROLLED_BACK,
        /** A step failed and some of the undoing failed too: see {@link #rollbackProblems()}. */
        ROLLBACK_FAILED,
        /** The new version serves and the old one is unloaded; only the final report failed. */
        COMPLETED
    }

    private final UpgradeStep step;
    private final Outcome outcome;
    private final List<String> rollbackProblems;
    private final transient LoadedObject serving;

    public UpgradeException(UpgradeStep step, Outcome outcome, String message, List<String> rollbackProblems,
                            Throwable cause) {
        this(step, outcome, message, rollbackProblems, cause, null);
    }

    UpgradeException(UpgradeStep step, Outcome outcome, String message, List<String> rollbackProblems,
                     Throwable cause, LoadedObject serving) {
        super(message, cause);
        this.step = Objects.requireNonNull(step, "step");
        this.outcome = Objects.requireNonNull(outcome, "outcome");
        this.rollbackProblems = List.copyOf(rollbackProblems);
        this.serving = serving;
    }

    /** A refusal before anything changed. */
    static UpgradeException refused(String message) {
        return new UpgradeException(UpgradeStep.VALIDATE, Outcome.NOTHING_CHANGED,
                "upgrade refused, nothing changed: " + message, List.of(), null);
    }

    /** The step that failed. */
    public UpgradeStep step() {
        return step;
    }

    public Outcome outcome() {
        return outcome;
    }

    /**
     * The new object, which serves now, when the outcome is {@link Outcome#COMPLETED}: the
     * caller owns it, as it would own {@link UpgradeResult#newObject()}.
     */
    public Optional<LoadedObject> newObject() {
        return Optional.ofNullable(serving);
    }

    /** What the rollback could not undo; empty unless {@link Outcome#ROLLBACK_FAILED}. */
    public List<String> rollbackProblems() {
        return rollbackProblems;
    }
}
