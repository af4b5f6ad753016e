package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.MapType;

import java.util.ArrayDeque;
import java.util.List;

/**
 * BPF_MAP_TYPE_QUEUE (FIFO) and STACK (LIFO) of up to {@code max_entries} values, without
 * keys. Push (helper 87, or a syscall update) with BPF_EXIST overwrites the oldest value
 * when full, otherwise a full map is {@code -E2BIG}; BPF_NOEXIST or unknown flags are
 * {@code -EINVAL}. Pop and peek (helpers 88, 89; syscall lookup-and-delete and lookup) of
 * an empty map are {@code -ENOENT}. A syscall delete or key iteration is {@code -EINVAL}.
 * Values are copied in and out, never addressed, so they live on the Java heap.
 */
final class QueueStackMap extends EmulatorMap {
    private static final byte[] NO_KEY = new byte[0];
    private final boolean stack;
    /** Oldest first. */
    private final ArrayDeque<byte[]> items = new ArrayDeque<>();

    QueueStackMap(EmulatorObject owner, MapSpec spec) {
        super(owner, spec);
        this.stack = spec.type() == MapType.STACK;
    }

    @Override
    long lookupAddress(byte[] key, VmState s) {
        return 0; // the verifier refuses map_lookup_elem on queues and stacks
    }

    @Override
    byte[] userLookup(byte[] key) {
        byte[] out = new byte[spec.valueSize()];
        return pop(out, false, null) == 0 ? out : null;
    }

    @Override
    byte[] userLookupAndDelete(byte[] key) {
        byte[] out = new byte[spec.valueSize()];
        return pop(out, true, null) == 0 ? out : null;
    }

    @Override
    int update(byte[] key, byte[] value, long flags, VmState s) {
        return push(value, flags, s);
    }

    @Override
    int push(byte[] value, long flags, VmState s) {
        if ((flags & 1) != 0 || flags < 0 || flags > 2)
            return -BackendException.EINVAL;
        synchronized (lock) {
            if (items.size() >= spec.maxEntries()) {
                if (flags != 2)
                    return -BackendException.E2BIG;
                deleted(MapObserver.Change.EVICT, NO_KEY, items.pollFirst(), s);
            }
            items.addLast(value.clone());
            updated(MapObserver.Change.PUSH, NO_KEY, null, value, flags, s);
        }
        return 0;
    }

    @Override
    int pop(byte[] out, boolean remove, VmState s) {
        synchronized (lock) {
            byte[] v = stack ? items.peekLast() : items.peekFirst();
            if (v == null)
                return -BackendException.ENOENT;
            System.arraycopy(v, 0, out, 0, v.length);
            if (remove) {
                if (stack)
                    items.pollLast();
                else
                    items.pollFirst();
                deleted(MapObserver.Change.POP, NO_KEY, v, s);
            }
        }
        return 0;
    }

    @Override
    List<byte[]> keyList() {
        throw error(-BackendException.EINVAL, "key iteration");
    }
}
