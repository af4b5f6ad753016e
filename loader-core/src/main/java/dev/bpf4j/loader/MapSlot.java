package dev.bpf4j.loader;

/**
 * One declaratively initialised slot of a prog array or map-in-map ({@code .values = { [2] = &x }}),
 * from {@code .rel.maps}: {@code target} names a program (prog arrays) or a map (maps of maps).
 */
public record MapSlot(int index, String target) {
}
