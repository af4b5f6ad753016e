package dev.bpf4j.btf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The types whose names carry a CO-RE flavor ({@code task_struct___old}: libbpf's
 * {@code X___Y}, the last {@code ___} between two non-underscores), by essential name (the part
 * before it). CO-RE candidate lookup needs "every type whose essential name is E": the exact
 * name E comes from {@link NameIndex}, the flavored ones from here.
 *
 * <p>Built once per {@link Btf}, on the first request: one scan of the string section for
 * {@code ___} (three bytes at a time through ordinary names), then one look at each type's name
 * offset. Flavored names are rare (vmlinux has almost none), so the result is a small map.
 */
final class FlavorIndex {

    private final Map<String, int[]> byEssential;

    private FlavorIndex(Map<String, int[]> byEssential) {
        this.byEssential = byEssential;
    }

    static FlavorIndex build(TypeSection types, byte[] strings) {
        // Offsets (in the string section) of the strings that have a flavor, and their essential lengths.
        int[] starts = new int[8], essential = new int[8];
        int n = 0;
        for (int i = 0; i + 2 < strings.length; ) {
            if (strings[i + 2] != '_') {
                i += 3;
                continue;
            }
            if (strings[i + 1] != '_') {
                i += 2;
                continue;
            }
            if (strings[i] != '_') {
                i++;
                continue;
            }
            int from = i, to = i;
            while (from > 0 && strings[from - 1] != 0)
                from--;
            while (to < strings.length && strings[to] != 0)
                to++;
            int length = essentialLength(strings, from, to);
            if (length < to - from) {
                if (n == starts.length) {
                    starts = Arrays.copyOf(starts, 2 * n);
                    essential = Arrays.copyOf(essential, 2 * n);
                }
                starts[n] = from;
                essential[n++] = length;
            }
            i = to + 1; // on to the next string
        }
        Map<String, int[]> byEssential = new HashMap<>();
        if (n == 0)
            return new FlavorIndex(byEssential);
        for (int id = 1; id < types.count(); id++) {
            int k = Arrays.binarySearch(starts, 0, n, types.nameOff(id)); // starts ascend: found in order
            if (k < 0)
                continue;
            String key = new String(strings, starts[k], essential[k], StandardCharsets.UTF_8);
            int[] ids = byEssential.get(key);
            ids = ids == null ? new int[1] : Arrays.copyOf(ids, ids.length + 1);
            ids[ids.length - 1] = id;
            byEssential.put(key, ids);
        }
        return new FlavorIndex(byEssential);
    }

    /**
     * libbpf's {@code bpf_core_essential_name_len} on the bytes {@code [from, to)}: the length
     * before the last {@code X___Y} separator, or the whole length when there is none.
     */
    static int essentialLength(byte[] s, int from, int to) {
        for (int i = to - 5; i >= from; i--)
            if (s[i] != '_' && s[i + 1] == '_' && s[i + 2] == '_' && s[i + 3] == '_' && s[i + 4] != '_')
                return i + 1 - from;
        return to - from;
    }

    /** Ids of the types with a flavored name whose essential part is {@code essential}, ascending. */
    int[] find(String essential) {
        int[] ids = byEssential.get(essential);
        return ids == null ? new int[0] : ids.clone();
    }
}
