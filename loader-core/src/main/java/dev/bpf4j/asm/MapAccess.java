package dev.bpf4j.asm;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which maps a program reads and which it writes, by the names its instructions reference
 * ({@link Reference.Map}, {@link Reference.MapValue}): what map tracing's loop check and
 * the stateful upgrade's swap order are computed from.
 *
 * <pre>{@code
 * MapAccess a = MapAccess.of(plan.program("tracer").instructions());
 * if (a.writes().contains("values")) ...
 * }</pre>
 *
 * @param reads  maps whose contents can flow into the program
 * @param writes maps the program can change
 */
public record MapAccess(Set<String> reads, Set<String> writes) {
    public MapAccess {
        reads = Set.copyOf(reads);
        writes = Set.copyOf(writes);
    }

    /**
     * The maps {@code instructions} (one linked program: its subprograms appended) read and
     * write, by a forward dataflow analysis that follows map handles and pointers into map
     * values through registers, stack spills, jumps and calls. A write is a map-changing
     * helper ({@code bpf_map_update_elem}, delete, push, pop, ring buffer output, local
     * storage get/delete...) called on the map, or a store or atomic operation through a
     * pointer into one of its values; a read is a looking-up helper, or a load (or fetching
     * atomic) through such a pointer.
     *
     * <p>Sound: a map the program can change is always in {@link #writes()}, a map whose
     * contents it can see in {@link #reads()}. Where the analysis cannot tell which map an
     * operation touches (a map taken from a map of maps, a tail call, {@code callx}, a kfunc
     * handed a pointer of unknown origin, malformed control flow), every referenced map
     * counts. Pointers a program gets from its context (a map tracer's key and value, an
     * iterator's element) are not attributed to a map: which map they point into is decided
     * when the program is attached, not by its instructions.
     */
    public static MapAccess of(List<Instruction> instructions) {
        return MapAccessAnalysis.analyse(instructions);
    }

    /** Every map the instructions name ({@link Reference.Map}, {@link Reference.MapValue}), in order. */
    public static Set<String> referenced(List<Instruction> instructions) {
        Set<String> all = new LinkedHashSet<>();
        for (Instruction i : instructions) {
            if (i.reference() instanceof Reference.Map m)
                all.add(m.name());
            else if (i.reference() instanceof Reference.MapValue v)
                all.add(v.map());
        }
        return all;
    }
}
