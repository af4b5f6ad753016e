package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.Link;
import dev.bpf4j.backend.ProgramHandle;

import java.util.Objects;

/**
 * What the emulator's links have in common: the program they run now (swapped atomically
 * by {@link #update}: a firing reads {@link #program} once, so it runs the old or the new
 * program, never none), and their registration in the kernel, so that
 * {@link EmulatorObject#links()} finds them and closing an object detaches them.
 * Subclasses say what they are attached to and how they detach.
 */
abstract class EmulatorLink implements Link {
    private volatile EmulatorProgram program;
    private volatile boolean closed;

    EmulatorLink(EmulatorProgram program) {
        this.program = Objects.requireNonNull(program, "program");
    }

    /** Registers the link in its program's kernel; call once the link is attached. */
    final void registered() {
        program.owner().kernel.addLink(this);
    }

    @Override
    public final EmulatorProgram program() {
        return program;
    }

    @Override
    public void update(ProgramHandle replacement) {
        if (closed)
            throw new BackendException(-BackendException.ENOLINK, "link to " + target() + " was closed");
        EmulatorProgram now = program;
        if (!(replacement instanceof EmulatorProgram p) || p.owner().kernel != now.owner().kernel)
            throw new BackendException(-BackendException.EINVAL, "link to " + target() + ": " + replacement
                    + " is not a program of this emulator backend");
        p.owner().checkOpen();
        if (p.type() != now.type() || p.attachType() != now.attachType())
            throw new BackendException(-BackendException.EINVAL, "link to " + target() + ": cannot replace " + now + " ("
                    + now.attachTypeName() + ") by " + p + " (" + p.attachTypeName() + ")");
        checkReplacement(p);
        program = p;
    }

    /** Further checks before {@code replacement} takes over (a map tracer's loop check). */
    void checkReplacement(EmulatorProgram replacement) {
    }

    @Override
    public boolean isAttached() {
        return !closed && !program.owner().isClosed();
    }

    @Override
    public final void close() {
        synchronized (this) {
            if (closed)
                return;
            closed = true;
        }
        detach();
        program.owner().kernel.removeLink(this);
    }

    /** Takes the link off what it is attached to; called once. */
    abstract void detach();

    @Override
    public String toString() {
        return "link of " + program + " to " + target();
    }
}
