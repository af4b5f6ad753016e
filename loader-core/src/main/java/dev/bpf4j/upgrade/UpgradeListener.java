package dev.bpf4j.upgrade;

/**
 * Receives a {@link StatefulUpgrade}'s {@link UpgradeEvent}s, on the thread that runs it.
 * A listener that throws makes the step fail: the upgrade rolls back (a listener can so
 * veto a step, and tests use it to fail each step in turn). Exceptions thrown while the
 * rollback is reported are recorded as rollback problems, not rethrown.
 *
 * <pre>{@code
 * StatefulUpgrade.of(backend, old, newSpec, migSpec)
 *         .listener(e -> System.out.println(e))
 *         .run();
 * }</pre>
 */
@FunctionalInterface
public interface UpgradeListener {
    /** A listener that ignores everything. */
    UpgradeListener NONE = e -> { };

    void on(UpgradeEvent event);
}
