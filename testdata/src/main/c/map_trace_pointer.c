// SPDX-License-Identifier: GPL-2.0
/*
 * map_trace_pointer.c - updates through the pointer bpf_map_lookup_elem
 * returns (the seeds' open question 1), with no change to the program.
 *
 * Covers:
 *  - "counters" (hash u32 -> u64) is traced: mirror_update copies every
 *    update into "mirror", mirror_delete removes deletes from it, and both
 *    count their calls in "calls" (slot 0 updates, slot 1 deletes);
 *  - writers (SEC "xdp"; the key is the packet length & 7):
 *    count_up: *ptr += 1, or insert 1 with BPF_NOEXIST when absent;
 *    count_atomic: __sync_fetch_and_add(ptr, 1) (an atomic add);
 *    maybe_write: stores the same bytes back when the length has bit 3
 *    set (no change: no report), else doubles plus one;
 *    write_then_update: writes through the pointer, then updates the same
 *    element with the helper (one report, not two);
 *    twice: two lookups of the same key and two writes (one report);
 *    remove: bpf_map_delete_elem;
 *  - "lru" (LRU hash, 2 entries): lru_put stores lru[len] = len; the
 *    tracers attached to it see the updates, never the evictions.
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
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} mirror SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} calls SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} lru SEC(".maps");

static __always_inline void bump(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&calls, &slot);

	if (n)
		__sync_fetch_and_add(n, 1);
}

SEC("map_trace/counters/UPDATE_ELEM")
int mirror_update(struct bpf_map_trace_ctx *ctx)
{
	__u32 key = *(__u32 *)ctx->key;
	__u64 val = *(__u64 *)ctx->value;

	bump(0);
	bpf_map_update_elem(&mirror, &key, &val, BPF_ANY);
	return 0;
}

SEC("map_trace/counters/DELETE_ELEM")
int mirror_delete(struct bpf_map_trace_ctx *ctx)
{
	__u32 key = *(__u32 *)ctx->key;

	bump(1);
	bpf_map_delete_elem(&mirror, &key);
	return 0;
}

static __always_inline __u32 key_of(struct xdp_md *ctx)
{
	return (ctx->data_end - ctx->data) & 7;
}

SEC("xdp")
int count_up(struct xdp_md *ctx)
{
	__u32 key = key_of(ctx);
	__u64 one = 1;
	__u64 *v = bpf_map_lookup_elem(&counters, &key);

	if (v)
		*v += 1;
	else
		bpf_map_update_elem(&counters, &key, &one, BPF_NOEXIST);
	return XDP_PASS;
}

SEC("xdp")
int count_atomic(struct xdp_md *ctx)
{
	__u32 key = key_of(ctx);
	__u64 *v = bpf_map_lookup_elem(&counters, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
	return XDP_PASS;
}

SEC("xdp")
int maybe_write(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	__u32 key = len & 7;
	__u64 *v = bpf_map_lookup_elem(&counters, &key);
	__u64 old;

	if (!v)
		return XDP_PASS;
	old = *(volatile __u64 *)v;
	if (len & 8)
		*(volatile __u64 *)v = old;
	else
		*(volatile __u64 *)v = old * 2 + 1;
	return XDP_PASS;
}

SEC("xdp")
int write_then_update(struct xdp_md *ctx)
{
	__u32 key = key_of(ctx);
	__u64 *v = bpf_map_lookup_elem(&counters, &key);
	__u64 nv;

	if (!v)
		return XDP_PASS;
	*(volatile __u64 *)v += 10;
	nv = *(volatile __u64 *)v + 100;
	bpf_map_update_elem(&counters, &key, &nv, BPF_EXIST);
	return XDP_PASS;
}

SEC("xdp")
int twice(struct xdp_md *ctx)
{
	__u32 key = key_of(ctx);
	__u64 *a = bpf_map_lookup_elem(&counters, &key);
	__u64 *b;

	if (!a)
		return XDP_PASS;
	*(volatile __u64 *)a += 1;
	b = bpf_map_lookup_elem(&counters, &key);
	if (b)
		*(volatile __u64 *)b += 1;
	return XDP_PASS;
}

SEC("xdp")
int remove(struct xdp_md *ctx)
{
	__u32 key = key_of(ctx);

	bpf_map_delete_elem(&counters, &key);
	return XDP_PASS;
}

SEC("xdp")
int lru_put(struct xdp_md *ctx)
{
	__u32 key = ctx->data_end - ctx->data;
	__u64 val = key;

	bpf_map_update_elem(&lru, &key, &val, BPF_ANY);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
