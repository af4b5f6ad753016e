package dev.bpf4j.emulator;

/**
 * The helper functions a run may call ({@code call imm} with src 0, and {@code callx reg}),
 * numbered as in the kernel's uapi. Arguments arrive in r1-r5; the result goes to r0.
 * A helper that wants the program to stop at once calls {@link VmState#stop(long)}.
 *
 * <pre>{@code
 * Helpers helpers = (id, r1, r2, r3, r4, r5, state) -> {
 *     if (id == 5) return r1;                                   // the conformance suite's helper
 *     throw VmState.unknownHelper(id, state);
 * };
 * }</pre>
 */
@FunctionalInterface
public interface Helpers {
    /** No helper at all: every call is an unknown-helper fault. */
    Helpers NONE = (id, r1, r2, r3, r4, r5, state) -> {
        throw VmState.unknownHelper(id, state);
    };

    /**
     * The helpers of the bpf_conformance suite's plugins: helper 5 returns its r1, and when
     * that is 0 it ends the program at once with r0 = 0 (ubpf's "unwind" helper). Every
     * other id is unknown.
     */
    Helpers CONFORMANCE = (id, r1, r2, r3, r4, r5, state) -> {
        if (id != 5)
            throw VmState.unknownHelper(id, state);
        if (r1 == 0)
            state.stop(0);
        return r1;
    };

    /**
     * Runs helper {@code id}. An id the implementation does not know must end in
     * {@code throw VmState.unknownHelper(id, state)}, which names the id and the calling
     * instruction.
     */
    long call(int id, long r1, long r2, long r3, long r4, long r5, VmState state);
}
