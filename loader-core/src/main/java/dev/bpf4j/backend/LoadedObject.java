package dev.bpf4j.backend;

import dev.bpf4j.loader.SectionTable;
import dev.bpf4j.loader.SectionTable.MapTraceTarget;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An object loaded into a {@link Backend}: its maps and programs, by libbpf's names.
 * Closing it releases everything; handles obtained from it then fail with
 * {@code -EBADF}.
 *
 * <pre>{@code
 * try (LoadedObject obj = Bpf4j.open(Path.of("xdp_parser.o")).load()) {
 *     TestRunResult r = obj.program("xdp_parser").testRun(TestRun.ofData(packet));
 *     long total = obj.map("pkt_count").lookupLong(0).orElse(0);
 * }
 * }</pre>
 */
public interface LoadedObject extends AutoCloseable {
    /** The map called {@code name} (libbpf's name, e.g. {@code xdp_pars.rodata}). */
    default MapHandle map(String name) {
        return findMap(name).orElseThrow(() -> new BackendException(-BackendException.ENOENT,
                "no map '" + name + "'; maps: " + maps().stream().map(MapHandle::name).toList()));
    }

    /** The program called {@code name}. */
    default ProgramHandle program(String name) {
        return findProgram(name).orElseThrow(() -> new BackendException(-BackendException.ENOENT,
                "no program '" + name + "'; programs: " + programs().stream().map(ProgramHandle::name).toList()));
    }

    Optional<MapHandle> findMap(String name);

    Optional<ProgramHandle> findProgram(String name);

    /** The maps, in the plan's order. */
    List<MapHandle> maps();

    /** The loaded programs, in the plan's order. */
    List<ProgramHandle> programs();

    /**
     * The links that run this object's programs now: those made with
     * {@link ProgramHandle#attach} or {@link ProgramHandle#attachMapTrace} and not closed,
     * plus links of other objects {@linkplain Link#update updated} to one of its programs.
     * Closing the object closes them.
     */
    default List<Link> links() {
        return List.of();
    }

    /**
     * What a libbpf skeleton's auto-attach does for map tracing: links every program in a
     * {@code map_trace/<map>/UPDATE_ELEM|DELETE_ELEM} section to the map its section names
     * (updates by programs only), in program order, and returns the links.
     *
     * <pre>{@code
     * try (LoadedObject obj = Bpf4j.open(Path.of("map_trace.o")).load()) {
     *     obj.attachMapTracers();     // trace_values_update -> map 'values' UPDATE_ELEM, ...
     *     obj.program("values_writer").testRun(TestRun.ofData(new byte[64]));
     * }                               // closing the object detaches them
     * }</pre>
     *
     * @throws BackendException {@code -ENOTSUPP} where the backend has no map tracing
     */
    default List<Link> attachMapTracers() {
        List<Link> out = new ArrayList<>();
        for (ProgramHandle p : programs()) {
            Optional<MapTraceTarget> t = SectionTable.mapTrace(p.spec().sectionName());
            // SpecReader refuses a section naming a map the object lacks, so the map is there.
            if (t.isPresent())
                out.add(p.attachMapTrace(map(t.get().mapName()), t.get().op(), false));
        }
        return out;
    }

    /**
     * What a skeleton's auto-attach does for hooks: attaches every program whose section names
     * a hook ({@link Hook#forProgram}: {@code SEC("tc/egress")}, {@code SEC("cgroup/setsockopt")},
     * {@code SEC("xdp")}...) to it, in program order, and returns the links.
     *
     * @throws BackendException {@code -ENOTSUPP} where the backend has no hooks
     */
    default List<Link> attachHooks() {
        List<Link> out = new ArrayList<>();
        for (ProgramHandle p : programs()) {
            Optional<Hook> h = Hook.forProgram(p.spec());
            if (h.isPresent())
                out.add(p.attach(h.get()));
        }
        return out;
    }

    /** Whether {@link #close()} was called. */
    boolean isClosed();

    /** Releases the maps and programs. Idempotent. */
    @Override
    void close();
}
