package dev.bpf4j.emulator;

/**
 * All the helpers of the emulator kernel, gathered from the areas that implement them:
 * {@link MapHelpers} (maps, ring buffers, tail calls), {@link PacketHelpers} (packet bytes,
 * checksums, XDP head/tail moves, redirect), {@link KernelHelpers} (time,
 * tasks, printing, strings, loops) and {@link SeqHelpers} (the output of map element
 * iterators). Each area's {@code register} only captures the object
 * in its lambdas, so the set of implemented ids is known without one.
 */
final class EmulatorHelpers {
    /** The ids the emulator implements, for verifying programs outside a loaded object. */
    private static final HelperTable IMPLEMENTED = forObject(null);

    private EmulatorHelpers() {
    }

    /** The helper table of {@code object}'s programs. */
    static HelperTable forObject(EmulatorObject object) {
        var b = new HelperTable.Builder();
        MapHelpers.register(b, object);
        PacketHelpers.register(b, object);
        KernelHelpers.register(b, object);
        SeqHelpers.register(b, object);
        return b.build();
    }

    /** Whether the emulator implements helper {@code id}. */
    static boolean implemented(int id) {
        return IMPLEMENTED.has(id);
    }
}
