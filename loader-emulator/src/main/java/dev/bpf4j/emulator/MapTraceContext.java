package dev.bpf4j.emulator;

import java.util.List;

/**
 * The context of a map tracing program (section {@code map_trace/<map>/UPDATE_ELEM} or
 * {@code DELETE_ELEM}), as the seeds define it:
 * <pre>
 * struct bpf_map_trace_ctx__update_elem { __bpf_md_ptr(void *, key); __bpf_md_ptr(void *, value); u64 flags; };
 * struct bpf_map_trace_ctx__delete_elem { __bpf_md_ptr(void *, key); };
 * </pre>
 * One layout serves both: a delete tracer's {@code value} is NULL and its {@code flags} 0.
 */
final class MapTraceContext {
    static final ContextLayout LAYOUT = new ContextLayout("struct bpf_map_trace_ctx", 24, List.of(
            ContextField.read("key", 0, 8, 8),
            ContextField.read("value", 8, 8, 8),
            ContextField.read("flags", 16, 8, 8)));

    private MapTraceContext() {
    }
}
