package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.loader.SectionTable.MapTraceTarget.Operation;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The map tracing programs linked to one map ({@link MapTraceLink}), and running them: after
 * every successful update or delete of a key, {@link EmulatorMap#updated}/{@link EmulatorMap#deleted}
 * call {@link #fire}, which runs the links of that operation in attach order, synchronously,
 * while the map's lock is held, with the context {@link MapTraceContext#LAYOUT}: pointers to
 * read-only copies of the key and value, and the update's flags (a delete: value NULL, flags 0).
 *
 * <p>A tracer fired by a program runs on the {@linkplain VmState#nested nested state} of the
 * program's CPU: its own registers and frames, the causing run's trace lines. One fired by
 * user space (a link with {@code fromUserSpace}) runs on a {@linkplain EmulatorKernel#takeSyscallState
 * syscall state}. The context, key and value regions belong to the state and are refilled
 * (remapped when the size changes) for each call: the address space never grows with the
 * number of traced updates.
 *
 * <p>The link arrays are copied on write: a map nobody traces costs one volatile read per change.
 */
final class MapTracers {
    private static final MapTraceLink[] NONE = {};

    private final EmulatorMap map;
    private volatile MapTraceLink[] updates = NONE;
    private volatile MapTraceLink[] deletes = NONE;

    MapTracers(EmulatorMap map) {
        this.map = map;
    }

    /** Whether some link runs on updates: then writes through lookup pointers are watched. */
    boolean tracesUpdates() {
        return updates.length != 0;
    }

    /** The links of both operations, in attach order (updates first). */
    List<MapTraceLink> links() {
        var out = new ArrayList<MapTraceLink>(Arrays.asList(updates));
        out.addAll(Arrays.asList(deletes));
        return out;
    }

    synchronized void add(MapTraceLink l) {
        if (l.op == Operation.UPDATE_ELEM)
            updates = append(updates, l);
        else
            deletes = append(deletes, l);
    }

    synchronized void remove(MapTraceLink l) {
        if (l.op == Operation.UPDATE_ELEM)
            updates = without(updates, l);
        else
            deletes = without(deletes, l);
    }

    private static MapTraceLink[] append(MapTraceLink[] a, MapTraceLink l) {
        MapTraceLink[] b = Arrays.copyOf(a, a.length + 1);
        b[a.length] = l;
        return b;
    }

    private static MapTraceLink[] without(MapTraceLink[] a, MapTraceLink l) {
        return Arrays.stream(a).filter(x -> x != l).toArray(MapTraceLink[]::new);
    }

    /**
     * Runs the links of {@code op} for a change of {@code key} (its new {@code value}, null
     * for a delete) that the run on {@code s} made, or user space ({@code s == null}: only
     * links with {@code fromUserSpace}). The caller holds the map's lock. A tracer's fault
     * becomes the causing run's fault, or {@code -EFAULT} for user space; the change stays.
     */
    void fire(Operation op, byte[] key, byte[] value, long flags, VmState s) {
        MapTraceLink[] links = op == Operation.UPDATE_ELEM ? updates : deletes;
        if (links.length == 0)
            return;
        if (s == null) {
            if (Arrays.stream(links).noneMatch(l -> l.fromUserSpace))
                return;
            VmState t = map.owner.kernel.takeSyscallState();
            try {
                run(links, key, value, flags, t, null, true);
            } catch (VmFault f) {
                throw new BackendException(-BackendException.EFAULT, f.getMessage(), f);
            } finally {
                map.owner.kernel.releaseSyscallState(t);
            }
        } else {
            run(links, key, value, flags, s.nested(), s, false);
        }
    }

    private void run(MapTraceLink[] links, byte[] key, byte[] value, long flags, VmState t, VmState caller, boolean user) {
        long ctx = context(t, key, value, flags);
        t.kernelRun = caller == null ? null : caller.kernelRun;
        try {
            for (MapTraceLink l : links) {
                if ((user && !l.fromUserSpace) || !l.isAttached())
                    continue;
                EmulatorProgram p = l.program();
                t.setRegister(1, ctx);
                try {
                    p.vm().run(t); // the return value means nothing to map tracing
                } catch (VmFault f) {
                    throw new VmFault(f.kind(), caller == null ? -1 : caller.slot, "map tracer '" + p.name() + "' ("
                            + l.target() + ") faulted: " + f.getMessage());
                }
            }
        } finally {
            t.kernelRun = null;
        }
    }

    /** Fills {@code t}'s context, key and value regions for one change; returns the context's address. */
    private static long context(VmState t, byte[] key, byte[] value, long flags) {
        Memory m = t.memory();
        t.traceKey = fill(m, t.traceKey, "map trace key", key);
        long v = 0;
        if (value != null) {
            t.traceValue = fill(m, t.traceValue, "map trace value", value);
            v = t.traceValue.base();
        }
        byte[] ctx = ByteBuffer.allocate(MapTraceContext.LAYOUT.size()).order(m.byteOrder())
                .putLong(0, t.traceKey.base()).putLong(8, v).putLong(16, flags).array();
        t.traceCtx = fill(m, t.traceCtx, "map trace ctx", ctx);
        return t.traceCtx.base();
    }

    /** {@code r} holding a copy of {@code bytes}: refilled in place, remapped when the size differs, mapped the first time. */
    private static Region fill(Memory m, Region r, String name, byte[] bytes) {
        if (r == null)
            return m.map(name, bytes.clone(), false);
        if (r.size() == bytes.length) {
            System.arraycopy(bytes, 0, r.bytes(), 0, bytes.length);
            return r;
        }
        return m.remap(r, bytes.clone());
    }
}
