package dev.bpf4j.backend;

import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.BtfDumper;
import dev.bpf4j.btf.BtfType;
import dev.bpf4j.btf.BtfValueException;
import dev.bpf4j.btf.BtfValues;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.MapType;
import dev.bpf4j.loader.ObjectSpec;
import dev.bpf4j.loader.VariableSpec;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A map seen through its BTF types: keys and values are Java values ({@link BtfValues}
 * describes the shapes: {@code Long} for ints, enumerator names, {@code Map}s for structs,
 * {@code List}s for arrays, {@code String}s for char arrays) instead of byte arrays.
 *
 * <pre>{@code
 * Bpf4j.OpenObject open = Bpf4j.open(Path.of("maps_btf.o"));
 * try (LoadedObject obj = open.load()) {
 *     TypedMap flows = obj.map("flows").typed(open.spec());        // struct flow_key -> struct stats
 *     flows.update(Map.of("saddr", 0x0a000001, "proto", 6), Map.of("packets", 1, "bytes", 60));
 *     Optional<Object> stats = flows.lookup(Map.of("saddr", 0x0a000001, "proto", 6));
 *     for (TypedMap.Entry e : flows.entries())
 *         System.out.println(e.key() + " -> " + e.value());      // {saddr=167772161, ...} -> {packets=1, bytes=60}
 *     System.out.print(flows.dump(BtfDumper.Style.TEXT));          // exactly what `bpftool map dump` prints
 * }
 * }</pre>
 *
 * <p>Libbpf's internal maps ({@code .data}, {@code .rodata}, {@code .bss}) are typed too: the key
 * is the index {@code 0} and the value maps variable names to values, laid out as libbpf lays
 * the section out. Errors: {@link UntypedMapException} when BTF does not type the map;
 * {@link BtfValueException} (naming the member path, e.g. {@code value.addr[3]}) for a key or
 * value of the wrong shape; {@link BackendException} from the map itself.
 */
public final class TypedMap {
    /** One decoded key and value. */
    public record Entry(Object key, Object value) {
    }

    private final MapHandle map;
    private final Btf btf;
    private final BtfType keyType; // null: an internal map, keyed by the u32 index
    private final BtfType valueType;

    private TypedMap(MapHandle map, Btf btf, BtfType keyType, BtfType valueType) {
        this.map = map;
        this.btf = btf;
        this.keyType = keyType;
        this.valueType = valueType;
    }

    /**
     * Types {@code map} with the BTF of {@code spec}, the object it was loaded from.
     *
     * @throws UntypedMapException when the map has no BTF key or value type, or is a per-CPU map
     */
    public static TypedMap of(MapHandle map, ObjectSpec spec) {
        Objects.requireNonNull(map, "map");
        Objects.requireNonNull(spec, "spec");
        MapSpec m = map.spec();
        Btf btf = spec.btfTypes().orElseThrow(() -> new UntypedMapException(
                "map '" + m.name() + "': object '" + spec.name() + "' has no .BTF, so its maps have no types"));
        switch (m.type()) {
            case PERCPU_ARRAY, PERCPU_HASH, LRU_PERCPU_HASH, PERCPU_CGROUP_STORAGE ->
                    throw new UntypedMapException("map '" + m.name() + "' is a " + m.type().libbpfName()
                            + " map: per-CPU values are not supported by typed access yet");
            default -> {
            }
        }
        BtfType value = m.valueType();
        if (value == null)
            throw new UntypedMapException("map '" + m.name() + "' has no BTF value type: it was declared by size "
                    + "(__uint(value_size, N) or SEC(\"maps\")), not with __type(value, T)");
        BtfType key = m.keyType();
        if (value instanceof BtfType.DataSec d) {
            value = fixedUp(d, m, spec);
        } else if (key == null) {
            throw new UntypedMapException("map '" + m.name() + "' has no BTF key type: it was declared by size "
                    + "(__uint(key_size, N) or SEC(\"maps\")), not with __type(key, T)");
        }
        return new TypedMap(map, btf, key, value);
    }

