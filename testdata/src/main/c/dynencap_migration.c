// SPDX-License-Identifier: GPL-2.0
/*
 * dynencap_migration.c - the migration object that upgrades dynencap_old.c to
 * dynencap_new.c without losing an entry (seed 000, steps 2 and 3).
 *
 * bpf4j's migration convention: a map named old_<name> is loaded reusing the old
 * object's map <name>, new_<name> reusing the new object's; their definitions here must
 * equal those of dynencap_old.c and dynencap_new.c exactly, or the upgrade refuses to
 * start. The three programs convert one entry from version 1 to version 2 each:
 *  - SEC("map_trace/old_dynencap_map/UPDATE_ELEM"): the copy-on-write tracer; runs after
 *    every update of the old map while the upgrade is under way and writes the converted
 *    entry into the new map;
 *  - SEC("map_trace/old_dynencap_map/DELETE_ELEM"): deletes the entry from the new map;
 *  - SEC("iter/bpf_map_elem"): the bulk copy, run over the old map; the kernel calls it
 *    once more at the end with key and value NULL, which it skips.
 *
 * Covers: the map tracing context (struct bpf_map_trace_ctx { key, value, flags }) and the
 * map element iterator context (struct bpf_iter__bpf_map_elem { meta, map, key, value }),
 * both read by direct access (key and value are pointers into the traced map's element);
 * an LRU_HASH written from tracing programs.
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

struct encap_v1 {
	__be32 saddr;
	__be32 daddr;
};

struct encap_v2 {
	__be32 daddr;
	__be32 saddr;
	__u32 sock_id;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct encap_v1);
} old_dynencap_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct encap_v2);
} new_dynencap_map SEC(".maps");

/*
 * BPF_ANY whatever the traced update's flags were: the bulk copy may already have put
 * the key into the new map (a NOEXIST update of the old map must still land), and the
 * new map is the copy, so the old map's verdict is the one that counts.
 */
static __always_inline void migrate(const __u32 *key, const struct encap_v1 *old)
{
	struct encap_v2 v;
	__u32 id = *key;

	v.daddr = old->daddr;
	v.saddr = old->saddr;
	v.sock_id = id;
	bpf_map_update_elem(&new_dynencap_map, &id, &v, BPF_ANY);
}

SEC("map_trace/old_dynencap_map/UPDATE_ELEM")
int dynencap_cow_update(struct bpf_map_trace_ctx *ctx)
{
	migrate(ctx->key, ctx->value);
	return 0;
}

SEC("map_trace/old_dynencap_map/DELETE_ELEM")
int dynencap_cow_delete(struct bpf_map_trace_ctx *ctx)
{
	__u32 id = *(__u32 *)ctx->key;

	bpf_map_delete_elem(&new_dynencap_map, &id);
	return 0;
}

SEC("iter/bpf_map_elem")
int dynencap_copy(struct bpf_iter__bpf_map_elem *ctx)
{
	__u32 *key = ctx->key;
	struct encap_v1 *val = ctx->value;

	if (!key || !val)
		return 0;	/* the end of the iteration */
	migrate(key, val);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
