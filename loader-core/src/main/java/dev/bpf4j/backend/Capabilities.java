package dev.bpf4j.backend;

import dev.bpf4j.loader.MapType;
import dev.bpf4j.loader.ProgramType;

import java.util.Set;

/**
 * What a {@link Backend} can do, so callers can ask instead of catching errors.
 *
 * <pre>{@code
 * if (backend.capabilities().testRunTypes().contains(ProgramType.XDP)) ...
 * }</pre>
 *
 * @param testRun      programs can be run with {@link ProgramHandle#testRun}
 * @param mapTracing   tracing programs can be attached to maps (map_trace/), iter/bpf_map_elem
 *                     programs iterate maps, and objects can reuse maps of other objects:
 *                     what {@link dev.bpf4j.upgrade.StatefulUpgrade} needs
 * @param pinning      maps and programs can be pinned to a file system
 * @param attach       programs can be attached to {@link Hook}s ({@link Link}s)
 * @param mapTypes     the map types the backend can create
 * @param testRunTypes the program types {@link ProgramHandle#testRun} supports
 */
public record Capabilities(boolean testRun, boolean mapTracing, boolean pinning, boolean attach,
                           Set<MapType> mapTypes, Set<ProgramType> testRunTypes) {
    public Capabilities {
        mapTypes = Set.copyOf(mapTypes);
        testRunTypes = Set.copyOf(testRunTypes);
    }
}
