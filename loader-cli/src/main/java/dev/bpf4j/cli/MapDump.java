package dev.bpf4j.cli;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.TypedMap;
import dev.bpf4j.backend.UntypedMapException;
import dev.bpf4j.btf.BtfDumper;
import dev.bpf4j.loader.ObjectSpec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The maps of a loaded object after a run: as {@code bpftool map dump} prints them (BTF-typed
 * keys and values where the object's BTF types the map, hex bytes otherwise), or as JSON
 * with raw hex keys and values so that scripts can compare with other tools.
 */
final class MapDump {
    private MapDump() {
    }

    /** Each map: a header line, then bpftool's dump. */
    static void print(PrintWriter out, LoadedObject obj, ObjectSpec spec) {
        for (MapHandle m : obj.maps()) {
            out.printf("map %s: %s, key %d, value %d, max_entries %d%n", m.name(), m.spec().type().libbpfName(),
                    m.spec().keySize(), m.spec().valueSize(), m.spec().maxEntries());
            List<MapHandle.Entry> entries = entries(m);
            String typed = typedDump(m, spec);
            if (typed != null) {
                out.print(typed);
                continue;
            }
            // bpftool's form for maps without BTF: "key: 00 01 ...  value: ..."
            for (MapHandle.Entry e : entries)
                out.println("key: " + spaced(e.key()) + "  value: " + spaced(e.value()));
            out.println("Found " + entries.size() + " element" + (entries.size() == 1 ? "" : "s"));
        }
    }

    /** {@code {"<map name>": [{"key": "<hex>", "value": "<hex>"}, ...], ...}} */
    static Map<String, Object> json(LoadedObject obj) {
        Map<String, Object> maps = new LinkedHashMap<>();
        for (MapHandle m : obj.maps()) {
            var list = new ArrayList<Object>();
            for (MapHandle.Entry e : entries(m)) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("key", HexFormat.of().formatHex(e.key()));
                entry.put("value", HexFormat.of().formatHex(e.value()));
                list.add(entry);
            }
            maps.put(m.name(), list);
        }
        return maps;
    }

    /** The entries, or none for maps user space cannot iterate (ring buffers, perf event arrays). */
    private static List<MapHandle.Entry> entries(MapHandle m) {
        try {
            return m.entries();
        } catch (BackendException e) {
            return List.of();
        }
    }

    private static String typedDump(MapHandle m, ObjectSpec spec) {
        try {
            return TypedMap.of(m, spec).dump(BtfDumper.Style.TEXT);
        } catch (UntypedMapException e) {
            return null;
        }
    }

    private static String spaced(byte[] b) {
        return HexFormat.ofDelimiter(" ").formatHex(b);
    }
}
