package dev.bpf4j.emulator;

/**
 * Told of every change of one map, from user space and from programs alike: what map
 * tracing hooks into. {@link EmulatorMap#updated} and {@link EmulatorMap#deleted} are the
 * only callers; every mutating path of every map type goes through them, after the change,
 * while the map's lock is held (so the calls of one map come in the order of its changes).
 *
 * <p>What the arguments hold, by map type:
 * <ul>
 * <li>keyed maps (arrays, hashes, LPM tries, maps of maps, device maps): the key, the value
 *     before ({@code null} for a new key) and after. Per-CPU maps: from user space, the
 *     values of all CPUs as the syscall ABI lays them out; from a program, its CPU's value.
 *     Maps of maps and prog arrays: the 4-byte fd. An LRU eviction is a delete.</li>
 * <li>queue, stack, bloom filter: an empty key; a push is an update (old value null), a pop
 *     a delete of the popped value; a push that overwrites the oldest element first deletes it.</li>
 * <li>ring buffers and perf event arrays: the key is the record's position (ring buffer, 8
 *     bytes) or the array index (perf event array, 4 bytes); a reserve is an update with the
 *     reserved (not yet written) bytes, a submit or output an update with the record, a discard
 *     or a consumption by user space a delete.</li>
 * </ul>
 * The arrays are the observer's own copies.
 */
interface MapObserver {
    /** Observes nothing; the maps skip computing old values for it. */
    MapObserver NONE = new MapObserver() {
    };

    /** {@code key} now has {@code newValue} (it had {@code oldValue}, or was absent); {@code flags} as the update gave them. */
    default void onUpdate(EmulatorMap map, byte[] key, byte[] oldValue, byte[] newValue, long flags) {
    }

    /** {@code key}, whose value was {@code oldValue}, is gone. */
    default void onDelete(EmulatorMap map, byte[] key, byte[] oldValue) {
    }
}
