// SPDX-License-Identifier: GPL-2.0
/*
 * tail_calls.c - declaratively initialised prog array and maps of maps.
 *
 * Covers:
 *  - BPF_MAP_TYPE_PROG_ARRAY "jmp_table" with
 *    `.values = { [0] = &tail_a, [2] = &tail_b }` (slots 1 and 3 stay empty;
 *    the initialisers are R_BPF_64_ABS64 relocations in .rel.maps against
 *    the programs' symbols) and bpf_tail_call from the entry program;
 *  - BPF_MAP_TYPE_ARRAY_OF_MAPS "outer_arr" with
 *    `__array(values, struct inner_map)` and
 *    `.values = { [0] = &inner_a, [1] = &inner_b }`;
 *  - BPF_MAP_TYPE_HASH_OF_MAPS "outer_hash" with `.values = { [3] = &inner_b }`
 *    (libbpf inserts key 3);
 *  - inner maps defined once as `struct inner_map` and instantiated twice
 *    (inner_a, inner_b); libbpf names the outer maps' inner templates
 *    "outer_arr.inner" and "outer_hash.inner": templates, not maps of the
 *    object; libbpf creates each only briefly, for the outer map's inner_map_fd.
 * All programs are XDP: tail call targets must have the entry's type.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct inner_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner_map);
} outer_arr SEC(".maps") = {
	.values = { [0] = &inner_a, [1] = &inner_b },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, struct inner_map);
} outer_hash SEC(".maps") = {
	.values = { [3] = &inner_b },
};

int tail_a(struct xdp_md *ctx);
int tail_b(struct xdp_md *ctx);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
} jmp_table SEC(".maps") = {
	.values = {
		[0] = (void *)&tail_a,
		[2] = (void *)&tail_b,
	},
};

static __always_inline void count(__u32 outer_key, __u32 slot)
{
	void *inner = bpf_map_lookup_elem(&outer_arr, &outer_key);
	__u64 *v;

	if (!inner)
		return;
	v = bpf_map_lookup_elem(inner, &slot);
	if (v)
		__sync_fetch_and_add(v, 1);
}

SEC("xdp")
int tail_a(struct xdp_md *ctx)
{
	count(0, 0);
	return XDP_PASS;
}

SEC("xdp")
int tail_b(struct xdp_md *ctx)
{
	__u32 key = 3, slot = 1;
	void *inner = bpf_map_lookup_elem(&outer_hash, &key);
	__u64 *v;

	count(1, 2);
	if (inner) {
		v = bpf_map_lookup_elem(inner, &slot);
		if (v)
			__sync_fetch_and_add(v, 1);
	}
	return XDP_DROP;
}

SEC("xdp")
int tail_entry(struct xdp_md *ctx)
{
	__u32 idx = (ctx->data_end - ctx->data) & 3;

	count(0, 3);
	bpf_tail_call(ctx, &jmp_table, idx);
	/* slot empty (1 or 3): fall through */
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
