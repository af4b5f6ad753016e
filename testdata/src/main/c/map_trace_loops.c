// SPDX-License-Identifier: GPL-2.0
/*
 * map_trace_loops.c - the seeds' loop cases (bpf_map_trace_loop0.c and
 * bpf_map_trace_loop1.c of the series), written anew for bpf4j.
 *
 * Covers:
 *  - loop0, direct: a tracer of "traced_map" that updates "traced_map"
 *    itself; attaching it must be refused (-ELOOP);
 *  - loop1, indirect: tracer0 follows "map0" and writes "map1", tracer1
 *    follows "map1" and writes "map0"; each alone attaches, the second of
 *    the two is refused. Loading the object twice, the second reusing the
 *    first's maps, makes the same cycle across two objects;
 *  - a writer (SEC "xdp") that updates map0, so an attached tracer0 runs.
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
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u32);
} traced_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u32);
} map0 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u32);
} map1 SEC(".maps");

SEC("map_trace/traced_map/UPDATE_ELEM")
int loop0(struct bpf_map_trace_ctx *ctx)
{
	__u32 key = *(__u32 *)ctx->key;
	__u32 val = *(__u32 *)ctx->value + 1;

	bpf_map_update_elem(&traced_map, &key, &val, BPF_ANY);
	return 0;
}

SEC("map_trace/map0/UPDATE_ELEM")
int tracer0(struct bpf_map_trace_ctx *ctx)
{
	__u32 key = *(__u32 *)ctx->key;
	__u32 val = *(__u32 *)ctx->value;

	bpf_map_update_elem(&map1, &key, &val, BPF_ANY);
	return 0;
}

SEC("map_trace/map1/UPDATE_ELEM")
int tracer1(struct bpf_map_trace_ctx *ctx)
{
	__u32 key = *(__u32 *)ctx->key;
	__u32 val = *(__u32 *)ctx->value;

	bpf_map_update_elem(&map0, &key, &val, BPF_ANY);
	return 0;
}

SEC("xdp")
int write_map0(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	__u32 key = len & 15;

	bpf_map_update_elem(&map0, &key, &len, BPF_ANY);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
