// SPDX-License-Identifier: GPL-2.0
/*
 * globals.c - global variables in every kind of data section.
 *
 * Covers:
 *  - .data:   initialised globals and statics: scalar, array, struct;
 *  - .rodata: `const volatile` configuration (scalar, struct, char array, a
 *             static one) plus the format string of bpf_printk, which clang
 *             places in .rodata as the function-local static
 *             `globals_xdp.____fmt` (not in .rodata.str1.1);
 *  - .rodata.str1.1: a plain string literal passed to bpf_trace_printk
 *             (mergeable strings section, no BTF DATASEC, internal map name
 *             without object prefix);
 *  - .bss:    zero-initialised globals and a static;
 *  - .data.xyz:  custom data section with a global and a static
 *             (internal map named ".data.xyz", no object prefix);
 *  - .data.priv: custom data section holding ONLY a static variable, so the
 *             newest libbpf does not set BPF_F_MMAPABLE on its map
 *             (libbpf 1.1 sets MMAPABLE on every internal map).
 * Two programs (xdp, tc) read and write them, so every variable is kept.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct config {
	__u32 mode;
	__u16 port;
	__u8 enabled;
	__u8 pad;
	__u64 threshold;
};			/* 16 bytes */

struct limits {
	__u32 max_pkts;
	__u32 max_bytes;
};			/* 8 bytes */

struct stats {
	__u64 packets;
	__u64 bytes;
};			/* 16 bytes */

/* .data */
int counter = 1;
static __u32 static_counter = 7;
__u64 data_arr[4] = { 1, 2, 3, 4 };
struct config cfg = { .mode = 1, .port = 8080, .enabled = 1, .threshold = 1000 };

/* .rodata */
const volatile __u32 max_packets = 100;
const volatile struct limits limits = { .max_pkts = 10, .max_bytes = 1500 };
static const volatile __u8 debug_level = 2;
const volatile char tag[8] = "bpf4j";

/* .bss */
__u64 total_bytes;
static __u32 static_bss;
struct stats bss_stats;
__u32 hist[8];

/* custom data sections */
int custom_val SEC(".data.xyz") = 42;
static __u32 custom_static SEC(".data.xyz") = 5;
static __u64 priv_seq SEC(".data.priv") = 1;

SEC("xdp")
int globals_xdp(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	counter++;
	static_counter += 2;
	total_bytes += len;
	bss_stats.packets++;
	bss_stats.bytes += len;
	hist[len & 7]++;
	data_arr[len & 3] += len;
	custom_val += custom_static;
	custom_static++;
	priv_seq++;

	if (debug_level > 1)
		bpf_printk("globals: len %u tag %c", len, tag[0]);
	if (cfg.enabled && len > cfg.threshold)
		return XDP_DROP;
	if (bss_stats.packets > max_packets || len > limits.max_bytes)
		return XDP_DROP;
	return XDP_PASS;
}

SEC("tc")
int globals_tc(struct __sk_buff *skb)
{
	static_bss++;
	if (debug_level > 2)
		bpf_trace_printk("tc: mark %u\n", sizeof("tc: mark %u\n"), skb->mark);
	if (skb->len > limits.max_pkts * cfg.mode)
		static_bss += skb->len;
	return static_bss > max_packets ? 2 : 0;
}

char LICENSE[] SEC("license") = "GPL";
