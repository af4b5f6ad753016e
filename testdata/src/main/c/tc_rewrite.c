// SPDX-License-Identifier: GPL-2.0
/*
 * tc_rewrite.c - a tc classifier (SEC("tc"), BPF_PROG_TYPE_SCHED_CLS) that parses
 * Ethernet/IPv4/TCP/UDP and rewrites packets with the skb helpers, fixing checksums
 * incrementally:
 *   - skb_pull_data, then direct packet access (skb->data/data_end) for the EtherType;
 *     anything but IPv4 with a 20-byte header passes untouched (TC_ACT_OK);
 *   - skb_load_bytes of the IP header, skb_load_bytes_relative (BPF_HDR_START_NET) of
 *     the protocol byte; a TTL of 0 or 1 is dropped (TC_ACT_SHOT);
 *   - TTL - 1 with skb_store_bytes and l3_csum_replace on the 16-bit TTL/protocol word;
 *   - destination 192.168.1.2 becomes 10.0.0.2 (skb_store_bytes with
 *     BPF_F_RECOMPUTE_CSUM, l3_csum_replace size 4, l4_csum_replace with
 *     BPF_F_PSEUDO_HDR, plus BPF_F_MARK_MANGLED_0 for UDP);
 *   - TCP port 80 becomes 8080 (l4_csum_replace size 2), from a bpf_csum_diff of the
 *     old and new port words (l4_csum_replace size 0);
 *   - UDP to port 9 (discard) is redirected to ifindex 1 (bpf_redirect: TC_ACT_REDIRECT);
 *   - skb->mark = 0x42 and skb->cb[0] = the number of rewrites when anything changed,
 *     skb->priority = the (old) TTL.
 * No maps, no globals.
 */
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define IP_OFF		ETH_HLEN
#define IP_CSUM_OFF	(ETH_HLEN + offsetof(struct iphdr, check))
#define IP_TTL_OFF	(ETH_HLEN + offsetof(struct iphdr, ttl))
#define IP_DADDR_OFF	(ETH_HLEN + offsetof(struct iphdr, daddr))
#define L4_OFF		(ETH_HLEN + sizeof(struct iphdr))
#define TCP_CSUM_OFF	(L4_OFF + offsetof(struct tcphdr, check))
#define TCP_DPORT_OFF	(L4_OFF + offsetof(struct tcphdr, dest))
#define UDP_CSUM_OFF	(L4_OFF + offsetof(struct udphdr, check))
#define UDP_DPORT_OFF	(L4_OFF + offsetof(struct udphdr, dest))

SEC("tc")
int tc_rewrite(struct __sk_buff *skb)
{
	__u32 old_addr = bpf_htonl(0xc0a80102);		/* 192.168.1.2 */
	__u32 new_addr = bpf_htonl(0x0a000002);		/* 10.0.0.2 */
	__be32 ports_old, ports_new;
	__u16 old_word, new_word, dport;
	__u32 rewrites = 0;
	struct iphdr iph;
	__u8 proto, ttl;
	__s64 diff;
	void *data, *data_end;
	struct ethhdr *eth;

	if (bpf_skb_pull_data(skb, ETH_HLEN) < 0)
		return TC_ACT_OK;
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	eth = data;
	if ((void *)(eth + 1) > data_end)
		return TC_ACT_OK;
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;

	if (bpf_skb_load_bytes(skb, IP_OFF, &iph, sizeof(iph)) < 0)
		return TC_ACT_OK;
	/* version 4, 20-byte header; not iph.ihl: the uapi bitfield order follows the host, not -target bpfeb */
	if (*(__u8 *)&iph != 0x45)
		return TC_ACT_OK;
	if (bpf_skb_load_bytes_relative(skb, offsetof(struct iphdr, protocol), &proto, 1, BPF_HDR_START_NET) < 0)
		return TC_ACT_SHOT;
	skb->priority = iph.ttl;
	if (iph.ttl <= 1)
		return TC_ACT_SHOT;

	/* TTL - 1: the checksum covers TTL and protocol as one 16-bit word */
	old_word = *(__u16 *)&iph.ttl;
	ttl = iph.ttl - 1;
	if (bpf_skb_store_bytes(skb, IP_TTL_OFF, &ttl, 1, 0) < 0)
		return TC_ACT_SHOT;
	iph.ttl = ttl;
	new_word = *(__u16 *)&iph.ttl;
	if (bpf_l3_csum_replace(skb, IP_CSUM_OFF, old_word, new_word, 2) < 0)
		return TC_ACT_SHOT;
	rewrites++;

	if (iph.daddr == old_addr && (proto == IPPROTO_TCP || proto == IPPROTO_UDP)) {
		if (bpf_skb_store_bytes(skb, IP_DADDR_OFF, &new_addr, 4, BPF_F_RECOMPUTE_CSUM) < 0)
			return TC_ACT_SHOT;
		if (bpf_l3_csum_replace(skb, IP_CSUM_OFF, old_addr, new_addr, 4) < 0)
			return TC_ACT_SHOT;
		if (proto == IPPROTO_TCP) {
			if (bpf_l4_csum_replace(skb, TCP_CSUM_OFF, old_addr, new_addr, BPF_F_PSEUDO_HDR | 4) < 0)
				return TC_ACT_SHOT;
		} else {
			if (bpf_l4_csum_replace(skb, UDP_CSUM_OFF, old_addr, new_addr,
						BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0 | 4) < 0)
				return TC_ACT_SHOT;
		}
		rewrites++;
	}

	if (proto == IPPROTO_TCP) {
		if (bpf_skb_load_bytes(skb, TCP_DPORT_OFF, &dport, 2) < 0)
			return TC_ACT_OK;
		if (dport == bpf_htons(80)) {
			__u16 new_port = bpf_htons(8080);

			/* the checksum fix as a diff of the 32-bit words holding source and destination port */
			if (bpf_skb_load_bytes(skb, L4_OFF, &ports_old, 4) < 0)
				return TC_ACT_SHOT;
			ports_new = ports_old;
			((__u16 *)&ports_new)[1] = new_port;
			diff = bpf_csum_diff(&ports_old, 4, &ports_new, 4, 0);
			if (diff < 0)
				return TC_ACT_SHOT;
			if (bpf_skb_store_bytes(skb, TCP_DPORT_OFF, &new_port, 2, BPF_F_INVALIDATE_HASH) < 0)
				return TC_ACT_SHOT;
			if (bpf_l4_csum_replace(skb, TCP_CSUM_OFF, 0, diff, 0) < 0)
				return TC_ACT_SHOT;
			rewrites++;
		}
	} else if (proto == IPPROTO_UDP) {
		if (bpf_skb_load_bytes(skb, UDP_DPORT_OFF, &dport, 2) < 0)
			return TC_ACT_OK;
		if (dport == bpf_htons(9)) {
			skb->mark = 0x42;
			skb->cb[0] = rewrites;
			return bpf_redirect(1, 0);
		}
	}

	skb->mark = 0x42;
	skb->cb[0] = rewrites;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
