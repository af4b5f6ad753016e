// SPDX-License-Identifier: GPL-2.0
/*
 * fdallow_old.c - version 1 of the map tracing series' "real world example" (seed 001,
 * its selftest bpf_map_trace_real_world_*): a policy that lets a process use only the
 * file descriptors it was allowed, kept in a map keyed by { pid, fd }. fdallow_new.c is
 * version 2, which reorders the key to { fd, pid }; fdallow_migration.c moves the state.
 *
 * The selftest hooks openat()/write()/close() with kretprobe and fmod_ret programs, which
 * the emulator does not fire. Here the application speaks to the policy through socket
 * options at the private level SOL_FDALLOW, on the emulator's cgroup hooks:
 *  - setsockopt(FDALLOW_OPEN, { pid, fd, mode }): fd of pid is allowed for mode (read 1,
 *    write 2) - an update of the map, as the selftest's openat() hook makes;
 *  - setsockopt(FDALLOW_CLOSE, { pid, fd }): the allowance ends - a delete, as close();
 *  - getsockopt(FDALLOW_CHECK, { pid, fd, mode }): may pid use fd for mode? The answer is
 *    the verdict (1 yes, 0 no: EPERM, as the selftest's write() hook returns) and the
 *    mode the map holds written back into the request (0 when fd is not allowed).
 * The request carries the pid because the emulator runs every firing as one task; this
 * also lets a test's threads act as many processes.
 *
 * The two races of the selftest, which an upgrade without map tracing loses:
 *  1. an fd allowed before the bulk copy and closed after it (before the programs are
 *     swapped): the delete never reaches the new map, which keeps a stale allowance;
 *  2. an fd allowed after the bulk copy: the new map never sees it, and the process may
 *     not use an fd it was given.
 *
 * Covers: cgroup/setsockopt and cgroup/getsockopt (ctx->retval, optlen, writes into the
 * option buffer); a struct key; "allow_fds": HASH { pid, fd } -> { mode }, 64 entries.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define SOL_FDALLOW	0x4644		/* a private socket option level ("FD") */
#define FDALLOW_OPEN	1
#define FDALLOW_CLOSE	2
#define FDALLOW_CHECK	3

struct fdallow_req {
	__u32 pid;
	__s32 fd;
	__u32 mode;
};

/* Version 1 of the key. */
struct allow_key {
	__u32 pid;
	__s32 fd;
};

struct allow_value {
	__u32 mode;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct allow_key);
	__type(value, struct allow_value);
} allow_fds SEC(".maps");

SEC("cgroup/setsockopt")
int fdallow_setsockopt(struct bpf_sockopt *ctx)
{
	struct fdallow_req *req = ctx->optval;
	void *end = ctx->optval_end;
	struct allow_value v;
	struct allow_key k;

	if (ctx->level != SOL_FDALLOW)
		return 1;
	ctx->optlen = -1;
	if ((void *)(req + 1) > end)
		return 0;
	k.pid = req->pid;
	k.fd = req->fd;
	if (ctx->optname == FDALLOW_CLOSE) {
		bpf_map_delete_elem(&allow_fds, &k);
		return 1;
	}
	if (ctx->optname != FDALLOW_OPEN || k.fd < 0)
		return 0;
	v.mode = req->mode;
	return bpf_map_update_elem(&allow_fds, &k, &v, BPF_ANY) == 0;
}

SEC("cgroup/getsockopt")
int fdallow_check(struct bpf_sockopt *ctx)
{
	struct fdallow_req *req = ctx->optval;
	void *end = ctx->optval_end;
	struct allow_value *v;
	struct allow_key k;
	__u32 want;

	if (ctx->level != SOL_FDALLOW || ctx->optname != FDALLOW_CHECK)
		return 1;
	if ((void *)(req + 1) > end)
		return 0;
	k.pid = req->pid;
	k.fd = req->fd;
	want = req->mode;
	v = bpf_map_lookup_elem(&allow_fds, &k);
	req->mode = v ? v->mode : 0;
	ctx->optlen = sizeof(*req);
	/* optlen and retval are adjacent: keep clang from merging the two stores into one
	 * 8-byte store, which the verifier refuses (each field is written with its own size) */
	asm volatile("" ::: "memory");
	ctx->retval = 0;	/* the kernel knows no SOL_FDALLOW: the answer is ours */
	return v && (v->mode & want) == want;
}

char LICENSE[] SEC("license") = "GPL";
