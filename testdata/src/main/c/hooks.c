// SPDX-License-Identifier: GPL-2.0
/*
 * hooks.c - programs for the emulator's attach points (hooks).
 *
 * Covers:
 *  - two tc egress programs that tell themselves apart by return value and by
 *    the counter they bump in "hits" (slot 0: egress_a, slot 1: egress_b),
 *    so a test can see which one a hook firing ran (atomic link update);
 *  - an XDP program (one link per interface), a cgroup/setsockopt and a
 *    cgroup/getsockopt program (same program type, different attach types).
 */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} hits SEC(".maps");

static __always_inline void bump(__u32 slot)
{
	__u64 *cnt = bpf_map_lookup_elem(&hits, &slot);

	if (cnt)
		__sync_fetch_and_add(cnt, 1);
}

SEC("tc/egress")
int egress_a(struct __sk_buff *skb)
{
	bump(0);
	return TC_ACT_OK;
}

SEC("tc/egress")
int egress_b(struct __sk_buff *skb)
{
	bump(1);
	return TC_ACT_SHOT;
}

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	bump(2);
	return XDP_PASS;
}

SEC("cgroup/setsockopt")
int on_setsockopt(struct bpf_sockopt *ctx)
{
	bump(3);
	return 1;
}

SEC("cgroup/getsockopt")
int on_getsockopt(struct bpf_sockopt *ctx)
{
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
