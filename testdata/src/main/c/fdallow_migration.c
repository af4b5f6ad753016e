// SPDX-License-Identifier: GPL-2.0
/*
 * fdallow_migration.c - the migration object that upgrades fdallow_old.c to
 * fdallow_new.c (the map tracing series' "real world example", seed 001): every
 * allowance is re-keyed from { pid, fd } to { fd, pid }.
 *
 * bpf4j's migration convention: old_allow_fds is loaded reusing the old object's map
 * allow_fds and new_allow_fds reusing the new object's, so both definitions here equal
 * theirs exactly. The tracers close the selftest's two races (see fdallow_old.c): the
 * DELETE_ELEM tracer carries a close() made after the bulk copy into the new map (race 1),
 * the UPDATE_ELEM tracer an open() made after it (race 2); the iterator copies what was
 * there before.
 *
 * Covers: map tracing programs that read the traced key and value with bpf_probe_read,
 * as the series' selftest does (dynencap_migration.c reads them directly); a map element
 * iterator over a map with a struct key; the iterator's final call (key NULL) skipped.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* The seeds' context of map tracing programs (never merged upstream, so not in uapi). */
struct bpf_map_trace_ctx {
	void *key;
	void *value;
	__u64 flags;
};

/* The kernel's struct bpf_iter__bpf_map_elem (kernel-internal, so not in uapi either). */
struct bpf_iter__bpf_map_elem {
	void *meta;
	void *map;
	void *key;
	void *value;
};

struct allow_key_v1 {
	__u32 pid;
	__s32 fd;
};

struct allow_key_v2 {
	__s32 fd;
	__u32 pid;
};

struct allow_value {
	__u32 mode;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct allow_key_v1);
	__type(value, struct allow_value);
} old_allow_fds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct allow_key_v2);
	__type(value, struct allow_value);
} new_allow_fds SEC(".maps");

/* Reads a version-1 key; 0, or the helper's error. */
static __always_inline int read_key(void *key, struct allow_key_v2 *out)
{
	struct allow_key_v1 old;
	int err = bpf_probe_read(&old, sizeof(old), key);

	if (err)
		return err;
	out->fd = old.fd;
	out->pid = old.pid;
	return 0;
}

/* BPF_ANY whatever the traced update's flags: the bulk copy may have put the key there first. */
static __always_inline void migrate(void *key, void *value)
{
	struct allow_value v;
	struct allow_key_v2 k;

	if (read_key(key, &k) || bpf_probe_read(&v, sizeof(v), value))
		return;
	bpf_map_update_elem(&new_allow_fds, &k, &v, BPF_ANY);
}

SEC("map_trace/old_allow_fds/UPDATE_ELEM")
int fdallow_cow_update(struct bpf_map_trace_ctx *ctx)
{
	migrate(ctx->key, ctx->value);
	return 0;
}

SEC("map_trace/old_allow_fds/DELETE_ELEM")
int fdallow_cow_delete(struct bpf_map_trace_ctx *ctx)
{
	struct allow_key_v2 k;

	if (read_key(ctx->key, &k) == 0)
		bpf_map_delete_elem(&new_allow_fds, &k);
	return 0;
}

SEC("iter/bpf_map_elem")
int fdallow_copy(struct bpf_iter__bpf_map_elem *ctx)
{
	void *key = ctx->key, *value = ctx->value;

	if (!key || !value)
		return 0;	/* the end of the iteration */
	migrate(key, value);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
