package dev.bpf4j.upgrade;

import dev.bpf4j.backend.LoadedObject;

import java.util.List;
import java.util.Objects;

/**
 * A finished {@link StatefulUpgrade}: the object now serving, and what was done.
 *
 * <pre>{@code
 * UpgradeResult r = StatefulUpgrade.of(backend, old, newSpec, migSpec).run();
 * try (LoadedObject now = r.newObject()) {
 *     System.out.println("swapped " + r.swapOrder());
 * }
 * }</pre>
 *
 * @param newObject the new version, its programs on the old version's hooks; the caller owns it
 * @param steps     one report per step, in order (VALIDATE to UNLOAD)
 * @param swapOrder the programs swapped, by name, in the order they were swapped
 * @param plan      what was checked and decided before anything changed
 */
public record UpgradeResult(LoadedObject newObject, List<StepReport> steps, List<String> swapOrder, UpgradePlan plan) {
    public UpgradeResult {
        Objects.requireNonNull(newObject, "newObject");
        steps = List.copyOf(steps);
        swapOrder = List.copyOf(swapOrder);
        Objects.requireNonNull(plan, "plan");
    }
}
