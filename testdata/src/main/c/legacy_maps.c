// SPDX-License-Identifier: GPL-2.0
/*
 * legacy_maps.c - legacy SEC("maps") map definitions with the classic
 * 5-field struct bpf_map_def (type, key_size, value_size, max_entries,
 * map_flags; 20 bytes each).
 *
 * libbpf 1.x headers no longer declare struct bpf_map_def and libbpf 1.x
 * refuses the "maps" section at open time; libbpf 0.x and bpf4j accept it.
 * Three maps (a hash with BPF_F_NO_PREALLOC, an array, a percpu_array) and
 * one socket filter program using them.
 * No BTF types are attached to these maps (BTF still describes the variables).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct bpf_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct bpf_map_def SEC("maps") legacy_hash = {
	.type = BPF_MAP_TYPE_HASH,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 256,
	.map_flags = BPF_F_NO_PREALLOC,
};

struct bpf_map_def SEC("maps") legacy_array = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u64),
	.max_entries = 8,
};

struct bpf_map_def SEC("maps") legacy_pcpu = {
	.type = BPF_MAP_TYPE_PERCPU_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = 16,
	.max_entries = 2,
};

SEC("socket")
int legacy_socket(struct __sk_buff *skb)
{
	__u32 proto = skb->protocol;
	__u32 idx = skb->pkt_type & 7;
	__u32 zero = 0;
	__u64 one = 1, *v;

	v = bpf_map_lookup_elem(&legacy_hash, &proto);
	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&legacy_hash, &proto, &one, BPF_NOEXIST);

	v = bpf_map_lookup_elem(&legacy_array, &idx);
	if (v)
		__sync_fetch_and_add(v, skb->len);

	v = bpf_map_lookup_elem(&legacy_pcpu, &zero);
	if (v) {
		v[0] += 1;
		v[1] += skb->len;
	}
	return skb->len;
}

char LICENSE[] SEC("license") = "GPL";
