package dev.bpf4j.emulator;

import dev.bpf4j.loader.SectionTable.MapTraceTarget.Operation;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The seeds' open question 1, answered without changing the program: writes a program makes
 * through a pointer from {@code bpf_map_lookup_elem} (or a {@code bpf_for_each_map_elem}
 * callback's value pointer) reach the map's update tracers when the program exits.
 *
 * <p>When a run gets a pointer to the value of an element of a map that has update
 * tracers, the element is watched: its key, address and a snapshot of its bytes. When the
 * run exits ({@link VmState#exited}, after its tail calls), every watched element whose
 * bytes differ from the snapshot, and whose key still owns that address, is reported once
 * to the update tracers, with its current value and flags {@code BPF_ANY}, under the map's
 * lock. An update of the element by a helper in the same run refreshes the snapshot (the
 * helper's update was already reported). A run that faults reports nothing.
 *
 * <p>One per {@link VmState}, made on the first watched lookup: maps nobody traces cost
 * nothing.
 */
final class PointerWrites {
    /** One element: the map, its key (as a value-comparing buffer), and the CPU whose slot the pointer reaches. */
    private record Element(EmulatorMap map, ByteBuffer key, int cpu) {
    }

    private static final class Watch {
        final byte[] key;
        final long address;
        byte[] snapshot;

        Watch(byte[] key, long address, byte[] snapshot) {
            this.key = key;
            this.address = address;
            this.snapshot = snapshot;
        }
    }

    private final Map<Element, Watch> watched = new LinkedHashMap<>();

    /** A run on {@code s} got {@code address}, the value of {@code key} on {@code cpu}: watch it if the map's updates are traced. */
    static void lookedUp(VmState s, EmulatorMap m, byte[] key, long address, int cpu) {
        if (address == 0 || !m.tracers.tracesUpdates())
            return;
        PointerWrites p = s.pointers;
        if (p == null)
            p = s.pointers = new PointerWrites();
        p.watch(m, key, address, cpu);
    }

    private void watch(EmulatorMap m, byte[] lookupKey, long address, int cpu) {
        byte[] key = m.elementKey(address, lookupKey).clone();
        Element e = new Element(m, ByteBuffer.wrap(key), m.perCpu() ? cpu : 0);
        Watch w = watched.get(e);
        if (w != null && w.address == address)
            return; // looked up again: the first snapshot still tells what changed
        byte[] now = m.owner.memory.bytesOrNull(address, m.spec.valueSize());
        if (now != null)
            watched.put(e, new Watch(key, address, now));
    }

    /** A helper of this run updated {@code key} of {@code m} (and reported it): the snapshots of that element restart. */
    void updated(EmulatorMap m, byte[] key) {
        if (watched.isEmpty())
            return;
        ByteBuffer k = ByteBuffer.wrap(key);
        for (var en : watched.entrySet())
            if (en.getKey().map() == m && en.getKey().key().equals(k)) {
                Watch w = en.getValue();
                byte[] now = m.owner.memory.bytesOrNull(w.address, m.spec.valueSize());
                if (now != null)
                    w.snapshot = now;
            }
    }

    boolean pending() {
        return !watched.isEmpty();
    }

    void clear() {
        watched.clear();
    }

    /** Reports the changed elements to their update tracers, nested on {@code s}'s CPU; forgets them all. */
    void flush(VmState s) {
        List<Map.Entry<Element, Watch>> all = new ArrayList<>(watched.entrySet());
        watched.clear();
        for (var en : all) {
            EmulatorMap m = en.getKey().map();
            Watch w = en.getValue();
            synchronized (m.lock) {
                if (m.elementAddress(w.key, en.getKey().cpu()) != w.address)
                    continue; // deleted (and maybe reused by another key) since: nothing to report for this key
                byte[] now = m.owner.memory.bytesOrNull(w.address, m.spec.valueSize());
                if (now == null || Arrays.equals(now, w.snapshot))
                    continue;
                m.tracers.fire(Operation.UPDATE_ELEM, w.key, now, 0 /* BPF_ANY */, s);
            }
        }
    }
}
