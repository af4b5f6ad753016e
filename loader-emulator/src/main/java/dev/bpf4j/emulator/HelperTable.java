package dev.bpf4j.emulator;

import java.util.Arrays;

/**
 * The helpers one loaded object's programs may call, by uapi id: each area of the emulator
 * kernel (maps, packets, the rest) adds its own. The verifier asks {@link #has} at load, so
 * a program that calls a helper the emulator lacks is refused there, by name, instead of
 * faulting later.
 *
 * <pre>{@code
 * HelperTable table = new HelperTable.Builder()
 *         .add(5, (r1, r2, r3, r4, r5, s) -> System.nanoTime())   // bpf_ktime_get_ns
 *         .build();
 * new Vm(insns, order, table, resolver, budget);
 * }</pre>
 */
final class HelperTable implements Helpers {
    /** One helper: arguments in r1-r5, the result goes to r0. */
    @FunctionalInterface
    interface Function {
        long call(long r1, long r2, long r3, long r4, long r5, VmState s);
    }

    private final Function[] byId;

    private HelperTable(Function[] byId) {
        this.byId = byId;
    }

    /** Whether helper {@code id} is implemented. */
    boolean has(int id) {
        return id >= 0 && id < byId.length && byId[id] != null;
    }

    @Override
    public long call(int id, long r1, long r2, long r3, long r4, long r5, VmState state) {
        if (id < 0 || id >= byId.length || byId[id] == null)
            throw VmState.unknownHelper(id, state);
        return byId[id].call(r1, r2, r3, r4, r5, state);
    }

    /** A helper called with arguments the kernel's verifier would have refused: {@code "helper bpf_<name>#<id>: what"}. */
    static VmFault misuse(int id, VmState s, String what) {
        return new VmFault(VmFault.Kind.HELPER_ARGUMENT, s.slot(), prefix(id) + what);
    }

    /** A memory fault inside helper {@code id}, named after it. */
    static VmFault named(int id, VmState s, VmFault f) {
        return new VmFault(f.kind(), s.slot(), prefix(id) + f.getMessage().replaceFirst("^instruction \\d+: ", ""));
    }

    private static String prefix(int id) {
        return "helper bpf_" + Verifier.helperName(id) + "#" + id + ": ";
    }

    static final class Builder {
        private Function[] byId = new Function[Verifier.helperCount()];

        /** Adds helper {@code id}, a uapi id the emulator has not been given yet. */
        Builder add(int id, Function f) {
            if (Verifier.helperName(id) == null)
                throw new IllegalArgumentException("helper #" + id + " is not in the kernel uapi");
            if (byId[id] != null)
                throw new IllegalArgumentException("helper bpf_" + Verifier.helperName(id) + "#" + id + " added twice");
            byId[id] = f;
            return this;
        }

        /** Adds the helper the uapi calls {@code bpf_<name>}. */
        Builder add(String name, Function f) {
            int id = Verifier.helperId(name);
            if (id < 0)
                throw new IllegalArgumentException("no helper bpf_" + name + " in the kernel uapi");
            return add(id, f);
        }

        HelperTable build() {
            return new HelperTable(Arrays.copyOf(byId, byId.length));
        }
    }
}
