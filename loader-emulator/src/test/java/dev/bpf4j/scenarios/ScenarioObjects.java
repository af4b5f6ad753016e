package dev.bpf4j.scenarios;

import dev.bpf4j.backend.Backend;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.SpecReader;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;

import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/** Loading the scenarios' testdata objects, and reading their maps back as the tests' model. */
final class ScenarioObjects {
    private ScenarioObjects() {
    }

    static Target target(ByteOrder order) {
        return order == ByteOrder.LITTLE_ENDIAN ? Target.BPFEL : Target.BPFEB;
    }

    /** The linked plan of testdata object {@code NAME_version} ("old", "new", "migration"). */
    static LoadPlan plan(Scenario s, String version) {
        String name = s.name() + "_" + version;
        return Linker.link(SpecReader.read(name + ".o", TestObjects.object(name, target(s.order()))));
    }

    static LoadedObject load(Backend backend, Scenario s, String version) {
        return backend.load(plan(s, version));
    }

    /**
     * The map's contents as key -> value, both hex, for comparison with what the model
     * expects: equal maps give equal strings, and a failure shows the difference.
     */
    static Map<String, String> contents(MapHandle map) {
        var out = new TreeMap<String, String>();
        for (MapHandle.Entry e : map.entries())
            out.put(HexFormat.of().formatHex(e.key()), HexFormat.of().formatHex(e.value()));
        return out;
    }

    /** What a map of {@code s} must hold for the model {@code state} (key -> last value set), in the new or old layout. */
    static Map<String, String> expected(Scenario s, Map<Integer, Integer> state, boolean newLayout) {
        var out = new TreeMap<String, String>();
        state.forEach((k, v) -> out.put(HexFormat.of().formatHex(newLayout ? s.newKey(k) : s.oldKey(k)),
                HexFormat.of().formatHex(newLayout ? s.newValue(k, v) : s.oldValue(k, v))));
        return out;
    }

    /** Keys of {@code expected} and {@code actual} that differ, described: lost, stale, or wrong value. */
    static String difference(Map<String, String> expected, Map<String, String> actual) {
        StringBuilder b = new StringBuilder();
        int lost = 0, stale = 0, wrong = 0;
        for (var e : expected.entrySet()) {
            String a = actual.get(e.getKey());
            if (a == null) {
                lost++;
                b.append("\n  lost  ").append(e.getKey()).append(" = ").append(e.getValue());
            } else if (!a.equals(e.getValue())) {
                wrong++;
                b.append("\n  wrong ").append(e.getKey()).append(" = ").append(a).append(", expected ").append(e.getValue());
            }
        }
        for (var e : actual.entrySet())
            if (!expected.containsKey(e.getKey())) {
                stale++;
                b.append("\n  stale ").append(e.getKey()).append(" = ").append(e.getValue()).append(" (cleared or never set)");
            }
        return lost + " lost, " + stale + " stale, " + wrong + " wrong:" + b;
    }
}
