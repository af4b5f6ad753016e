package dev.bpf4j.emulator;

import java.util.List;

/**
 * The context of a map element iterator (section {@code iter/bpf_map_elem}), the kernel's
 * {@code struct bpf_iter__bpf_map_elem { meta; map; key; value; }}, four 8-byte pointers;
 * key and value are NULL in the last call, which tells the program the iteration ended.
 */
final class MapIterContext {
    static final ContextLayout LAYOUT = new ContextLayout("struct bpf_iter__bpf_map_elem", 32, List.of(
            ContextField.read("meta", 0, 8, 8),
            ContextField.read("map", 8, 8, 8),
            ContextField.read("key", 16, 8, 8),
            ContextField.read("value", 24, 8, 8)));

    private MapIterContext() {
    }
}
