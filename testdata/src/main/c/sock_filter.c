// SPDX-License-Identifier: GPL-2.0
/*
 * sock_filter.c - a socket filter (SEC("socket"), BPF_PROG_TYPE_SOCKET_FILTER) that
 * sees packets from the network header, as socket filters do:
 *   - skb->protocol (the EtherType) and skb->len; non-IPv4 is dropped (returns 0);
 *   - the IP version nibble through a legacy ld_abs load (llvm.bpf.load.byte, offset 0
 *     is the network header), the protocol byte with bpf_skb_load_bytes (offset 9), the
 *     EtherType again with bpf_skb_load_bytes_relative(..., BPF_HDR_START_MAC);
 *   - per-IP-protocol packet counts in an ARRAY map (256 x u64, key = protocol);
 *   - skb->cb[0] = the EtherType as read from the MAC header (cb is writable);
 *   - keeps TCP whole (returns skb->len), truncates UDP to 64 bytes, drops the rest.
 */
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} proto_count SEC(".maps");

SEC("socket")
int sock_filter(struct __sk_buff *skb)
{
	__u16 eth_proto = 0;
	__u64 *count;
	__u8 proto;
	__u32 key;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return 0;
	if ((load_byte(skb, 0) >> 4) != 4)
		return 0;
	if (bpf_skb_load_bytes(skb, offsetof(struct iphdr, protocol), &proto, 1) < 0)
		return 0;
	if (bpf_skb_load_bytes_relative(skb, offsetof(struct ethhdr, h_proto), &eth_proto, 2, BPF_HDR_START_MAC) < 0)
		return 0;
	skb->cb[0] = eth_proto;

	key = proto;
	count = bpf_map_lookup_elem(&proto_count, &key);
	if (count)
		__sync_fetch_and_add(count, 1);

	if (proto == IPPROTO_TCP)
		return skb->len;
	if (proto == IPPROTO_UDP)
		return 64;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