    /**
     * The DATASEC of an internal map as libbpf hands it to the kernel: clang leaves its size and
     * variable offsets at zero, libbpf fills them in from the ELF section and symbols (the spec's
     * variables hold them) and sorts the variables by offset.
     */
    static BtfType.DataSec fixedUp(BtfType.DataSec d, MapSpec m, ObjectSpec spec) {
        Map<String, Long> offsets = new HashMap<>();
        for (VariableSpec v : spec.variables())
            if (m.name().equals(v.map()))
                offsets.putIfAbsent(v.name(), v.offset());
        var vars = new ArrayList<BtfType.VarSecInfo>();
        for (BtfType.VarSecInfo vi : d.vars()) {
            Long off = offsets.get(spec.btfTypes().orElseThrow().name(vi.type()));
            vars.add(off == null ? vi : new BtfType.VarSecInfo(vi.type(), off.intValue(), vi.size()));
        }
        vars.sort(Comparator.comparingLong(vi -> Integer.toUnsignedLong(vi.offset())));
        return new BtfType.DataSec(d.id(), d.name(), m.valueSize(), vars);
    }

    /** The underlying byte-level map. */
    public MapHandle handle() {
        return map;
    }

    /** The key's BTF type, or empty for an internal map (keyed by index 0). */
    public Optional<BtfType> keyType() {
        return Optional.ofNullable(keyType);
    }

    /** The value's BTF type (a DATASEC, fixed up, for an internal map). */
    public BtfType valueType() {
        return valueType;
    }

    /** The value of {@code key}, decoded, or empty when absent. */
    public Optional<Object> lookup(Object key) {
        return map.lookup(encodeKey(key)).map(this::decodeValue);
    }

    /** Creates or replaces the value of {@code key} (flags and errors as {@link MapHandle#update}). */
    public void update(Object key, Object value, UpdateFlag flag) {
        map.update(encodeKey(key), encodeValue(value), flag);
    }

    public void update(Object key, Object value) {
        update(key, value, UpdateFlag.ANY);
    }

    /** Removes {@code key}: {@code -ENOENT} when absent, {@code -EINVAL} for arrays. */
    public void delete(Object key) {
        map.delete(encodeKey(key));
    }

    /** The entries, decoded, in iteration order. */
    public List<Entry> entries() {
        var out = new ArrayList<Entry>();
        for (MapHandle.Entry e : map.entries())
            out.add(new Entry(decodeKey(e.key()), decodeValue(e.value())));
        return out;
    }

    /**
     * The map's contents as {@code bpftool map dump} ({@link BtfDumper.Style#TEXT}) or
     * {@code bpftool -j map dump} ({@link BtfDumper.Style#JSON}) prints them for the same map
     * in the kernel, byte for byte, ending with a newline.
     */
    public String dump(BtfDumper.Style style) {
        var entries = new ArrayList<Map.Entry<byte[], byte[]>>();
        for (MapHandle.Entry e : map.entries())
            entries.add(Map.entry(e.key(), e.value()));
        return BtfDumper.mapDump(btf, keyType, valueType, entries, map.byteOrder(), style);
    }

    /** One value as bpftool prints it in a dump. */
    public String format(Object value, BtfDumper.Style style) {
        return BtfDumper.format(btf, valueType, encodeValue(value), map.byteOrder(), style);
    }

    /** {@code key} as the map's raw key bytes. */
    public byte[] encodeKey(Object key) {
        if (keyType == null) {
            if (!(key instanceof Number n) || n.longValue() < 0 || n.longValue() > 0xffff_ffffL)
                throw new BtfValueException("key", "expected an index (a number 0.." + 0xffff_ffffL
                        + ") for the internal map '" + map.name() + "', got " + key);
            return MapHandle.encode(n.longValue(), map.spec().keySize(), map.byteOrder());
        }
        return BtfValues.encode(btf, keyType, key, map.byteOrder(), "key");
    }

    /** {@code value} as the map's raw value bytes. */
    public byte[] encodeValue(Object value) {
        return BtfValues.encode(btf, valueType, value, map.byteOrder(), "value");
    }

    /** The map's raw key bytes, decoded. */
    public Object decodeKey(byte[] key) {
        if (keyType == null)
            return MapHandle.decode(key, map.byteOrder());
        return BtfValues.decode(btf, keyType, key, map.byteOrder(), "key");
    }

    /** The map's raw value bytes, decoded. */
    public Object decodeValue(byte[] value) {
        return BtfValues.decode(btf, valueType, value, map.byteOrder(), "value");
    }

    @Override
    public String toString() {
        return "TypedMap[" + map.name() + "]";
    }
}
