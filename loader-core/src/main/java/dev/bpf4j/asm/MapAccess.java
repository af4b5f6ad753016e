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
     * The maps {@code instructions} read and write. Sound: a map the program can change is
     * always in {@link #writes()}.
     */
    public static MapAccess of(List<Instruction> instructions) {
        // Conservative for now: every referenced map is read and written.
        Set<String> all = new LinkedHashSet<>();
        for (Instruction i : instructions) {
            if (i.reference() instanceof Reference.Map m)
                all.add(m.name());
            else if (i.reference() instanceof Reference.MapValue v)
                all.add(v.map());
        }
        return new MapAccess(all, all);
    }
}
