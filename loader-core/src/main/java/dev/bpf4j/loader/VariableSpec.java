package dev.bpf4j.loader;

import dev.bpf4j.btf.BtfType;

import java.util.Optional;

/**
 * A global or static variable in a data section ({@code .data*}, {@code .rodata*}, {@code .bss*}),
 * or a {@code __kconfig} extern (section {@code .kconfig}, offset as libbpf lays the map out).
 *
 * <pre>{@code
 * VariableSpec limit = spec.variable("limit").orElseThrow();
 * System.out.println(limit.section() + "+" + limit.offset() + " (" + limit.size() + " bytes)");
 * }</pre>
 *
 * @param map    name of the internal map that holds the variable
 * @param type   the variable's BTF type (the VAR's target), or null without BTF
 * @param global false for static (STB_LOCAL) variables
 * @param weak   true for weak externs (missing values read as zero)
 */
public record VariableSpec(String name, String section, String map, long offset, long size, BtfType type,
                           boolean global, boolean extern, boolean weak) {

    public Optional<BtfType> btfType() {
        return Optional.ofNullable(type);
    }
}
