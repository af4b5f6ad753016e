package dev.bpf4j.btf;

/**
 * A CO-RE relocation that cannot be computed at all, as opposed to one that fails against the
 * target and poisons its instruction ({@link CoreResult.Poison}). The message names the local
 * type, the access spec and what is wrong with it, e.g.
 * {@code "[7] STRUCT 'task_struct' + 0:x: access index 'x' is not a number"}.
 *
 * <pre>{@code
 * try {
 *     result = relocator.relocate(relo);
 * } catch (CoreRelocationException e) {
 *     if (e.objectFault()) ... // the object itself is malformed
 *     else ...                 // ambiguous or unusable target BTF
 * }
 * }</pre>
 */
public final class CoreRelocationException extends RuntimeException {

    private final boolean objectFault;

    CoreRelocationException(boolean objectFault, String message) {
        super(message);
        this.objectFault = objectFault;
    }

    /**
     * True when the object alone is at fault (a malformed access string, a local type that cannot
     * be relocated), whatever the target; false when the failure depends on the target BTF
     * (ambiguous candidates, a target type without a size, a field a 64-bit load cannot reach).
     */
    public boolean objectFault() {
        return objectFault;
    }
}
