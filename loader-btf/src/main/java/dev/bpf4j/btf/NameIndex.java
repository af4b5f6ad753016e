package dev.bpf4j.btf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Finds types by name without materialising names: the ids of all named types sorted by a hash
 * of their name bytes, two ints per type. Built on the first lookup, since many users of a
 * {@link Btf} never look a name up.
 */
final class NameIndex {

    private final TypeSection types;
    private final int[] hashes; // ascending
    private final int[] ids;    // ascending within one hash

    private NameIndex(TypeSection types, int[] hashes, int[] ids) {
        this.types = types;
        this.hashes = hashes;
        this.ids = ids;
    }

    static NameIndex build(TypeSection types) {
        StringTable strings = types.strings();
        long[] keys = new long[types.count()];
        int n = 0;
        for (int id = 1; id < types.count(); id++) {
            int off = types.nameOff(id);
            if (!strings.isEmpty(off))
                keys[n++] = (long) strings.hashAt(off) << 32 | id;
        }
        // Sorting (hash, id) pairs keeps equal-hash ids in id order, so lookups return id order.
        Arrays.sort(keys, 0, n);
        int[] hashes = new int[n], ids = new int[n];
        for (int i = 0; i < n; i++) {
            hashes[i] = (int) (keys[i] >> 32);
            ids[i] = (int) keys[i];
        }
        return new NameIndex(types, hashes, ids);
    }

    /** Ids of the types called {@code name}, ascending; empty for {@code ""}. */
    int[] find(String name) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        int hash = StringTable.hash(utf8);
        int i = Arrays.binarySearch(hashes, hash);
        if (i < 0 || utf8.length == 0)
            return new int[0];
        while (i > 0 && hashes[i - 1] == hash)
            i--;
        int[] found = new int[4];
        int n = 0;
        StringTable strings = types.strings();
        for (; i < hashes.length && hashes[i] == hash; i++) {
            if (strings.equalsAt(types.nameOff(ids[i]), utf8)) {
                if (n == found.length)
                    found = Arrays.copyOf(found, n * 2);
                found[n++] = ids[i];
            }
        }
        return Arrays.copyOf(found, n);
    }
}
