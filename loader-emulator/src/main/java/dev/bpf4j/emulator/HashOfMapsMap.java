package dev.bpf4j.emulator;

import dev.bpf4j.loader.MapSpec;

/**
 * BPF_MAP_TYPE_HASH_OF_MAPS: a hash map whose 4-byte values are map fds (ids to a syscall
 * lookup). A program's lookup returns the inner map (its handle address), as the kernel
 * returns the map pointer; programs may do nothing else with it. Inner maps are checked
 * as {@link FdArrayMap#compatible}.
 */
final class HashOfMapsMap extends BpfHashMap {
    HashOfMapsMap(EmulatorObject owner, MapSpec spec) {
        super(owner, spec, false);
    }

    @Override
    int checkValue(byte[] value, VmState s) {
        Object m = FdArrayMap.innerMap(this, value);
        return m instanceof Integer e ? e : 0;
    }

    @Override
    long lookupAddress(byte[] key, VmState s) {
        long a = super.lookupAddress(key, s);
        if (a == 0 || s == null)
            return a;
        Object m = owner.byFd((int) u32(owner.memory.read(a, 4, -1)));
        return m instanceof EmulatorMap inner ? inner.handle.base() : 0;
    }
}
