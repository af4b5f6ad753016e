package dev.bpf4j.btf;

import java.util.Optional;

/**
 * The kind of a BTF type, numbered as in the kernel's {@code include/uapi/linux/btf.h}
 * ({@code BTF_KIND_*}). {@link #VOID} is the implicit type id 0; it never appears in a type
 * section.
 *
 * <pre>{@code
 * BtfKind k = btf.type(42).kind();
 * if (k == BtfKind.STRUCT) { ... }
 * }</pre>
 */
public enum BtfKind {
    VOID(0), INT(1), PTR(2), ARRAY(3), STRUCT(4), UNION(5), ENUM(6), FWD(7), TYPEDEF(8),
    VOLATILE(9), CONST(10), RESTRICT(11), FUNC(12), FUNC_PROTO(13), VAR(14), DATASEC(15),
    FLOAT(16), DECL_TAG(17), TYPE_TAG(18), ENUM64(19);

    // values() clones its array on every call; the type section reader asks once per type.
    private static final BtfKind[] BY_NUMBER = values();

    private final int number;

    BtfKind(int number) {
        this.number = number;
    }

    /** The kind's number in the {@code info} word of a {@code struct btf_type}. */
    public int number() {
        return number;
    }

    /** The kind with that number, or empty for a number this library does not know. */
    public static Optional<BtfKind> fromNumber(int number) {
        return Optional.ofNullable(byNumber(number));
    }

    /** Like {@link #fromNumber} without the allocation; null when unknown. */
    static BtfKind byNumber(int number) {
        return number >= 0 && number < BY_NUMBER.length ? BY_NUMBER[number] : null;
    }
}
