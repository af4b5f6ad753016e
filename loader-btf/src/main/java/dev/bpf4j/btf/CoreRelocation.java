package dev.bpf4j.btf;

import java.util.Optional;

/**
 * One {@code bpf_core_relo} record of {@code .BTF.ext}: an instruction whose immediate or offset
 * depends on the layout of a type in the target kernel. Parsed here as data; applying it
 * (matching the local type against the kernel's BTF) is the CO-RE relocator's business.
 *
 * <pre>{@code
 * for (CoreRelocation r : programSpec.coreRelocations())
 *     System.out.println("insn " + r.slot() + ": " + r.kind() + " of type [" + r.typeId() + "] " + r.accessString());
 * }</pre>
 *
 * @param slot         the instruction slot it patches (see {@link FuncInfo#slot()} for the base)
 * @param typeId       the local (object BTF) root type id
 * @param accessString the access spec, e.g. {@code "0:1:2"} (field path) or {@code "0"} (type
 *                     or enum value relocations); not validated here
 * @param kind         what to compute
 */
public record CoreRelocation(int slot, int typeId, String accessString, Kind kind) {

    /** The same record at another slot (records move with the code they describe). */
    public CoreRelocation atSlot(int newSlot) {
        return new CoreRelocation(newSlot, typeId, accessString, kind);
    }

    /** {@code enum bpf_core_relo_kind}, numbered as in the kernel's uapi {@code linux/bpf.h}. */
    public enum Kind {
        FIELD_BYTE_OFFSET, // 0
        FIELD_BYTE_SIZE,
        FIELD_EXISTS,
        FIELD_SIGNED,
        FIELD_LSHIFT_U64,
        FIELD_RSHIFT_U64,
        TYPE_ID_LOCAL,
        TYPE_ID_TARGET,
        TYPE_EXISTS,
        TYPE_SIZE,
        ENUMVAL_EXISTS,
        ENUMVAL_VALUE,
        TYPE_MATCHES; // 12

        private static final Kind[] VALUES = values();

        /** The uapi number, e.g. 0 for {@code BPF_CORE_FIELD_BYTE_OFFSET}. */
        public int number() {
            return ordinal();
        }

        /** The kind with that uapi number, if it is one libbpf knows. */
        public static Optional<Kind> of(int number) {
            return number >= 0 && number < VALUES.length ? Optional.of(VALUES[number]) : Optional.empty();
        }
    }
}
