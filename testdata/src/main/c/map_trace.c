// SPDX-License-Identifier: GPL-2.0
/*
 * map_trace.c - the seeds' map tracing programs (never merged upstream).
 *
 * Covers:
 *  - SEC("map_trace/<map>/UPDATE_ELEM") and SEC("map_trace/<map>/DELETE_ELEM")
 *    naming the map "values" of this same object; program type TRACING,
 *    attach type BPF_TRACE_MAP (bpf4j name: trace_map). libbpf (any version)
 *    does not know these sections: UNSPEC;
 *  - the tracing context struct bpf_map_trace_ctx { key, value, flags }
 *    (defined here; pointers to the traced map's key and value; value is
 *    NULL for DELETE_ELEM);
 *  - a tracer that copies every update into a second map ("mirror", the
 *    copy-on-write migration pattern of seed 000), and counters of tracer
 *    invocations ("trace_counts": slot 0 updates, slot 1 deletes);
 *  - a writer program (SEC "xdp") that updates and deletes "values", so a
 *    test run triggers the tracers; "mirror" is not traced (no cycle).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_trace_ctx {
	void *key;
	void *value;
	__u64 flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} values SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} mirror SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} trace_counts SEC(".maps");

static __always_inline void bump(__u32 slot)
{
	__u64 *cnt = bpf_map_lookup_elem(&trace_counts, &slot);

	if (cnt)
		__sync_fetch_and_add(cnt, 1);
}

SEC("map_trace/values/UPDATE_ELEM")
int trace_values_update(struct bpf_map_trace_ctx *ctx)
{
	__u32 key = *(__u32 *)ctx->key;
	__u64 val = *(__u64 *)ctx->value;

	bump(0);
	bpf_map_update_elem(&mirror, &key, &val, ctx->flags);
	return 0;
}

SEC("map_trace/values/DELETE_ELEM")
int trace_values_delete(struct bpf_map_trace_ctx *ctx)
{
	__u32 key = *(__u32 *)ctx->key;

	bump(1);
	bpf_map_delete_elem(&mirror, &key);
	return 0;
}

SEC("xdp")
int values_writer(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	__u32 key = len & 15;
	__u64 val = len;

	if (len & 16)
		bpf_map_delete_elem(&values, &key);
	else
		bpf_map_update_elem(&values, &key, &val, BPF_ANY);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
