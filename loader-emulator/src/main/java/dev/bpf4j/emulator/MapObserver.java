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
 *     Maps of maps and prog arrays: the 4-byte fd. An LRU eviction is a delete of kind
 *     {@link Change#EVICT}.</li>
 * <li>queue, stack, bloom filter: an empty key; a push is an update (old value null), a pop
 *     a delete of the popped value; a push that overwrites the oldest element first deletes
 *     it ({@link Change#EVICT}).</li>
 * <li>ring buffers and perf event arrays: the key is the record's position (ring buffer, 8
 *     bytes) or the array index (perf event array, 4 bytes); a reserve is an update with the
 *     reserved (not yet written) bytes, a submit or output an update with the record, a discard
 *     or a consumption by user space a delete, all of kind {@link Change#RECORD}.</li>
 * </ul>
 * The arrays are the observer's own copies. {@code s} is the state of the program run
 * that made the change, or {@code null} when user space made it (the bpf syscall).
 */
interface MapObserver {
    /** Observes nothing; the maps skip computing old values for it. */
    MapObserver NONE = new MapObserver() {
    };

    /**
     * What kind of operation a change was. Map tracing runs its tracers for
     * {@link #UPDATE_ELEM} and {@link #DELETE_ELEM} only: the kernel's hooks sit in
     * bpf_map_update_elem and bpf_map_delete_elem, not in the map's internals (an LRU
     * eviction is not a delete anyone asked for).
     */
    enum Change {
        /** An update of a key: bpf_map_update_elem, or BPF_MAP_UPDATE_ELEM from user space. */
        UPDATE_ELEM,
        /** A delete of a key: bpf_map_delete_elem, BPF_MAP_DELETE_ELEM or BPF_MAP_LOOKUP_AND_DELETE_ELEM. */
        DELETE_ELEM,
        /** An element the map dropped by itself to make room: LRU eviction, a queue push with BPF_EXIST. */
        EVICT,
        /** bpf_map_push_elem (queue, stack, bloom filter). */
        PUSH,
        /** bpf_map_pop_elem (queue, stack). */
        POP,
        /** A ring buffer or perf event record: reserve, submit, output, discard, consumption. */
        RECORD
    }

    /** {@code key} now has {@code newValue} (it had {@code oldValue}, or was absent); {@code flags} as the update gave them. */
    default void onUpdate(EmulatorMap map, Change change, byte[] key, byte[] oldValue, byte[] newValue, long flags, VmState s) {
    }

    /** {@code key}, whose value was {@code oldValue}, is gone. */
    default void onDelete(EmulatorMap map, Change change, byte[] key, byte[] oldValue, VmState s) {
    }
}
