package dev.bpf4j.cli;

import dev.bpf4j.backend.Hook;
import dev.bpf4j.backend.Link;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.loader.SectionTable;
import dev.bpf4j.loader.SectionTable.MapTraceTarget;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a libbpf skeleton's auto-attach does, for the commands that load an object and let
 * it run: {@code map_trace/<map>/<op>} programs linked to their map, programs whose section
 * names a hook attached to it. Closing the object detaches them.
 */
final class AutoAttach {
    private AutoAttach() {
    }

    /** One link made, described for the user: "trace_values_update -> map 'values' UPDATE_ELEM". */
    record Attached(String program, String target, Link link) {
        @Override
        public String toString() {
            return program + " -> " + target;
        }
    }

    /** Links every map_trace program of {@code obj} to the map its section names, in program order. */
    static List<Attached> mapTracers(LoadedObject obj) {
        List<Attached> out = new ArrayList<>();
        for (ProgramHandle p : obj.programs()) {
            Optional<MapTraceTarget> t = SectionTable.mapTrace(p.spec().sectionName());
            if (t.isEmpty())
                continue;
            // The reader refuses a section naming a map the object lacks, so the map is there.
            MapHandle map = obj.map(t.get().mapName());
            Link l = p.attachMapTrace(map, t.get().op(), false);
            out.add(new Attached(p.name(), "map '" + map.name() + "' " + t.get().op(), l));
        }
        return out;
    }

    /** Attaches every program whose section names a hook ({@link Hook#forProgram}) to it. */
    static List<Attached> hooks(LoadedObject obj) {
        List<Attached> out = new ArrayList<>();
        for (ProgramHandle p : obj.programs()) {
            Optional<Hook> h = Hook.forProgram(p.spec());
            if (h.isPresent())
                out.add(new Attached(p.name(), h.get().toString(), p.attach(h.get())));
        }
        return out;
    }
}
