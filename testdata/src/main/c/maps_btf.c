// SPDX-License-Identifier: GPL-2.0
/*
 * maps_btf.c - BTF-defined maps (SEC(".maps")) of many types.
 *
 * Covers:
 *  - map types: hash, array, percpu_array, percpu_hash, lru_hash,
 *    lpm_trie (BPF_F_NO_PREALLOC), ringbuf, queue and stack (no key),
 *    bloom_filter (map_extra = number of hash functions), perf_event_array
 *    (max_entries left 0: libbpf fills in the number of CPUs at load time);
 *  - key/value given as __type(key, T) / __type(value, T) and as
 *    __uint(key_size, N) / __uint(value_size, N) (array, perf_event_array);
 *  - __uint(pinning, LIBBPF_PIN_BY_NAME) (pinned_counts);
 *  - __uint(numa_node, 0) together with map_flags BPF_F_NUMA_NODE (numa_counts);
 *  - struct keys with padding (flow_key: 13 bytes of fields, sizeof 16).
 * clang 14 also leaves an unreferenced .rodata.cst16 section here (the 16-byte
 * initialiser {1, 0} of the local `init`); libbpf makes an internal map of it.
 * Two programs use every map, so nothing is optimised away:
 *  - xdp_maps   (SEC "xdp"): hash, array, percpu maps, lru, lpm, pinned, numa;
 *  - tp_maps    (SEC "tp/syscalls/sys_enter_write"): ringbuf, queue, stack,
 *                bloom filter, perf event output.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct flow_key {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
	__u8 proto;
};			/* 13 bytes of fields, sizeof == 16 */

struct stats {
	__u64 packets;
	__u64 bytes;
};			/* 16 bytes */

struct lpm_v4_key {
	__u32 prefixlen;
	__u8 addr[4];
};			/* 8 bytes */

struct event {
	__u32 pid;
	__u32 fd;
	__u64 count;
};			/* 16 bytes */

/* hash, key and value by type */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

/* array, key and value by size */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 16);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u64));
} slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, struct stats);
} cpu_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 128);
	__type(key, __u64);
	__type(value, __u32);
} cpu_hash SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct flow_key);
	__type(value, struct stats);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 256);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_v4_key);
	__type(value, __u32);
} prefixes SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 64);
	__type(value, __u32);
} fd_queue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 32);
	__type(value, __u64);
} cnt_stack SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 1000);
	__type(value, __u32);
	__uint(map_extra, 3);
} seen_pids SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(int));
	__uint(value_size, sizeof(__u32));
} perf_out SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} pinned_counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32);
	__uint(map_flags, BPF_F_NUMA_NODE);
	__uint(numa_node, 0);
	__type(key, __u32);
	__type(value, __u32);
} numa_counts SEC(".maps");

static __always_inline void bump(void *map, const void *key, __u64 by)
{
	__u64 *v = bpf_map_lookup_elem(map, key);

	if (v)
		__sync_fetch_and_add(v, by);
	else
		bpf_map_update_elem(map, key, &by, BPF_NOEXIST);
}

SEC("xdp")
int xdp_maps(struct xdp_md *ctx)
{
	__u32 ifindex = ctx->ingress_ifindex;
	__u64 len = ctx->data_end - ctx->data;
	__u32 zero = 0, one = 1;
	struct flow_key fk = {};
	struct lpm_v4_key lk = {};
	struct stats *st, init = {1, 0};
	__u64 cpu_key = bpf_get_smp_processor_id();
	__u32 *class;
	__u64 *slot;

	bump(&counts, &ifindex, 1);
	bump(&pinned_counts, &ifindex, len);

	slot = bpf_map_lookup_elem(&slots, &zero);
	if (slot)
		*slot += len;

	st = bpf_map_lookup_elem(&cpu_stats, &zero);
	if (st) {
		st->packets++;
		st->bytes += len;
	}

	bpf_map_update_elem(&cpu_hash, &cpu_key, &one, BPF_ANY);
	bpf_map_update_elem(&numa_counts, &ifindex, &one, BPF_ANY);

	fk.saddr = ifindex;
	fk.daddr = bpf_htonl(0x7f000001);
	fk.sport = bpf_htons(1234);
	fk.dport = bpf_htons(80);
	fk.proto = 6;
	init.bytes = len;
	st = bpf_map_lookup_elem(&flows, &fk);
	if (st) {
		st->packets++;
		st->bytes += len;
	} else {
		bpf_map_update_elem(&flows, &fk, &init, BPF_NOEXIST);
	}

	lk.prefixlen = 32;
	lk.addr[0] = 10;
	lk.addr[3] = (__u8)ifindex;
	class = bpf_map_lookup_elem(&prefixes, &lk);
	if (class && *class == 1)
		return XDP_DROP;
	return XDP_PASS;
}

SEC("tp/syscalls/sys_enter_write")
int tp_maps(void *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 pid = pid_tgid >> 32;
	__u64 now = bpf_ktime_get_ns();
	struct event *e;
	struct event pe = {};
	__u32 fd;

	if (bpf_map_peek_elem(&seen_pids, &pid) == 0)
		return 0;	/* probably seen before */
	bpf_map_push_elem(&seen_pids, &pid, BPF_ANY);

	if (bpf_map_pop_elem(&fd_queue, &fd) != 0)
		fd = 0;
	bpf_map_push_elem(&fd_queue, &pid, BPF_EXIST);
	bpf_map_push_elem(&cnt_stack, &now, BPF_ANY);

	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		e->pid = pid;
		e->fd = fd;
		e->count = now;
		bpf_ringbuf_submit(e, 0);
	}

	pe.pid = pid;
	pe.fd = fd;
	bpf_perf_event_output(ctx, &perf_out, BPF_F_CURRENT_CPU, &pe, sizeof(pe));
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
