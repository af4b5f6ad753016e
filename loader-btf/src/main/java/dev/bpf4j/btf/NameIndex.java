package dev.bpf4j.btf;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Finds types by name without materialising names: an open-addressing hash table of the ids of
 * all named types, keyed by a hash of their name bytes ({@link StringTable#hashAt}), with the
 * hashes kept beside the ids so that a probe compares name bytes only on a full hash match.
 * Built on the first lookup, since many users of a {@link Btf} never look a name up; for
 * vmlinux (~85k named types) that is two int arrays of 2^17 entries, 1 MiB.
 *
 * <p>Ids are inserted in ascending order and slots are never emptied, so the entries for one
 * name lie along its probe sequence in ascending id order: lookups return ids in id order.
 */
final class NameIndex {

    private final TypeSection types;
    private final int[] ids;    // 0 = empty slot
    private final int[] hashes; // the name hash of the id in the same slot
    private final int mask;

    private NameIndex(TypeSection types, int[] ids, int[] hashes) {
        this.types = types;
        this.ids = ids;
        this.hashes = hashes;
        this.mask = ids.length - 1;
    }

    static NameIndex build(TypeSection types) {
        StringTable strings = types.strings();
        int named = 0;
        for (int id = 1; id < types.count(); id++)
            if (!strings.isEmpty(types.nameOff(id)))
                named++;
        // A power of two with at least 1.5 slots per name keeps probe sequences short.
        int capacity = Integer.highestOneBit(Math.max(2, named + named / 2 + 1) - 1) << 1;
        int[] ids = new int[capacity], hashes = new int[capacity];
        int mask = capacity - 1;
        for (int id = 1; id < types.count(); id++) {
            int off = types.nameOff(id);
            if (strings.isEmpty(off))
                continue;
            int h = strings.hashAt(off);
            int slot = h & mask;
            while (ids[slot] != 0)
                slot = (slot + 1) & mask;
            ids[slot] = id;
            hashes[slot] = h;
        }
        return new NameIndex(types, ids, hashes);
    }

    /** Ids of the types called {@code name}, ascending; empty for {@code ""}. */
    int[] find(String name) {
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        if (utf8.length == 0)
            return new int[0];
        int hash = StringTable.hash(utf8);
        StringTable strings = types.strings();
        int[] found = new int[4];
        int n = 0;
        for (int slot = hash & mask; ids[slot] != 0; slot = (slot + 1) & mask) {
            if (hashes[slot] == hash && strings.equalsAt(types.nameOff(ids[slot]), utf8)) {
                if (n == found.length)
                    found = Arrays.copyOf(found, n * 2);
                found[n++] = ids[slot];
            }
        }
        return Arrays.copyOf(found, n);
    }
}
