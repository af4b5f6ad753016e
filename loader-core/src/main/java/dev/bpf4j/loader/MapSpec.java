package dev.bpf4j.loader;

import dev.bpf4j.btf.BtfType;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A map as the object declares it: pure data, nothing created yet.
 *
 * <pre>{@code
 * MapSpec counters = spec.map("counters").orElseThrow();
 * System.out.println(counters.type().libbpfName() + " " + counters.keySize() + " -> " + counters.valueSize());
 * }</pre>
 *
 * @param name         libbpf's name for the map (internal maps: e.g. {@code globals.rodata})
 * @param kind         where the definition came from
 * @param sectionName  the ELF section holding the definition (or the data, for internal maps)
 * @param sectionOffset byte offset of the definition (or 0 for internal maps) in that section
 * @param keyType      BTF type of the key, or null when the object does not say
 * @param valueType    BTF type of the value (a DATASEC for internal maps), or null
 * @param innerMap     the inner map's template for maps of maps, or null
 * @param initialData  initial contents of key 0 for .data/.rodata maps; null when the map
 *                     starts zero-filled (.bss, .kconfig before resolution) or is not internal
 * @param initialSlots declarative initialisers from {@code .rel.maps}, in relocation order
 */
public record MapSpec(String name, MapKind kind, MapType type, int keySize, int valueSize, int maxEntries,
                      int flags, int numaNode, Pinning pinning, long mapExtra, String sectionName, long sectionOffset,
                      BtfType keyType, BtfType valueType, MapSpec innerMap, byte[] initialData,
                      List<MapSlot> initialSlots) {

    /** BPF_F_NO_PREALLOC. */
    public static final int F_NO_PREALLOC = 1;
    /** BPF_F_RDONLY_PROG: programs may only read the map. */
    public static final int F_RDONLY_PROG = 1 << 7;
    /** BPF_F_MMAPABLE. */
    public static final int F_MMAPABLE = 1 << 10;

    public MapSpec {
        Objects.requireNonNull(name);
        Objects.requireNonNull(kind);
        Objects.requireNonNull(type);
        initialSlots = List.copyOf(initialSlots);
        initialData = initialData == null ? null : initialData.clone();
    }

    @Override
    public byte[] initialData() {
        return initialData == null ? null : initialData.clone();
    }

    /**
     * The name the kernel is given (BPF_OBJ_NAME_LEN - 1 = 15 characters, only alphanumerics,
     * '_' and '.'). It differs from {@link #name()} only for long names, e.g. libbpf's custom
     * data maps: {@code .data.read_mostly} is {@code .data.read_most} to the kernel.
     */
    public String kernelName() {
        String cut = name.length() > InternalMaps.MAX_NAME ? name.substring(0, InternalMaps.MAX_NAME) : name;
        return InternalMaps.sanitise(cut);
    }

    public Optional<BtfType> keyBtf() {
        return Optional.ofNullable(keyType);
    }

    public Optional<BtfType> valueBtf() {
        return Optional.ofNullable(valueType);
    }

    public Optional<MapSpec> inner() {
        return Optional.ofNullable(innerMap);
    }

    MapSpec withInitialData(byte[] data) {
        return new MapSpec(name, kind, type, keySize, valueSize, maxEntries, flags, numaNode, pinning, mapExtra,
                sectionName, sectionOffset, keyType, valueType, innerMap, data, initialSlots);
    }

    MapSpec withSlots(List<MapSlot> slots) {
        return new MapSpec(name, kind, type, keySize, valueSize, maxEntries, flags, numaNode, pinning, mapExtra,
                sectionName, sectionOffset, keyType, valueType, innerMap, initialData, slots);
    }

    // Records compare arrays by identity; a spec is data, so compare contents.
    @Override
    public boolean equals(Object o) {
        return o instanceof MapSpec m && name.equals(m.name) && kind == m.kind && type == m.type
                && keySize == m.keySize && valueSize == m.valueSize && maxEntries == m.maxEntries
                && flags == m.flags && numaNode == m.numaNode && pinning == m.pinning && mapExtra == m.mapExtra
                && Objects.equals(sectionName, m.sectionName) && sectionOffset == m.sectionOffset
                && Objects.equals(keyType, m.keyType) && Objects.equals(valueType, m.valueType)
                && Objects.equals(innerMap, m.innerMap) && Arrays.equals(initialData, m.initialData)
                && initialSlots.equals(m.initialSlots);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, kind, type, keySize, valueSize, maxEntries, flags, Arrays.hashCode(initialData));
    }

    @Override
    public String toString() {
        return "MapSpec[" + name + " " + kind + " " + type.libbpfName() + " key=" + keySize + " value=" + valueSize
                + " max=" + maxEntries + " flags=0x" + Integer.toHexString(flags) + "]";
    }
}
