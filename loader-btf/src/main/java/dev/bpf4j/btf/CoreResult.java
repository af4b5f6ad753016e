package dev.bpf4j.btf;

import java.util.Objects;

/**
 * What a CO-RE relocation computed for its instruction: a value to patch in, or a reason to
 * poison the instruction (libbpf's {@code struct bpf_core_relo_res}). Values are unsigned 64-bit
 * quantities held in a {@code long}.
 *
 * <pre>{@code
 * if (relocator.relocate(relo) instanceof CoreResult.Patch p)
 *     System.out.println(p.originalValue() + " -> " + p.newValue());
 * }</pre>
 */
public sealed interface CoreResult {

    /**
     * Patch the instruction's immediate, offset or 64-bit constant from {@code originalValue} to
     * {@code newValue}.
     *
     * @param originalValue        what the compiler put in, computed from the local BTF
     * @param newValue             what the target needs
     * @param validate             whether the instruction must hold {@code originalValue} now
     *                             (false for bitfield offsets and type ids, which a compiler or
     *                             linker may legitimately have changed)
     * @param originalSize         for a field byte offset: the local field's size, which a load or
     *                             store of it has as memory size; 0 otherwise
     * @param newSize              the target field's size; a load or store gets this size when it
     *                             differs from {@code originalSize}
     * @param memorySizeUnsafe     the sizes differ and the field is neither a pointer nor an
     *                             unsigned integer on both sides: a load or store of it must be
     *                             poisoned rather than resized
     */
    record Patch(long originalValue, long newValue, boolean validate, int originalSize, int newSize,
                 boolean memorySizeUnsafe) implements CoreResult {
    }

    /**
     * The relocation failed against the target (no matching type, field or enum value): libbpf
     * replaces the instruction with a call of the invalid helper {@code 0xbad2310}, so that the
     * program fails only if it reaches it.
     */
    record Poison(String reason) implements CoreResult {
        public Poison {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
