package dev.bpf4j.loader;

/** The {@code pinning} attribute of a BTF-defined map (libbpf's {@code enum libbpf_pin_type}). */
public enum Pinning {
    NONE(0),
    /** Pinned at {@code <pin root>/<map name>}, reused when compatible. */
    BY_NAME(1);

    private final int number;

    Pinning(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }
}
