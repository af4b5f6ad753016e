package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.Link;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.loader.SectionTable.MapTraceTarget.Operation;
import dev.bpf4j.testdata.TestObjects.Target;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.bpf4j.emulator.TraceKit.attach;
import static dev.bpf4j.emulator.TraceKit.contents;
import static dev.bpf4j.emulator.TraceKit.get;
import static dev.bpf4j.emulator.TraceKit.load;
import static dev.bpf4j.emulator.TraceKit.xdp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The laws of map tracing: a copy tracer's mirror follows the traced map through every kind
 * of change (helper updates and deletes, writes through lookup pointers, user space with
 * and without the option), each change calls the tracer exactly once; and attaching is
 * refused exactly when it would close a cycle of maps and tracers.
 */
class MapTracingProperties {

    // ---- mirror and call counts against a model

    /** One step: a writer program of map_trace_pointer.c on a key, or a user-space update or delete. */
    sealed interface Step {
        record Program(String name, int key, boolean bit3) implements Step {
        }

        record UserUpdate(int key, long value) implements Step {
        }

        record UserDelete(int key) implements Step {
        }
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Integer> key = Arbitraries.integers().between(0, 7);
        Arbitrary<Step> program = Combinators.combine(
                Arbitraries.of("count_up", "count_atomic", "maybe_write", "write_then_update", "twice", "remove"),
                key, Arbitraries.of(true, false)).as(Step.Program::new);
        Arbitrary<Step> update = Combinators.combine(key, Arbitraries.longs()).as(Step.UserUpdate::new);
        Arbitrary<Step> delete = key.map(Step.UserDelete::new);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, program), net.jqwik.api.Tuple.of(2, update),
                net.jqwik.api.Tuple.of(1, delete)).list().ofMaxSize(40);
    }

    /** What the maps and counters must hold after the steps. */
    static final class Model {
        final Map<Long, Long> counters = new TreeMap<>(), mirror = new TreeMap<>();
        long updates, deletes;
        final boolean userTraced;

        Model(boolean userTraced) {
            this.userTraced = userTraced;
        }

        void set(long k, long v, boolean traced) {
            counters.put(k, v);
            if (traced) {
                mirror.put(k, v);
                updates++;
            }
        }

        void remove(long k, boolean traced) {
            if (counters.remove(k) == null)
                return;
            if (traced) {
                mirror.remove(k);
                deletes++;
            }
        }

        void apply(Step step) {
            if (step instanceof Step.UserUpdate u) {
                set(u.key(), u.value(), userTraced);
            } else if (step instanceof Step.UserDelete d) {
                remove(d.key(), userTraced);
            } else if (step instanceof Step.Program p) {
                long k = p.key();
                Long v = counters.get(k);
                switch (p.name()) {
                    case "count_up" -> set(k, v == null ? 1 : v + 1, true);
                    case "count_atomic" -> { if (v != null) set(k, v + 1, true); }
                    case "maybe_write" -> { if (v != null && !p.bit3() && 2 * v + 1 != v) set(k, 2 * v + 1, true); }
                    case "write_then_update" -> { if (v != null) set(k, v + 110, true); }
                    case "twice" -> { if (v != null) set(k, v + 2, true); }
                    case "remove" -> remove(k, true);
                    default -> throw new AssertionError(p.name());
                }
            }
        }
    }

    @Property(tries = 150)
    void theMirrorFollowsEveryTracedChangeOnce(@ForAll("steps") List<Step> steps, @ForAll boolean userTraced,
                                               @ForAll boolean bigEndian) {
        try (LoadedObject o = load(new EmulatorBackend(), "map_trace_pointer", bigEndian ? Target.BPFEB : Target.BPFEL)) {
            MapHandle counters = o.map("counters");
            attach(o, "mirror_update", counters, Operation.UPDATE_ELEM, userTraced);
            attach(o, "mirror_delete", counters, Operation.DELETE_ELEM, userTraced);
            var model = new Model(userTraced);
            for (Step step : steps) {
                model.apply(step);
                if (step instanceof Step.Program p) {
                    xdp(o, p.name(), 16 + p.key() + (p.bit3() ? 8 : 0));
                } else if (step instanceof Step.UserUpdate u) {
                    counters.update(counters.key(u.key()), counters.value(u.value()));
                } else if (step instanceof Step.UserDelete d) {
                    try {
                        counters.delete(counters.key(d.key()));
                    } catch (BackendException e) {
                        assertEquals(-BackendException.ENOENT, e.errno());
                    }
                }
            }
            assertEquals(model.counters, contents(counters));
            assertEquals(model.mirror, contents(o.map("mirror")));
            if (userTraced)
                assertEquals(contents(counters), contents(o.map("mirror")));
            assertEquals(model.updates, get(o.map("calls"), 0), "update tracer calls");
            assertEquals(model.deletes, get(o.map("calls"), 1), "delete tracer calls");
        }
    }

    // ---- the loop check against a graph model

    /**
     * One attempt: an instance of map_trace_loops.o whose three maps (traced_map, map0,
     * map1: all hash 4 4 16) are bound to maps {@code bind} of a pool, its program
     * {@code program} attached to pool map {@code target}; or, with {@code close}, the
     * closing of an earlier link.
     */
    record Attempt(int[] bind, String program, int target, boolean close, int which) {
    }

    static final int POOL = 5;

    @Provide
    Arbitrary<List<Attempt>> attempts() {
        Arbitrary<Integer> map = Arbitraries.integers().between(0, POOL - 1);
        return Combinators.combine(map.array(int[].class).ofSize(3), Arbitraries.of("loop0", "tracer0", "tracer1"), map,
                Arbitraries.integers().between(0, 9).map(n -> n == 0), Arbitraries.integers().between(0, 100))
                .as(Attempt::new).list().ofMinSize(1).ofMaxSize(12);
    }

    /** The name a program writes: loop0 traced_map, tracer0 map1, tracer1 map0. */
    static int written(Attempt a) {
        return switch (a.program()) {
            case "loop0" -> a.bind()[0];
            case "tracer0" -> a.bind()[2];
            default -> a.bind()[1];
        };
    }

    static boolean reaches(Map<Integer, List<Integer>> edges, int from, int to) {
        var seen = new HashSet<Integer>();
        var todo = new ArrayDeque<Integer>(List.of(from));
        while (!todo.isEmpty()) {
            int m = todo.pop();
            if (m == to)
                return true;
            if (seen.add(m))
                todo.addAll(edges.getOrDefault(m, List.of()));
        }
        return false;
    }

    @Property(tries = 120)
    void attachingIsRefusedExactlyWhenItClosesACycle(@ForAll("attempts") List<Attempt> attempts) {
        var backend = new EmulatorBackend();
        var objects = new ArrayList<LoadedObject>();
        try {
            var pool = new ArrayList<MapHandle>();
            while (pool.size() < POOL) {
                LoadedObject o = load(backend, "map_trace_loops", Target.BPFEL);
                objects.add(o);
                pool.add(o.map("traced_map"));
                pool.add(o.map("map0"));
                pool.add(o.map("map1"));
            }
            var links = new ArrayList<Link>();
            var linkEdges = new ArrayList<int[]>(); // {from (traced), to (written)}
            for (Attempt a : attempts) {
                if (a.close()) {
                    if (!links.isEmpty()) {
                        int i = a.which() % links.size();
                        links.remove(i).close();
                        linkEdges.remove(i);
                    }
                    continue;
                }
                LoadedObject inst = load(backend, "map_trace_loops", Target.BPFEL, Map.of(
                        "traced_map", pool.get(a.bind()[0]), "map0", pool.get(a.bind()[1]), "map1", pool.get(a.bind()[2])));
                objects.add(inst);
                Map<Integer, List<Integer>> edges = new HashMap<>();
                for (int[] e : linkEdges)
                    edges.computeIfAbsent(e[0], k -> new ArrayList<>()).add(e[1]);
                boolean loops = reaches(edges, written(a), a.target());
                try {
                    Link l = attach(inst, a.program(), pool.get(a.target()), Operation.UPDATE_ELEM, false);
                    if (loops)
                        fail("attached " + a.program() + " to pool map " + a.target() + " writing " + written(a)
                                + " though the graph " + edges + " closes a cycle");
                    links.add(l);
                    linkEdges.add(new int[] {a.target(), written(a)});
                } catch (BackendException e) {
                    assertEquals(-BackendException.ELOOP, e.errno(), e.getMessage());
                    assertTrue(loops, "refused without a cycle: " + e.getMessage() + " graph " + edges);
                    assertTrue(e.getMessage().contains("would loop: map '"), e.getMessage());
                }
            }
        } finally {
            for (LoadedObject o : objects)
                o.close();
        }
    }
}
