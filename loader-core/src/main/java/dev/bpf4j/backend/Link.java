package dev.bpf4j.backend;

/**
 * A program attached to something: a {@link Hook} ({@link ProgramHandle#attach}) or a map
 * it traces ({@link ProgramHandle#attachMapTrace}), as the kernel's {@code bpf_link} is.
 * Closing it detaches the program; {@link #update} replaces the program in place, so that
 * every firing of the hook runs either the old or the new program and never none (the
 * kernel's {@code BPF_LINK_UPDATE}): how {@link dev.bpf4j.upgrade.StatefulUpgrade} swaps
 * programs.
 *
 * <pre>{@code
 * try (Link link = obj.program("on_setsockopt").attach(Hook.of("cgroup/setsockopt"))) {
 *     ...                                     // the hook now runs the program
 *     link.update(newObj.program("on_setsockopt"));
 * }                                           // detached
 * }</pre>
 */
public interface Link extends AutoCloseable {
    /** The program the link runs now. */
    ProgramHandle program();

    /** What the program is attached to, for messages: {@code "cgroup/setsockopt"}, {@code "map 'values' UPDATE_ELEM"}. */
    String target();

    /**
     * Replaces the program atomically: every firing runs either the old program or
     * {@code replacement}, never none, and once this returns no firing still runs the old
     * one through this link (the kernel's RCU grace period): a stateful upgrade relies on
     * that before it detaches the old maps' tracers. The replacement must be of the same
     * type and attach type, and loaded in the same backend ({@code -EINVAL} otherwise);
     * {@code -ENOLINK} after {@link #close}.
     */
    void update(ProgramHandle replacement);

    /** Whether the link is still attached (not closed, and its program's object is open). */
    boolean isAttached();

    /** Detaches the program. Idempotent. */
    @Override
    void close();
}
