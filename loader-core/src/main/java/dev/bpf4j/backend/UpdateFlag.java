package dev.bpf4j.backend;

/** The flags of a map update, numbered as in the kernel's uapi ({@code BPF_ANY} ...). */
public enum UpdateFlag {
    /** BPF_ANY: create a new element or update an existing one. */
    ANY(0),
    /** BPF_NOEXIST: create only; {@code -EEXIST} when the key is present. */
    NOEXIST(1),
    /** BPF_EXIST: update only; {@code -ENOENT} when the key is absent. */
    EXIST(2);

    private final int value;

    UpdateFlag(int value) {
        this.value = value;
    }

    /** The uapi value. */
    public int value() {
        return value;
    }
}
