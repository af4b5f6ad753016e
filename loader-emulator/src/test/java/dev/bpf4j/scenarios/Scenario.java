package dev.bpf4j.scenarios;

import dev.bpf4j.backend.Hook;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;

import java.nio.ByteOrder;
import java.util.Optional;

/**
 * One stateful program of the upgrade scenarios (testdata {@code NAME_old.c},
 * {@code NAME_new.c}, {@code NAME_migration.c}), seen from its application: a writer hook
 * whose firings set or clear the state of an abstract key (an int), a reader hook whose
 * firings show that state, and the bytes the old and new maps hold for a key.
 *
 * <p>Keys and values are small ints chosen by the tests ({@code 0 <= key < }{@link #maxKeys},
 * {@code 1 <= value < 0x10000}); each scenario maps them onto its own C structs, in the
 * objects' byte order.
 */
sealed interface Scenario permits Dynencap, FdAllow {
    /** Object base name: {@code NAME_old}, {@code NAME_new}, {@code NAME_migration}. */
    String name();

    ByteOrder order();

    /** The map that holds the state, in the old and new objects. */
    String map();

    String writerProgram();

    String readerProgram();

    /** Where the writer and reader attach (the sections name them: a skeleton's auto-attach). */
    Hook writerHook();

    Hook readerHook();

    /** Keys the scenario can name without running out of map room in either version. */
    int maxKeys();

    /** A writer firing that gives {@code key} the state {@code value}. */
    TestRun set(int key, int value);

    /** A writer firing that removes the state of {@code key}. */
    TestRun clear(int key);

    byte[] oldKey(int key);

    byte[] oldValue(int key, int value);

    byte[] newKey(int key);

    /** What the new map must hold for a key last set to {@code value}, converted by the migration or written by the new program. */
    byte[] newValue(int key, int value);

    /** A reader firing that asks about {@code key}. */
    TestRun read(int key);

    /**
     * Checks what a reader firing about {@code key} returned when its state is
     * {@code value} (empty: cleared or never set); a message when it is wrong.
     */
    Optional<String> checkRead(int key, Optional<Integer> value, TestRunResult result);
}
