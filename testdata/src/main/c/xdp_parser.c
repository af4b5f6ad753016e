// SPDX-License-Identifier: GPL-2.0
/*
 * xdp_parser.c - a small XDP packet parser and filter (the README demo).
 *
 * Parses Ethernet, up to two VLAN tags (802.1Q / 802.1ad), IPv4 (with
 * options; non-first fragments are not parsed further), IPv6 (fixed header
 * only: an extension header counts as "other L4"), TCP, UDP, ICMP/ICMPv6.
 *
 * Verdicts:
 *  - UDP to port `blocked_udp_port` (default 9, "discard")  -> XDP_DROP
 *  - truncated headers: XDP_DROP if `drop_malformed`, else XDP_PASS (default)
 *  - everything else                                        -> XDP_PASS
 *
 * State:
 *  - pkt_count (ARRAY, 12 x u64): counters indexed by enum counter below;
 *  - ip_proto_count (HASH, u32 IP protocol -> u64 packets), IPv4 and IPv6;
 *  - .rodata: blocked_udp_port (u16), drop_malformed (u8) - change them in
 *    the ELF ("ELF as template") to change the filter without recompiling;
 *  - .bss: total_bytes (u64), sum of packet lengths seen.
 * Only <linux/bpf.h> and libbpf headers: protocol headers are defined here.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define ETH_P_IP	0x0800
#define ETH_P_IPV6	0x86DD
#define ETH_P_8021Q	0x8100
#define ETH_P_8021AD	0x88A8

#define PROTO_ICMP	1
#define PROTO_TCP	6
#define PROTO_UDP	17
#define PROTO_ICMPV6	58

#define IP_OFFSET_MASK	0x1fff
#define MAX_VLAN_DEPTH	2

enum counter {
	CNT_TOTAL = 0,		/* every packet */
	CNT_VLAN,		/* packets with at least one VLAN tag */
	CNT_IPV4,
	CNT_IPV6,
	CNT_TCP,
	CNT_UDP,
	CNT_ICMP,		/* ICMP and ICMPv6 */
	CNT_OTHER_L4,		/* IP, but another protocol / IPv6 ext header */
	CNT_NON_IP,		/* ARP, LLDP, ... */
	CNT_FRAGMENT,		/* IPv4 non-first fragments (L4 not parsed) */
	CNT_MALFORMED,		/* truncated headers */
	CNT_DROPPED,		/* verdict XDP_DROP */
	CNT_MAX,
};

struct eth_hdr {
	__u8 dst[6];
	__u8 src[6];
	__be16 proto;
} __attribute__((packed));

struct vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

struct ipv4_hdr {
	__u8 ver_ihl;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__sum16 check;
	__be32 saddr;
	__be32 daddr;
};

struct ipv6_hdr {
	__be32 ver_tc_flow;
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__u8 saddr[16];
	__u8 daddr[16];
};

struct tcp_hdr {
	__be16 source;
	__be16 dest;
	__be32 seq;
	__be32 ack_seq;
	__u8 doff_res;
	__u8 flags;
	__be16 window;
	__sum16 check;
	__be16 urg_ptr;
};

struct udp_hdr {
	__be16 source;
	__be16 dest;
	__be16 len;
	__sum16 check;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} pkt_count SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} ip_proto_count SEC(".maps");

const volatile __u16 blocked_udp_port = 9;
const volatile __u8 drop_malformed = 0;

__u64 total_bytes;

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&pkt_count, &idx);

	if (v)
		__sync_fetch_and_add(v, 1);
}

static __always_inline void count_proto(__u32 proto)
{
	__u64 one = 1, *v = bpf_map_lookup_elem(&ip_proto_count, &proto);

	if (v)
		__sync_fetch_and_add(v, 1);
	else
		bpf_map_update_elem(&ip_proto_count, &proto, &one, BPF_NOEXIST);
}

static __always_inline int malformed(void)
{
	count(CNT_MALFORMED);
	return drop_malformed ? XDP_DROP : XDP_PASS;
}

/* L4 at l4, protocol proto: returns the verdict */
static __always_inline int parse_l4(void *l4, void *data_end, __u8 proto)
{
	count_proto(proto);
	switch (proto) {
	case PROTO_TCP: {
		struct tcp_hdr *tcp = l4;

		if ((void *)(tcp + 1) > data_end)
			return malformed();
		count(CNT_TCP);
		return XDP_PASS;
	}
	case PROTO_UDP: {
		struct udp_hdr *udp = l4;

		if ((void *)(udp + 1) > data_end)
			return malformed();
		count(CNT_UDP);
		if (udp->dest == bpf_htons(blocked_udp_port))
			return XDP_DROP;
		return XDP_PASS;
	}
	case PROTO_ICMP:
	case PROTO_ICMPV6:
		count(CNT_ICMP);
		return XDP_PASS;
	default:
		count(CNT_OTHER_L4);
		return XDP_PASS;
	}
}

static __always_inline int parse(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct eth_hdr *eth = data;
	void *cur = eth + 1;
	__u16 proto;
	int i;

	if (cur > data_end)
		return malformed();
	proto = eth->proto;

#pragma unroll
	for (i = 0; i < MAX_VLAN_DEPTH; i++) {
		struct vlan_hdr *vlan = cur;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vlan + 1) > data_end)
			return malformed();
		if (i == 0)
			count(CNT_VLAN);
		proto = vlan->encap_proto;
		cur = vlan + 1;
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct ipv4_hdr *ip = cur;
		__u32 ihl;

		if ((void *)(ip + 1) > data_end)
			return malformed();
		ihl = (ip->ver_ihl & 0x0f) * 4;
		if (ihl < sizeof(*ip) || cur + ihl > data_end)
			return malformed();
		count(CNT_IPV4);
		if (ip->frag_off & bpf_htons(IP_OFFSET_MASK)) {
			count(CNT_FRAGMENT);
			return XDP_PASS;
		}
		return parse_l4(cur + ihl, data_end, ip->protocol);
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6_hdr *ip6 = cur;

		if ((void *)(ip6 + 1) > data_end)
			return malformed();
		count(CNT_IPV6);
		return parse_l4(ip6 + 1, data_end, ip6->nexthdr);
	}
	count(CNT_NON_IP);
	return XDP_PASS;
}

SEC("xdp")
int xdp_parser(struct xdp_md *ctx)
{
	int verdict;

	count(CNT_TOTAL);
	total_bytes += ctx->data_end - ctx->data;
	verdict = parse(ctx);
	if (verdict == XDP_DROP)
		count(CNT_DROPPED);
	return verdict;
}

char LICENSE[] SEC("license") = "GPL";
