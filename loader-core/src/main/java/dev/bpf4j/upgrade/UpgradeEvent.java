package dev.bpf4j.upgrade;

import java.util.List;

/**
 * What a {@link StatefulUpgrade} tells its {@link UpgradeListener} as it goes: each step's
 * start, every action it takes, its end, and a rollback.
 *
 * <pre>{@code
 * switch (event) {
 *     case UpgradeEvent.StepStarted s -> out.println("== " + s.step().title());
 *     case UpgradeEvent.Action a -> out.println("   " + a.description());
 *     case UpgradeEvent.StepFinished f -> out.println("   done in " + f.report().elapsed().toMillis() + " ms");
 *     case UpgradeEvent.RollbackStarted r -> out.println("!! " + r.failedStep() + " failed: " + r.cause());
 *     case UpgradeEvent.RollbackFinished r -> out.println("!! rolled back " + r.actions());
 * }
 * }</pre>
 */
public sealed interface UpgradeEvent {

    /** {@code step} begins. */
    record StepStarted(UpgradeStep step) implements UpgradeEvent {
    }

    /** One thing {@code step} did, e.g. "swap tc/egress (ifindex 1): dynencap_tc". */
    record Action(UpgradeStep step, String description) implements UpgradeEvent {
    }

    /** A step ended successfully. */
    record StepFinished(StepReport report) implements UpgradeEvent {
    }

    /** {@code failedStep} failed with {@code cause}; the rollback begins. */
    record RollbackStarted(UpgradeStep failedStep, String cause) implements UpgradeEvent {
    }

    /**
     * The rollback ended: {@code actions} undone, {@code problems} what could not be (empty
     * when the old version serves as before).
     */
    record RollbackFinished(UpgradeStep failedStep, List<String> actions, List<String> problems) implements UpgradeEvent {
        public RollbackFinished {
            actions = List.copyOf(actions);
            problems = List.copyOf(problems);
        }
    }
}
