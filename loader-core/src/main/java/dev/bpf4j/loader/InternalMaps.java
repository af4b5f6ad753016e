package dev.bpf4j.loader;

import dev.bpf4j.btf.BtfType;
import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.Section;

import java.util.List;
import java.util.Optional;

/**
 * libbpf's internal maps for global data: one single-element ARRAY per {@code .data*},
 * {@code .rodata*} and {@code .bss*} section, named as libbpf names them.
 */
final class InternalMaps {
    /** BPF_OBJ_NAME_LEN - 1: the kernel keeps 15 characters of a map name. */
    static final int MAX_NAME = 15;

    private InternalMaps() {
    }

    /** The kind of internal map a section gets, as libbpf decides it; empty for other sections. */
    static Optional<MapKind> kindOf(Section s) {
        String n = s.name();
        if (s.type() == Section.SHT_PROGBITS && s.size() > 0 && !s.isExecutable()) {
            if (n.equals(".data") || n.startsWith(".data."))
                return Optional.of(MapKind.DATA);
            if (n.equals(".rodata") || n.startsWith(".rodata."))
                return Optional.of(MapKind.RODATA);
        }
        if (s.isNoBits() && (n.equals(".bss") || n.startsWith(".bss.")))
            return Optional.of(MapKind.BSS);
        return Optional.empty();
    }

    static MapSpec forSection(ElfFile elf, Section s, MapKind kind, String objectName, DataSecLayout layout) {
        BtfType.DataSec datasec = layout.datasec(s.name()).orElse(null);
        int flags = kind == MapKind.RODATA ? MapSpec.F_RDONLY_PROG : 0;
        if (isMmapable(layout, s.name()))
            flags |= MapSpec.F_MMAPABLE;
        byte[] data = kind == MapKind.BSS ? null : elf.bytes(s);
        return new MapSpec(userName(objectName, s.name(), kind), kind, MapType.ARRAY, 4, (int) s.size(), 1, flags, 0,
                Pinning.NONE, 0, s.name(), 0, null, datasec, null, data, List.of());
    }

    static MapSpec forKconfig(String objectName, int size, DataSecLayout layout) {
        BtfType.DataSec datasec = layout.datasec(".kconfig").orElse(null);
        int flags = MapSpec.F_RDONLY_PROG | (isMmapable(layout, ".kconfig") ? MapSpec.F_MMAPABLE : 0);
        return new MapSpec(name(objectName, ".kconfig"), MapKind.KCONFIG, MapType.ARRAY, 4, size, 1, flags, 0,
                Pinning.NONE, 0, ".kconfig", 0, null, datasec, null, null, List.of());
    }

    // Newer libbpf (map_is_mmapable) mmaps a data map only if its DATASEC holds a non-static
    // variable; libbpf 1.1 set BPF_F_MMAPABLE on every internal map.
    private static boolean isMmapable(DataSecLayout layout, String section) {
        return layout.vars(section).map(vars -> vars.stream().anyMatch(v -> !v.isStatic())).orElse(false);
    }

    /**
     * The name libbpf's {@code bpf_map__name} reports: custom {@code .data.*} and
     * {@code .rodata.*} maps go by their whole section name ({@code map_uses_real_name}); only
     * what the kernel sees is cut to 15 characters ({@link MapSpec#kernelName()}).
     */
    static String userName(String objectName, String sectionName, MapKind kind) {
        boolean custom = kind == MapKind.DATA && !sectionName.equals(".data")
                || kind == MapKind.RODATA && !sectionName.equals(".rodata");
        return custom ? sectionName : name(objectName, sectionName);
    }

    /**
     * libbpf's {@code internal_map_name}: the object name as prefix, cut so that prefix plus
     * section name fit 15 characters (the suffix keeps at least 7); no prefix when the section
     * name has a second dot; characters other than alphanumerics, '_' and '.' become '_'.
     */
    static String name(String objectName, String sectionName) {
        int suffix = Math.min(MAX_NAME, Math.max(7, sectionName.length()));
        int prefix = sectionName.indexOf('.', 1) >= 0 ? 0 : Math.min(MAX_NAME - suffix, objectName.length());
        String raw = objectName.substring(0, prefix) + sectionName.substring(0, Math.min(suffix, sectionName.length()));
        if (raw.length() > MAX_NAME)
            raw = raw.substring(0, MAX_NAME);
        return sanitise(raw);
    }

    /** Characters the kernel refuses in object names become '_'. */
    static String sanitise(String raw) {
        StringBuilder out = new StringBuilder(raw.length());
        for (char c : raw.toCharArray())
            out.append(Character.isLetterOrDigit(c) && c < 128 || c == '_' || c == '.' ? c : '_');
        return out.toString();
    }

    /** libbpf's object name: the file's base name up to its first '.', at most 15 characters. */
    static String objectName(String fileName) {
        String base = fileName.substring(fileName.lastIndexOf('/') + 1);
        if (base.length() > MAX_NAME)
            base = base.substring(0, MAX_NAME);
        int dot = base.indexOf('.');
        return dot >= 0 ? base.substring(0, dot) : base;
    }
}
