package dev.bpf4j.loader;

import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.BtfFormatException;
import dev.bpf4j.btf.BtfType;
import dev.bpf4j.elf.ObjectFormatException;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads BTF-defined maps from the {@code .maps} DATASEC, following libbpf's
 * {@code parse_btf_map_def}: {@code __uint(f, v)} is {@code int (*f)[v]}, {@code __type(f, T)} is
 * {@code T *f}, {@code __array(values, T)} is {@code T *values[]}; unknown fields are errors
 * (libbpf's strict mode, its default).
 */
final class BtfMapParser {
    private static final int BTF_VAR_GLOBAL_ALLOCATED = 1;

    private final String file;
    private final Btf btf;
    private final DataSecLayout layout;

    BtfMapParser(String file, Btf btf, DataSecLayout layout) {
        this.file = file;
        this.btf = btf;
        this.layout = layout;
    }

    /** A parsed map with where its definition lies, for {@code .rel.maps} initialisers. */
    record Parsed(MapSpec spec, long offset, long size, long valuesOffset) {
        boolean covers(long at, int width) {
            return offset <= at && at + width <= offset + size;
        }
    }

    List<Parsed> parse(String sectionName, long sectionSize) {
        List<DataSecLayout.Var> vars = layout.vars(sectionName)
                .orElseThrow(() -> error("section '%s': BTF has no DATASEC '%s'", sectionName, sectionName));
        List<Parsed> maps = new ArrayList<>();
        for (int i = 0; i < vars.size(); i++) {
            DataSecLayout.Var v = vars.get(i);
            BtfType.Var var = v.var();
            String name = var.name();
            if (name.isEmpty())
                throw error("map #%d: empty name", i);
            if (v.offset() < 0 || v.offset() + v.size() > sectionSize)
                throw error("map '%s': BTF data is corrupted: offset %d size %d outside section '%s' (size %d)",
                        name, v.offset(), v.size(), sectionName, sectionSize);
            if (var.linkage() != BTF_VAR_GLOBAL_ALLOCATED)
                throw error("map '%s': unsupported map linkage %d (maps must be global)", name, var.linkage());
            BtfType def = btf.resolve(var.type());
            if (!(def instanceof BtfType.Struct struct))
                throw error("map '%s': unexpected def kind %s", name, kind(def));
            if (struct.size() > v.size())
                throw error("map '%s': invalid def size %d (variable has %d bytes)", name, struct.size(), v.size());
            Definition d = definition(name, struct, false);
            maps.add(new Parsed(d.toSpec(sectionName, v.offset()), v.offset(), v.size(), d.valuesOffset));
        }
        return maps;
    }

    /** Mutable while the members are read; a definition becomes a MapSpec at the end. */
    private final class Definition {
        final String name;
        MapType type;
        int keySize, valueSize, maxEntries, flags, numaNode;
        long mapExtra;
        Pinning pinning = Pinning.NONE;
        BtfType keyType, valueType;
        MapSpec inner;
        long valuesOffset = -1;

        Definition(String name) {
            this.name = name;
        }

        MapSpec toSpec(String section, long offset) {
            return new MapSpec(name, MapKind.BTF, type, keySize, valueSize, maxEntries, flags, numaNode, pinning,
                    mapExtra, section, offset, keyType, valueType, inner, null, List.of());
        }

        void setKeySize(long size) {
            if (keySize != 0 && keySize != size)
                throw error("map '%s': conflicting key size %d != %d", name, keySize, size);
            keySize = checkedSize(size, "key");
        }

        void setValueSize(long size) {
            if (valueSize != 0 && valueSize != size)
                throw error("map '%s': conflicting value size %d != %d", name, valueSize, size);
            valueSize = checkedSize(size, "value");
        }

        private int checkedSize(long size, String what) {
            if (size < 0 || size > 0xffff_ffffL)
                throw error("map '%s': %s size %d is out of range", name, what, size);
            return (int) size;
        }
    }

    private Definition definition(String name, BtfType.Struct struct, boolean inner) {
        Definition d = new Definition(name);
        List<BtfType.Member> members = struct.members();
        for (int i = 0; i < members.size(); i++) {
            BtfType.Member m = members.get(i);
            switch (m.name()) {
                case "type" -> {
                    long n = intField(name, m);
                    d.type = MapType.fromNumber((int) n).filter(x -> n <= Integer.MAX_VALUE)
                            .orElseThrow(() -> error("map '%s': unknown map type %d", name, n));
                }
                case "max_entries" -> d.maxEntries = (int) intField(name, m);
                case "map_flags" -> d.flags = (int) intField(name, m);
                case "numa_node" -> d.numaNode = (int) intField(name, m);
                case "key_size" -> d.setKeySize(intField(name, m));
                case "value_size" -> d.setValueSize(intField(name, m));
                case "key" -> {
                    BtfType.Pointer p = pointer(name, m, "key");
                    d.setKeySize(size(name, p.type(), "key"));
                    d.keyType = btf.type(p.type());
                }
                case "value" -> {
                    BtfType.Pointer p = pointer(name, m, "value");
                    d.setValueSize(size(name, p.type(), "value"));
                    d.valueType = btf.type(p.type());
                }
                case "values" -> {
                    if (inner)
                        throw error("map '%s': multi-level inner maps not supported", name);
                    if (i != members.size() - 1)
                        throw error("map '%s': 'values' member should be last", name);
                    d.inner = values(d, m);
                    d.valuesOffset = m.bitOffset() / 8;
                }
                case "pinning" -> {
                    if (inner)
                        throw error("map '%s': inner def can't be pinned", name);
                    long v = intField(name, m);
                    if (v != Pinning.NONE.number() && v != Pinning.BY_NAME.number())
                        throw error("map '%s': invalid pinning value %d", name, v);
                    d.pinning = v == 0 ? Pinning.NONE : Pinning.BY_NAME;
                }
                case "map_extra" -> d.mapExtra = longField(name, m);
                default -> throw error("map '%s': unknown field '%s'", name, m.name());
            }
        }
        if (d.type == null || d.type == MapType.UNSPEC)
            throw error("map '%s': map type isn't specified", name);
        return d;
    }

    /** Parses {@code values}: a zero-sized array of pointers to an inner map def or a FUNC_PROTO. */
    private MapSpec values(Definition d, BtfType.Member m) {
        boolean mapInMap = d.type == MapType.ARRAY_OF_MAPS || d.type == MapType.HASH_OF_MAPS;
        boolean progArray = d.type == MapType.PROG_ARRAY;
        if (!mapInMap && !progArray)
            throw error("map '%s': should be map-in-map or prog-array", d.name);
        String desc = mapInMap ? "map-in-map inner" : "prog-array value";
        d.setValueSize(4);
        BtfType t = btf.type(m.type());
        if (!(t instanceof BtfType.Array array) || array.count() != 0)
            throw error("map '%s': %s spec is not a zero-sized array", d.name, desc);
        BtfType element = btf.resolve(array.elementType());
        if (!(element instanceof BtfType.Pointer ptr))
            throw error("map '%s': %s def is of unexpected kind %s", d.name, desc, kind(element));
        BtfType target = btf.resolve(ptr.type());
        if (progArray) {
            if (!(target instanceof BtfType.FuncProto))
                throw error("map '%s': prog-array value def is of unexpected kind %s", d.name, kind(target));
            return null;
        }
        if (!(target instanceof BtfType.Struct innerDef))
            throw error("map '%s': map-in-map inner def is of unexpected kind %s", d.name, kind(target));
        return definition(d.name + ".inner", innerDef, true).toSpec(null, 0);
    }

    private BtfType.Pointer pointer(String map, BtfType.Member m, String what) {
        BtfType t = btf.type(m.type());
        if (!(t instanceof BtfType.Pointer p))
            throw error("map '%s': %s spec is not PTR: %s", map, what, kind(t));
        return p;
    }

    private long size(String map, int typeId, String what) {
        try {
            return btf.sizeOf(typeId);
        } catch (BtfFormatException e) {
            throw error("map '%s': can't determine %s size for type [%d]: %s", map, what, typeId, e.getMessage());
        }
    }

    /** {@code __uint(name, v)}: a pointer to an array of v elements. */
    private long intField(String map, BtfType.Member m) {
        BtfType t = btf.resolve(m.type());
        if (!(t instanceof BtfType.Pointer p))
            throw error("map '%s': attr '%s': expected PTR, got %s", map, m.name(), kind(t));
        BtfType target = btf.type(p.type());
        if (!(target instanceof BtfType.Array a))
            throw error("map '%s': attr '%s': expected ARRAY, got %s", map, m.name(), kind(target));
        return Integer.toUnsignedLong(a.count());
    }

    /** Like {@link #intField}, but newer libbpf also encodes 64-bit values as an enum constant. */
    private long longField(String map, BtfType.Member m) {
        BtfType t = btf.resolve(m.type());
        if (t instanceof BtfType.Enum e && e.values().size() == 1)
            return e.values().get(0).value();
        if (t instanceof BtfType.Enum64 e && e.values().size() == 1)
            return e.values().get(0).value();
        return intField(map, m);
    }

    private static String kind(BtfType t) {
        return t.kind().name().toLowerCase();
    }

    private ObjectFormatException error(String format, Object... args) {
        return new ObjectFormatException(file, format, args);
    }
}
