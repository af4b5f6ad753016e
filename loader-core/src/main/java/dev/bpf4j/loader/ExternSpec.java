package dev.bpf4j.loader;

import dev.bpf4j.btf.BtfType;

/**
 * An undefined global symbol the loader must supply: a {@code __kconfig} value (placed in the
 * {@code .kconfig} map at {@code offset}) or a {@code __ksym} variable or function.
 *
 * @param type   the BTF VAR's or FUNC's target type
 * @param offset byte offset in the {@code .kconfig} map; -1 for ksyms
 * @param size   byte size of a kconfig value; 0 for ksyms
 */
public record ExternSpec(String name, Kind kind, boolean weak, BtfType type, int offset, int size) {
    public enum Kind { KCONFIG, KSYM }
}
