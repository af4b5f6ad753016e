package dev.bpf4j.upgrade;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What one step of a {@link StatefulUpgrade} did and how long it took.
 *
 * <pre>{@code
 * for (StepReport s : result.steps())
 *     System.out.printf("%-12s %5d us %s%n", s.step(), s.elapsed().toNanos() / 1000, s.actions());
 * }</pre>
 *
 * @param step    the step
 * @param elapsed wall-clock time the step took
 * @param actions what it did, one line each, in order
 */
public record StepReport(UpgradeStep step, Duration elapsed, List<String> actions) {
    public StepReport {
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(elapsed, "elapsed");
        actions = List.copyOf(actions);
    }
}
