package dev.bpf4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Renders the inspect report as aligned tables for people; the JSON form is for scripts. */
final class TextReport {
    private TextReport() {
    }

    @SuppressWarnings("unchecked")
    static void print(PrintWriter out, Map<String, Object> r) {
        out.printf("%s: object '%s', %s-endian, license '%s'%s%n", r.get("file"), r.get("object"), r.get("byte_order"),
                r.get("license"), ((Integer) r.get("kernel_version")) != 0 ? ", kernel version " + r.get("kernel_version") : "");
        table(out, "Sections", (List<Object>) r.get("sections"), new String[]{"index", "name", "type_name", "flags", "size"},
                new String[]{"#", "name", "type", "flags", "size"});
        table(out, "Programs", (List<Object>) r.get("programs"),
                new String[]{"name", "section", "type_name", "attach_type_name", "attach_target", "insns", "autoload"},
                new String[]{"name", "section", "type", "attach type", "target", "insns", "autoload"});
        table(out, "Subprograms", (List<Object>) r.get("subprograms"), new String[]{"name", "insns", "global"},
                new String[]{"name", "insns", "global"});
        table(out, "Maps", (List<Object>) r.get("maps"),
                new String[]{"name", "kind", "type_name", "key_size", "value_size", "max_entries", "flags", "key_type", "value_type"},
                new String[]{"name", "kind", "type", "key", "value", "max", "flags", "key type", "value type"});
        for (Object o : (List<Object>) r.get("maps")) {
            Map<String, Object> m = (Map<String, Object>) o;
            if (m.get("inner_map") instanceof Map<?, ?> inner)
                out.printf("  %s: inner map %s key %s value %s max %s%n", m.get("name"), inner.get("type_name"),
                        inner.get("key_size"), inner.get("value_size"), inner.get("max_entries"));
            for (Object slot : (List<Object>) m.get("initial_slots")) {
                Map<String, Object> s = (Map<String, Object>) slot;
                out.printf("  %s[%s] = %s%n", m.get("name"), s.get("index"), s.get("target"));
            }
        }
        table(out, "Variables", (List<Object>) r.get("variables"), new String[]{"name", "section", "offset", "size", "type", "global"},
                new String[]{"name", "section", "offset", "size", "type", "global"});
        table(out, "Externs", (List<Object>) r.get("externs"), new String[]{"name", "kind", "weak", "type", "offset", "size"},
                new String[]{"name", "kind", "weak", "type", "offset", "size"});
        Object btf = r.get("btf");
        if (btf instanceof Map<?, ?> b)
            out.printf("%nBTF: %s types %s%n", b.get("types"), b.get("kinds"));
        else
            out.printf("%nBTF: none%n");
    }

    @SuppressWarnings("unchecked")
    private static void table(PrintWriter out, String title, List<Object> rows, String[] keys, String[] headers) {
        out.printf("%n%s (%d):%n", title, rows.size());
        if (rows.isEmpty())
            return;
        List<String[]> cells = new ArrayList<>();
        cells.add(headers);
        for (Object row : rows) {
            Map<String, Object> m = (Map<String, Object>) row;
            String[] line = new String[keys.length];
            for (int i = 0; i < keys.length; i++) {
                Object v = m.get(keys[i]);
                line[i] = v == null ? "-" : keys[i].equals("flags") ? "0x" + Long.toHexString(((Number) v).longValue()) : v.toString();
            }
            cells.add(line);
        }
        int[] width = new int[keys.length];
        for (String[] line : cells)
            for (int i = 0; i < line.length; i++)
                width[i] = Math.max(width[i], line[i].length());
        for (String[] line : cells) {
            StringBuilder b = new StringBuilder(" ");
            for (int i = 0; i < line.length; i++)
                b.append(' ').append(String.format("%-" + width[i] + "s", line[i]));
            out.println(b.toString().stripTrailing());
        }
    }
}
