// SPDX-License-Identifier: GPL-2.0
/*
 * legacy_maps_iproute2.c - iproute2-style SEC("maps") definitions, as used by
 * `tc filter ... bpf obj X.o sec classifier` objects: struct bpf_elf_map with
 * 7 u32 fields (type, size_key, size_value, max_elem, flags, id, pinning;
 * 28 bytes each). The two extra fields (id, pinning) are all zero, which is
 * what libbpf 0.x required to accept a definition larger than its own
 * 20-byte struct bpf_map_def. libbpf 1.x refuses the "maps" section.
 *
 * Programs are in the old tc sections "classifier" and "action".
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define PIN_NONE	0

struct bpf_elf_map {
	__u32 type;
	__u32 size_key;
	__u32 size_value;
	__u32 max_elem;
	__u32 flags;
	__u32 id;
	__u32 pinning;
};

struct bpf_elf_map SEC("maps") tc_counts = {
	.type		= BPF_MAP_TYPE_HASH,
	.size_key	= sizeof(__u32),
	.size_value	= sizeof(__u64),
	.max_elem	= 128,
	.pinning	= PIN_NONE,
};

struct bpf_elf_map SEC("maps") tc_marks = {
	.type		= BPF_MAP_TYPE_ARRAY,
	.size_key	= sizeof(__u32),
	.size_value	= sizeof(__u32),
	.max_elem	= 4,
};

SEC("classifier")
int tc_classify(struct __sk_buff *skb)
{
	__u32 key = skb->ifindex;
	__u32 zero = 0;
	__u64 one = 1, *cnt;
	__u32 *mark;

	cnt = bpf_map_lookup_elem(&tc_counts, &key);
	if (cnt)
		__sync_fetch_and_add(cnt, 1);
	else
		bpf_map_update_elem(&tc_counts, &key, &one, BPF_ANY);

	mark = bpf_map_lookup_elem(&tc_marks, &zero);
	if (mark && *mark)
		skb->mark = *mark;
	return 0;	/* TC_ACT_OK */
}

SEC("action")
int tc_action(struct __sk_buff *skb)
{
	__u32 one = 1;
	__u32 *mark = bpf_map_lookup_elem(&tc_marks, &one);

	if (mark && *mark == skb->mark)
		return 2;	/* TC_ACT_SHOT */
	return 0;	/* TC_ACT_OK */
}

char __license[] SEC("license") = "GPL";
