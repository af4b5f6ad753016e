package dev.bpf4j.backend;

import dev.bpf4j.loader.MapSpec;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A hash-like map in memory, keeping insertion order: stands in for a kernel map whose entries
 * were read with bpftool, so that {@link TypedMap#dump} can be compared with bpftool's dump of
 * the same entries in the same order.
 */
final class InMemoryMap implements MapHandle {
    private final MapSpec spec;
    private final ByteOrder order;
    private final Map<ByteBuffer, byte[]> entries = new LinkedHashMap<>();

    InMemoryMap(MapSpec spec, ByteOrder order) {
        this.spec = spec;
        this.order = order;
    }

    @Override
    public String name() {
        return spec.name();
    }

    @Override
    public MapSpec spec() {
        return spec;
    }

    @Override
    public ByteOrder byteOrder() {
        return order;
    }

    @Override
    public Optional<byte[]> lookup(byte[] key) {
        return Optional.ofNullable(entries.get(ByteBuffer.wrap(key.clone()))).map(byte[]::clone);
    }

    @Override
    public void update(byte[] key, byte[] value, UpdateFlag flag) {
        if (key.length != spec.keySize() || value.length != spec.valueSize())
            throw new BackendException(-BackendException.EINVAL, "wrong sizes");
        entries.put(ByteBuffer.wrap(key.clone()), value.clone());
    }

    @Override
    public void delete(byte[] key) {
        if (entries.remove(ByteBuffer.wrap(key.clone())) == null)
            throw new BackendException(-BackendException.ENOENT, "no such key");
    }

    @Override
    public List<byte[]> keys() {
        var out = new ArrayList<byte[]>();
        for (ByteBuffer k : entries.keySet())
            out.add(k.array().clone());
        return out;
    }
}
