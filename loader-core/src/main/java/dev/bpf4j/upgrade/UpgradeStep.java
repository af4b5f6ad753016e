package dev.bpf4j.upgrade;

/**
 * The steps of a {@link StatefulUpgrade}, in the order they run: seed 000's five steps,
 * preceded by the checks that change nothing and followed, on failure, by the rollback.
 *
 * <pre>{@code
 * upgrade.listener(e -> { if (e instanceof UpgradeEvent.StepStarted s) System.out.println(s.step().title()); });
 * }</pre>
 */
public enum UpgradeStep {
    /** Link the new and migration objects and check that they fit the old one. Nothing changes. */
    VALIDATE("validate"),
    /** Load the new version, unattached (only its own map tracers run, on its own maps). */
    LOAD_NEW("load new version"),
    /** Load the migration object over the old and new maps and attach its copy-on-write tracers to the old maps. */
    ATTACH_TRACERS("attach copy-on-write tracers"),
    /** Run the migration iterators over the old maps. */
    BULK_COPY("bulk copy"),
    /** Replace the program of every hook link, readers before the writers they depend on. */
    SWAP("swap programs"),
    /** Detach and unload the migration object, then the old object. */
    UNLOAD("unload migration and old version"),
    /** Undo what the failed steps did, so that the old version serves again. */
    ROLLBACK("roll back");

    private final String title;

    UpgradeStep(String title) {
        this.title = title;
    }

    /** A short human title, e.g. "bulk copy". */
    public String title() {
        return title;
    }
}
