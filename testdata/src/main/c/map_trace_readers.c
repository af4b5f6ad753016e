// SPDX-License-Identifier: GPL-2.0
/*
 * map_trace_readers.c - map tracers reading their context both ways, and
 * chains of tracers.
 *
 * Covers:
 *  - collatz: the seed's toy tracer (talk 000, "A toy program"), reading
 *    key and value with bpf_probe_read and storing collatz(value) into
 *    "tracer_map";
 *  - direct: the same context read by direct loads (*(u32 *)ctx->key),
 *    storing value + key into "direct_map", with flags into "flags_seen",
 *    and a bpf_printk line (the causing run's trace);
 *  - set_value (SEC "xdp"): traced_map[len & 15] = len, with flags
 *    BPF_ANY or BPF_EXIST by bit 4 of the length;
 *  - a chain: "tracer_map" updates run chain_next, which copies into
 *    "chain_end" (tracers fire tracers, nested);
 *  - null_value: a DELETE_ELEM tracer that reads ctx->value, NULL for
 *    deletes: its fault becomes the causing run's fault;
 *  - del_direct (SEC "xdp"): deletes direct_map[len & 15];
 *  - log_a and log_b push 1 and 2 to the queue "order_log": attached to the same
 *    map, the queue shows the order they ran in (attach order). "order_log", a
 *    queue, has no keys: it cannot be traced itself.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_trace_ctx {
	void *key;
	void *value;
	__u64 flags;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u32);
} traced_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u32);
} tracer_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u32);
} direct_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} flags_seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u32);
} chain_end SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 64);
	__type(value, __u32);
} order_log SEC(".maps");

static __always_inline __u32 collatz(__u32 x)
{
	return x % 2 ? x * 3 + 1 : x / 2;
}

SEC("map_trace/traced_map/UPDATE_ELEM")
int collatz_tracer(struct bpf_map_trace_ctx *ctx)
{
	__u32 key = 0, val = 0;

	if (bpf_probe_read(&key, sizeof(key), ctx->key))
		return 1;
	if (bpf_probe_read_kernel(&val, sizeof(val), ctx->value))
		return 1;
	val = collatz(val);
	bpf_map_update_elem(&tracer_map, &key, &val, BPF_ANY);
	return 0;
}

SEC("map_trace/traced_map/UPDATE_ELEM")
int direct(struct bpf_map_trace_ctx *ctx)
{
	__u32 key = *(__u32 *)ctx->key;
	__u32 val = *(__u32 *)ctx->value + key;
	__u64 flags = ctx->flags;

	bpf_printk("traced %u", key);
	bpf_map_update_elem(&direct_map, &key, &val, BPF_ANY);
	bpf_map_update_elem(&flags_seen, &key, &flags, BPF_ANY);
	return 0;
}

SEC("map_trace/tracer_map/UPDATE_ELEM")
int chain_next(struct bpf_map_trace_ctx *ctx)
{
	__u32 key = *(__u32 *)ctx->key;
	__u32 val = *(__u32 *)ctx->value;

	bpf_map_update_elem(&chain_end, &key, &val, BPF_ANY);
	return 0;
}

SEC("map_trace/direct_map/DELETE_ELEM")
int null_value(struct bpf_map_trace_ctx *ctx)
{
	return *(__u32 *)ctx->value;
}

SEC("map_trace/traced_map/UPDATE_ELEM")
int log_a(struct bpf_map_trace_ctx *ctx)
{
	__u32 v = 1;

	bpf_map_push_elem(&order_log, &v, 0);
	return 0;
}

SEC("map_trace/traced_map/UPDATE_ELEM")
int log_b(struct bpf_map_trace_ctx *ctx)
{
	__u32 v = 2;

	bpf_map_push_elem(&order_log, &v, 0);
	return 0;
}

SEC("xdp")
int set_value(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	__u32 key = len & 15;

	bpf_map_update_elem(&traced_map, &key, &len, len & 16 ? BPF_EXIST : BPF_ANY);
	return XDP_PASS;
}

SEC("xdp")
int del_direct(struct xdp_md *ctx)
{
	__u32 key = (ctx->data_end - ctx->data) & 15;

	bpf_map_delete_elem(&direct_map, &key);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
