package dev.bpf4j.upgrade;

import dev.bpf4j.loader.SectionTable.MapTraceTarget;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a {@link StatefulUpgrade} will do, decided and checked before anything changes
 * ({@link StatefulUpgrade#plan()}).
 *
 * <pre>{@code
 * UpgradePlan p = StatefulUpgrade.of(backend, old, newSpec, migSpec).plan();   // throws if the upgrade cannot work
 * p.dependencies().forEach(d -> System.out.println(d.before() + " reads " + d.map() + ", which " + d.after() + " writes"));
 * }</pre>
 *
 * @param reusedMaps   migration map name to the map it stands for, e.g. {@code old_values -> values (old)}
 * @param newTracers   the new object's own map tracers, attached to its maps when it is loaded
 * @param tracers      the migration's copy-on-write tracers and the old maps they are attached to, in
 *                     attach order: delete tracers first, so that no traced update can be
 *                     followed by an untraced delete
 * @param copies       the migration's iterators and the old maps each runs over
 * @param swapOrder    the programs of the old hook links, in the order their links are swapped
 * @param dependencies why the order is what it is
 * @param unattached   programs of the new object that no old link runs, left unattached
 */
public record UpgradePlan(Map<String, String> reusedMaps, List<MapTracer> newTracers, List<MapTracer> tracers,
                          List<BulkCopy> copies, List<String> swapOrder, List<Dependency> dependencies,
                          List<String> unattached) {
    public UpgradePlan {
        reusedMaps = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(reusedMaps));
        newTracers = List.copyOf(newTracers);
        tracers = List.copyOf(tracers);
        copies = List.copyOf(copies);
        swapOrder = List.copyOf(swapOrder);
        dependencies = List.copyOf(dependencies);
        unattached = List.copyOf(unattached);
    }

    /** Program {@code program} traces {@code op} of map {@code map}. */
    public record MapTracer(String program, String map, MapTraceTarget.Operation op) {
        public MapTracer {
            Objects.requireNonNull(program, "program");
            Objects.requireNonNull(map, "map");
            Objects.requireNonNull(op, "op");
        }
    }

    /** Iterator {@code iterator} of the migration object runs over the old map {@code oldMap}. */
    public record BulkCopy(String iterator, String oldMap) {
        public BulkCopy {
            Objects.requireNonNull(iterator, "iterator");
            Objects.requireNonNull(oldMap, "oldMap");
        }
    }

    /**
     * {@code before} is swapped before {@code after} because it reads {@code map}, which
     * {@code after} writes (itself or through the map tracers its writes trigger), and whose
     * state the migration carries over.
     */
    public record Dependency(String before, String after, String map) {
        public Dependency {
            Objects.requireNonNull(before, "before");
            Objects.requireNonNull(after, "after");
            Objects.requireNonNull(map, "map");
        }
    }
}
