// SPDX-License-Identifier: GPL-2.0
/*
 * map_iter.c - map element iterators (SEC("iter/bpf_map_elem")) and the seq helpers.
 *
 * Covers:
 *  - the iterator context struct bpf_iter__bpf_map_elem { meta, map, key, value }
 *    and struct bpf_iter_meta { seq, session_id, seq_num }, defined here as the
 *    kernel's vmlinux.h would (no vmlinux.h in testdata);
 *  - bpf_seq_printf through libbpf's BPF_SEQ_PRINTF ("key=value" lines), raw
 *    bytes with bpf_seq_write, and the final call with key == value == NULL
 *    that ends every iteration (a footer line, a count kept in .bss);
 *  - writes through the value pointer (non-per-CPU maps: they land in the map);
 *  - a per-CPU map, whose value is every CPU's value, 8 bytes apart (NR_CPUS 4);
 *  - a program that returns 1 ("retry the same object"), and one whose output
 *    (per element, or in the final call) overflows the seq_file buffer,
 *    recording what the helper returned.
 * Maps: "kv" (hash u32 -> u64), "slots" (array u32 -> u64, 8 slots),
 * "pc" (per-CPU hash u32 -> u64).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define NR_CPUS 4

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
};

struct bpf_iter__bpf_map_elem {
	struct bpf_iter_meta *meta;
	struct bpf_map *map;
	void *key;
	void *value;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __u64);
} kv SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} pc SEC(".maps");

/* Elements seen since the last final call. */
__u32 seen;
/* How many times overflow_lines ran, and what its last failing helper call returned. */
__u32 runs;
__s64 last_err;
/* What overflow_lines writes: value * 8192 bytes per element, end_chunks * 8192 at the end. */
__u32 end_chunks;
char chunk[8192];

SEC("iter/bpf_map_elem")
int dump_kv(struct bpf_iter__bpf_map_elem *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	__u32 *key = ctx->key;
	__u64 *val = ctx->value;

	if (!key || !val) {
		BPF_SEQ_PRINTF(seq, "end\n");
		return 0;
	}
	BPF_SEQ_PRINTF(seq, "%u=%llu\n", *key, *val);
	return 0;
}

SEC("iter/bpf_map_elem")
int dump_raw(struct bpf_iter__bpf_map_elem *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	void *key = ctx->key;
	void *val = ctx->value;

	if (!key || !val)
		return 0;
	bpf_seq_write(seq, key, 4);
	bpf_seq_write(seq, val, 8);
	return 0;
}

SEC("iter/bpf_map_elem")
int count_elems(struct bpf_iter__bpf_map_elem *ctx)
{
	struct bpf_iter_meta *meta = ctx->meta;

	if (ctx->key) {
		seen++;
		return 0;
	}
	BPF_SEQ_PRINTF(meta->seq, "count=%u seq_num=%llu session=%llu\n", seen, meta->seq_num, meta->session_id);
	seen = 0;
	return 0;
}

SEC("iter/bpf_map_elem")
int double_values(struct bpf_iter__bpf_map_elem *ctx)
{
	__u64 *val = ctx->value;

	if (val)
		*val *= 2;
	return 0;
}

SEC("iter/bpf_map_elem")
int sum_percpu(struct bpf_iter__bpf_map_elem *ctx)
{
	__u32 *key = ctx->key;
	__u64 *val = ctx->value;
	__u64 sum = 0;
	int i;

	if (!key || !val)
		return 0;
#pragma unroll
	for (i = 0; i < NR_CPUS; i++)
		sum += val[i];
	BPF_SEQ_PRINTF(ctx->meta->seq, "%u=%llu\n", *key, sum);
	return 0;
}

SEC("iter/bpf_map_elem")
int retry_seven(struct bpf_iter__bpf_map_elem *ctx)
{
	__u32 *key = ctx->key;

	if (!key)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "%u\n", *key);
	return *key == 7;
}

SEC("iter/bpf_map_elem")
int overflow_lines(struct bpf_iter__bpf_map_elem *ctx)
{
	__u64 *val = ctx->value;
	__u64 n, i;
	long err;

	runs++;
	n = val ? *val : end_chunks;
	for (i = 0; i < 8 && i < n; i++) {
		err = bpf_seq_write(ctx->meta->seq, chunk, sizeof(chunk));
		if (err) {
			last_err = err;
			break;
		}
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
