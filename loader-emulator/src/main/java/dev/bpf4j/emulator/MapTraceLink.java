package dev.bpf4j.emulator;

import dev.bpf4j.asm.MapAccess;
import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.loader.AttachType;
import dev.bpf4j.loader.MapType;
import dev.bpf4j.loader.ProgramType;
import dev.bpf4j.loader.SectionTable.MapTraceTarget.Operation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * A map tracing program linked to a map: it runs after every successful {@link #op} of the
 * map (see {@link MapTracers}). Made by {@link EmulatorProgram#attachMapTrace}, which checks,
 * with the errors the seeds' {@code BPF_LINK_CREATE} would give:
 * <ul>
 * <li>the program is a map tracer (TRACING with attach type trace_map): {@code -EINVAL};</li>
 * <li>the map is a map of this backend, still open: {@code -EINVAL} / {@code -EBADF};</li>
 * <li>the map has keys ({@link #TRACEABLE}): {@code -EINVAL} naming its type;</li>
 * <li>no loop: {@code -ELOOP} when the program could, directly or through the tracers of
 *     the maps it writes, change the map it would trace. The graph (map, tracers attached to
 *     it, maps each tracer writes by {@link MapAccess}, ...) is searched depth first, and
 *     the message names the cycle. {@link #update} checks the replacement the same way.</li>
 * </ul>
 *
 * <pre>{@code
 * ProgramHandle tracer = obj.findProgram("trace_values_update").orElseThrow();
 * try (Link l = tracer.attachMapTrace(obj.findMap("values").orElseThrow(), Operation.UPDATE_ELEM, false)) {
 *     ...   // every update of "values" by a program now runs the tracer
 * }
 * }</pre>
 */
final class MapTraceLink extends EmulatorLink {
    /** The map types a tracer may follow: those with keys (the seeds' ctx has a key pointer). */
    static final Set<MapType> TRACEABLE = Collections.unmodifiableSet(EnumSet.of(MapType.ARRAY, MapType.PERCPU_ARRAY,
            MapType.HASH, MapType.PERCPU_HASH, MapType.LRU_HASH, MapType.LRU_PERCPU_HASH, MapType.LPM_TRIE));

    final EmulatorMap map;
    final Operation op;
    final boolean fromUserSpace;

    private MapTraceLink(EmulatorProgram program, EmulatorMap map, Operation op, boolean fromUserSpace) {
        super(program);
        this.map = map;
        this.op = op;
        this.fromUserSpace = fromUserSpace;
    }

    /** Checks and links {@code program} to {@code handle}; see the class comment. */
    static MapTraceLink attach(EmulatorProgram program, MapHandle handle, Operation op, boolean fromUserSpace) {
        program.owner().checkOpen();
        checkTracer(program);
        if (op == null)
            throw new BackendException(-BackendException.EINVAL, "program '" + program.name()
                    + "': no map operation to trace (UPDATE_ELEM or DELETE_ELEM)");
        if (!(handle instanceof EmulatorMap map) || map.owner.kernel != program.owner().kernel)
            throw new BackendException(-BackendException.EINVAL, "program '" + program.name() + "': cannot trace " + handle
                    + ": it is not a map of this emulator backend" + (handle instanceof EmulatorMap ? " (other byte order)" : ""));
        if (!map.alive())
            throw new BackendException(-BackendException.EBADF, "program '" + program.name() + "': cannot trace map '"
                    + map.name() + "': its object was closed");
        if (!TRACEABLE.contains(map.spec.type()))
            throw new BackendException(-BackendException.EINVAL, "program '" + program.name() + "': cannot trace " + map
                    + ": map tracing takes maps with keys (" + TRACEABLE.stream().map(MapType::libbpfName)
                    .collect(Collectors.joining(", ")) + "), not " + map.spec.type().libbpfName());
        EmulatorKernel kernel = program.owner().kernel;
        synchronized (kernel.traceGraph) {
            checkLoop(program, map, op);
            MapTraceLink l = new MapTraceLink(program, map, op, fromUserSpace);
            map.tracers.add(l);
            l.registered();
            return l;
        }
    }

    private static void checkTracer(EmulatorProgram p) {
        if (p.type() != ProgramType.TRACING || p.attachType() != AttachType.TRACE_MAP)
            throw new BackendException(-BackendException.EINVAL, "program '" + p.name() + "' (section '"
                    + p.spec().sectionName() + "', " + p.type().libbpfName() + ", " + p.attachTypeName()
                    + ") is not a map tracer: map tracing takes tracing programs with attach type trace_map"
                    + " (SEC(\"map_trace/<map>/UPDATE_ELEM\") or DELETE_ELEM)");
    }

    /** Refuses with {@code -ELOOP} when {@code p}, linked to {@code target}, could make {@code target} change again. */
    private static void checkLoop(EmulatorProgram p, EmulatorMap target, Operation op) {
        List<String> path = new ArrayList<>();
        if (reaches(p, target, path, new HashSet<>()))
            throw new BackendException(-BackendException.ELOOP, "attaching '" + p.name() + "' to map '" + target.name()
                    + "' (" + op + ") would loop: map '" + target.name() + "' -> " + String.join(" -> ", path));
    }

    /**
     * Depth-first: whether a change made by {@code p} can reach {@code target}, directly or
     * through the tracers of the maps {@code p} writes; {@code path} then holds the steps.
     * Every tracer of a written map counts, whatever its operation: which one a write fires
     * (update or delete) is not known from the instructions.
     */
    private static boolean reaches(EmulatorProgram p, EmulatorMap target, List<String> path, Set<EmulatorMap> seen) {
        for (EmulatorMap w : writes(p)) {
            path.add("program '" + p.name() + "' writes map '" + w.name() + "'");
            if (w == target)
                return true;
            if (seen.add(w))
                for (MapTraceLink l : w.tracers.links())
                    if (l.isAttached() && reaches(l.program(), target, path, seen))
                        return true;
            path.remove(path.size() - 1);
        }
        return false;
    }

    /** The maps {@code p} may write, resolved in its object (where a reused map is another object's). */
    private static Set<EmulatorMap> writes(EmulatorProgram p) {
        Set<EmulatorMap> out = new LinkedHashSet<>();
        for (String name : MapAccess.of(p.linked().instructions()).writes())
            out.add(p.owner().mapNamed(name));
        return out;
    }

    @Override
    public void update(ProgramHandle replacement) {
        // The check and the swap under one lock: a concurrent attach cannot close a cycle in between.
        synchronized (program().owner().kernel.traceGraph) {
            super.update(replacement);
        }
        awaitRunningTracers();
    }

    /**
     * Returns once no tracer run that started before is still running: tracers run under
     * the map's lock, so taking it is the grace period {@link dev.bpf4j.backend.Link#update}
     * and {@link #close} promise.
     */
    private void awaitRunningTracers() {
        synchronized (map.lock) {
            // nothing to do inside: acquiring the lock is the wait
        }
    }

    @Override
    void checkReplacement(EmulatorProgram replacement) {
        checkTracer(replacement);
        checkLoop(replacement, map, op);
    }

    @Override
    public boolean isAttached() {
        return super.isAttached() && map.alive();
    }

    @Override
    void detach() {
        map.tracers.remove(this);
        awaitRunningTracers();
    }

    @Override
    public String target() {
        return "map '" + map.name() + "' " + op;
    }
}
