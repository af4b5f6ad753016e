package dev.bpf4j.upgrade;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * What an upgrade has done so far, as the actions that undo it: a rollback runs them in
 * reverse, each once, and goes on past those that fail so that as much as possible of the
 * old state comes back.
 */
final class Journal {
    private record Undo(String description, Runnable action) {
    }

    private final Deque<Undo> undos = new ArrayDeque<>();

    void push(String description, Runnable undo) {
        undos.push(new Undo(description, undo));
    }

    boolean isEmpty() {
        return undos.isEmpty();
    }

    /** Forgets everything: past this point the upgrade cannot be undone. */
    void commit() {
        undos.clear();
    }

    /** Undoes everything, newest first; returns the problems, done lists what was undone. */
    List<String> rollBack(List<String> done) {
        List<String> problems = new ArrayList<>();
        while (!undos.isEmpty()) {
            Undo u = undos.pop();
            try {
                u.action().run();
                done.add(u.description());
            } catch (RuntimeException e) {
                problems.add(u.description() + ": " + e.getMessage());
            }
        }
        return problems;
    }
}
