package dev.bpf4j.emulator;

import dev.bpf4j.backend.Hook;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;

import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A program linked to a {@link Hook} of the emulator ({@link Hooks}). Firings hold the
 * link's read lock while they run its program; {@link #update} and {@link #close} take the
 * write lock, so they return only once no firing runs the program they replaced or
 * detached (the emulator's stand-in for the kernel's RCU grace period). The lock is fair,
 * so a stream of firings cannot keep an update waiting: firings that start after it queue
 * behind it and run the new program.
 */
final class HookLink extends EmulatorLink {
    private final Hooks hooks;
    private final Hook hook;
    private final ReadWriteLock running = new ReentrantReadWriteLock(true);
    private volatile boolean detached;

    HookLink(Hooks hooks, Hook hook, EmulatorProgram program) {
        super(program);
        this.hooks = hooks;
        this.hook = hook;
    }

    Hook hook() {
        return hook;
    }

    @Override
    public String target() {
        return hook.toString();
    }

    /** Runs the link's current program on {@code input}; null when the link was detached meanwhile. */
    TestRunResult fire(TestRun input) {
        running.readLock().lock();
        try {
            if (detached)
                return null;
            EmulatorProgram p = program(); // read once: this firing runs p, whatever update() does meanwhile
            return p.testRun(input);
        } finally {
            running.readLock().unlock();
        }
    }

    @Override
    public void update(ProgramHandle replacement) {
        running.writeLock().lock();
        try {
            super.update(replacement);
        } finally {
            running.writeLock().unlock();
        }
    }

    @Override
    void detach() {
        running.writeLock().lock();
        try {
            detached = true;
            hooks.remove(this);
        } finally {
            running.writeLock().unlock();
        }
    }
}
