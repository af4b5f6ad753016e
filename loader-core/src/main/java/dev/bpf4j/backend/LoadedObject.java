package dev.bpf4j.backend;

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

    /** Whether {@link #close()} was called. */
    boolean isClosed();

    /** Releases the maps and programs. Idempotent. */
    @Override
    void close();
}
