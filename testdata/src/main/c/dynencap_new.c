// SPDX-License-Identifier: GPL-2.0
/*
 * dynencap_new.c - version 2 of dynencap_old.c (seed 000's "ebpf_dynencap"), the version
 * an upgrade moves to; dynencap_migration.c carries the state of version 1 over.
 *
 * What changes from version 1, all three kinds of change seed 000 says an upgrade with
 * map tracing allows:
 *  - the value's layout: struct encap_v2 { daddr, saddr, sock_id } (fields swapped, and
 *    the socket id added, so that a dump of the map names each entry's socket);
 *  - the map's type: LRU_HASH instead of HASH (a full map evicts instead of refusing);
 *  - the map's capacity: 256 entries instead of 64.
 * The programs, their sections and the application's requests are the same.
 *
 * Applications opt a socket in to encapsulation with a setsockopt() at the private level
 * SOL_DYNENCAP; a cgroup/setsockopt program records the outer addresses to use, and a tc
 * egress program puts them into every packet the socket sends. Losing an entry of the
 * map breaks the contract with the application: its packets go out unencapsulated.
 *
 * Covers:
 *  - SEC("cgroup/setsockopt"): direct reads of the option buffer (optval..optval_end,
 *    bounds-checked), level/optname dispatch, optlen = -1 (the kernel must not see a
 *    level it does not know), map update (DYNENCAP_SET) and delete (DYNENCAP_CLEAR);
 *  - SEC("tc/egress"): Ethernet/IPv4/UDP parsing with skb_load_bytes, map lookup, the
 *    addresses written into the IPv4 header with skb_store_bytes and the header checksum
 *    fixed with csum_diff + l3_csum_replace; skb->mark = 1 on encapsulated packets;
 *  - "dynencap_map": LRU_HASH, key the socket id (u32), value struct encap_v2
 *    { daddr, saddr, sock_id }, 256 entries.
 *
 * The seed keeps the addresses in socket-local storage (SK_STORAGE). The emulator has no
 * sockets, so a socket is named by its local UDP port: the setsockopt request carries it
 * (struct dynencap_req.sock_id) and the tc program reads it from the packet's UDP source
 * port. The map is then keyed by that id; nothing else changes.
 */
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define SOL_DYNENCAP	0x454e		/* a private socket option level ("EN") */
#define DYNENCAP_SET	1
#define DYNENCAP_CLEAR	2

/* What the application passes to setsockopt(fd, SOL_DYNENCAP, DYNENCAP_SET|CLEAR, ...). */
struct dynencap_req {
	__u32 sock_id;
	__be32 saddr;
	__be32 daddr;
};

/* Version 2 of the map's value. */
struct encap_v2 {
	__be32 daddr;
	__be32 saddr;
	__u32 sock_id;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct encap_v2);
} dynencap_map SEC(".maps");

SEC("cgroup/setsockopt")
int dynencap_setsockopt(struct bpf_sockopt *ctx)
{
	struct dynencap_req *req = ctx->optval;
	void *end = ctx->optval_end;
	struct encap_v2 v;
	__u32 id;

	if (ctx->level != SOL_DYNENCAP)
		return 1;
	ctx->optlen = -1;
	if ((void *)(req + 1) > end)
		return 0;
	id = req->sock_id;
	if (ctx->optname == DYNENCAP_CLEAR) {
		bpf_map_delete_elem(&dynencap_map, &id);
		return 1;
	}
	if (ctx->optname != DYNENCAP_SET)
		return 0;
	v.daddr = req->daddr;
	v.saddr = req->saddr;
	v.sock_id = id;
	return bpf_map_update_elem(&dynencap_map, &id, &v, BPF_ANY) == 0;
}

#define IP_OFF		ETH_HLEN
#define IP_CSUM_OFF	(ETH_HLEN + offsetof(struct iphdr, check))
#define IP_ADDRS_OFF	(ETH_HLEN + offsetof(struct iphdr, saddr))
#define UDP_SPORT_OFF	(ETH_HLEN + sizeof(struct iphdr) + offsetof(struct udphdr, source))

SEC("tc/egress")
int dynencap_egress(struct __sk_buff *skb)
{
	__be32 old_addrs[2], new_addrs[2];
	struct encap_v2 *v;
	__u8 vihl, proto;
	__be16 sport;
	__u32 id;
	__s64 diff;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, IP_OFF, &vihl, 1) < 0 || vihl != 0x45)
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, IP_OFF + offsetof(struct iphdr, protocol), &proto, 1) < 0
	    || proto != IPPROTO_UDP)
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, UDP_SPORT_OFF, &sport, 2) < 0)
		return TC_ACT_OK;
	id = bpf_ntohs(sport);
	v = bpf_map_lookup_elem(&dynencap_map, &id);
	if (!v)
		return TC_ACT_OK;	/* not opted in */
	if (bpf_skb_load_bytes(skb, IP_ADDRS_OFF, old_addrs, sizeof(old_addrs)) < 0)
		return TC_ACT_OK;
	new_addrs[0] = v->saddr;
	new_addrs[1] = v->daddr;
	diff = bpf_csum_diff(old_addrs, sizeof(old_addrs), new_addrs, sizeof(new_addrs), 0);
	if (bpf_skb_store_bytes(skb, IP_ADDRS_OFF, new_addrs, sizeof(new_addrs), 0) < 0)
		return TC_ACT_SHOT;
	if (bpf_l3_csum_replace(skb, IP_CSUM_OFF, 0, diff, 0) < 0)
		return TC_ACT_SHOT;
	skb->mark = 1;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
