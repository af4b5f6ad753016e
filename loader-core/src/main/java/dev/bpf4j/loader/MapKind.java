package dev.bpf4j.loader;

/** Where a map's definition came from. */
public enum MapKind {
    /** A variable of the {@code .maps} section, described by BTF. */
    BTF,
    /** A {@code struct bpf_map_def} in the legacy {@code maps} section. */
    LEGACY,
    /** libbpf's internal map for a {@code .data*} section. */
    DATA,
    /** libbpf's internal map for a {@code .rodata*} section (read-only to programs, frozen at load). */
    RODATA,
    /** libbpf's internal map for a {@code .bss*} section (zero-filled). */
    BSS,
    /** libbpf's internal map holding the values of {@code __kconfig} externs. */
    KCONFIG;

    /** True for the maps libbpf creates itself for global data. */
    public boolean isInternal() {
        return this == DATA || this == RODATA || this == BSS || this == KCONFIG;
    }
}
