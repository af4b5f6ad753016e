// SPDX-License-Identifier: GPL-2.0
/*
 * subprogs.c - BPF-to-BPF calls and callbacks.
 *
 * Covers (all subprograms live in .text and are NOT programs):
 *  - static __noinline subprograms (clamp_len, mix) - calls without an ELF
 *    relocation in the same section are resolved by instruction immediate;
 *  - global __noinline subprograms (sum_bytes, classify_len) - calls carry a
 *    relocation against the function symbol (imm -1); global subprograms are
 *    verified on their own by the kernel, so their arguments are scalars;
 *  - a subprogram calling a subprogram (classify_len -> clamp_len,
 *    sum_bytes -> mix);
 *  - subprograms reached from more than one entry program, so libbpf appends
 *    a copy to each (sub_socket, sub_xdp, sub_tc);
 *  - bpf_loop with a static callback (loop_cb): ld_imm64 of a function
 *    address, src_reg BPF_PSEUDO_FUNC after relocation; the callback itself
 *    calls mix, a subprogram also called directly;
 *  - a .bss global (loop_total) and a map (results) used by subprograms.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} results SEC(".maps");

__u64 loop_total;

struct loop_ctx {
	__u64 acc;
	__u32 seed;
};

static __noinline __u32 clamp_len(__u32 len)
{
	if (len > 1500)
		return 1500;
	return len;
}

static __noinline __u64 mix(__u64 a, __u64 b)
{
	a ^= b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2);
	return a;
}

__noinline int classify_len(__u32 len)
{
	__u32 l = clamp_len(len);

	if (l < 64)
		return 0;
	if (l < 512)
		return 1;
	if (l < 1500)
		return 2;
	return 3;
}

__noinline __u64 sum_bytes(__u64 a, __u64 b, __u64 c)
{
	return mix(a, b) + c;
}

static int loop_cb(__u32 index, void *data)
{
	struct loop_ctx *lc = data;

	lc->acc = mix(lc->acc, index + lc->seed);
	return index >= 15 ? 1 : 0;	/* 1 stops the loop */
}

static __always_inline void record(int class, __u64 val)
{
	__u32 key = class & 3;
	__u64 *slot = bpf_map_lookup_elem(&results, &key);

	if (slot)
		*slot += val;
}

SEC("socket")
int sub_socket(struct __sk_buff *skb)
{
	int class = classify_len(skb->len);

	record(class, sum_bytes(skb->len, skb->protocol, 1));
	return skb->len;
}

SEC("xdp")
int sub_xdp(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;
	struct loop_ctx lc = { .acc = len, .seed = ctx->rx_queue_index };
	int class = classify_len(len);

	bpf_loop(16, loop_cb, &lc, 0);
	loop_total += lc.acc;
	record(class, clamp_len(len));
	return XDP_PASS;
}

SEC("tc")
int sub_tc(struct __sk_buff *skb)
{
	__u64 h = mix(skb->hash, skb->mark);

	record(classify_len(skb->len), sum_bytes(h, skb->len, 0));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
