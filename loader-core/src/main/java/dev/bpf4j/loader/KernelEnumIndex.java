package dev.bpf4j.loader;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Lookup of a kernel enum's constants by number and by libbpf name; built once, read-only. */
final class KernelEnumIndex<E extends KernelEnum> {
    private final Map<Integer, E> byNumber;
    private final Map<String, E> byName;

    KernelEnumIndex(E[] values) {
        byNumber = Arrays.stream(values).collect(Collectors.toUnmodifiableMap(KernelEnum::number, Function.identity()));
        byName = Arrays.stream(values).collect(Collectors.toUnmodifiableMap(KernelEnum::libbpfName, Function.identity()));
    }

    Optional<E> byNumber(int number) {
        return Optional.ofNullable(byNumber.get(number));
    }

    Optional<E> byName(String name) {
        return Optional.ofNullable(byName.get(name));
    }
}
