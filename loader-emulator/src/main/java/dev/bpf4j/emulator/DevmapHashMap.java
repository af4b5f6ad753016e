package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.loader.MapSpec;

import java.nio.ByteBuffer;

/**
 * BPF_MAP_TYPE_DEVMAP_HASH: a hash map of {@code struct bpf_devmap_val} (ifindex, program
 * fd) keyed by any u32, read-only to programs. Hash semantics for flags and capacity; an
 * ifindex of 0 names no device: {@code -EINVAL}; devmap programs (fd above 0) are not
 * supported: {@code -EINVAL}. The stored program id is 0.
 */
final class DevmapHashMap extends BpfHashMap {
    DevmapHashMap(EmulatorObject owner, MapSpec spec) {
        super(owner, spec, false);
    }

    @Override
    int checkValue(byte[] value, VmState s) {
        ByteBuffer v = ByteBuffer.wrap(value).order(byteOrder());
        if (v.getInt(0) == 0 || (value.length == 8 && v.getInt(4) > 0))
            return -BackendException.EINVAL;
        if (value.length == 8)
            v.putInt(4, 0);
        return 0;
    }

    boolean hasTarget(long key) {
        return peekAddress(u32Bytes(key), 0) != 0;
    }
}
