package dev.bpf4j.backend;

/**
 * A {@link TypedMap} was asked for a map that BTF does not type: the object has no
 * {@code .BTF}, or the map was declared by sizes ({@code __uint(key_size, 4)}, legacy
 * {@code SEC("maps")}) rather than by types, or it is of a kind typed access does not cover
 * yet (per-CPU maps). Use the map's byte-level {@link MapHandle} methods instead.
 *
 * <pre>{@code
 * try {
 *     TypedMap m = TypedMap.of(obj.map("slots"), spec);
 * } catch (UntypedMapException e) {
 *     System.err.println(e.getMessage()); // map 'slots' has no BTF key type: it was declared by size ...
 * }
 * }</pre>
 */
public final class UntypedMapException extends RuntimeException {
    UntypedMapException(String message) {
        super(message);
    }
}
