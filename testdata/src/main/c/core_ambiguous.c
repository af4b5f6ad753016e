// SPDX-License-Identifier: GPL-2.0
/*
 * core_ambiguous.c - a target BTF (like core_target.c) in which core_local.o's
 * struct core_thing has two candidates, the flavors core_thing___one and
 * core_thing___two, that disagree: x is at 0 in one and at 4 in the other.
 * libbpf refuses such a relocation ("relocation decision ambiguity") and the
 * whole load fails; bpf4j must refuse it too (CoreEqualityTest). Both
 * candidates have every field core_local.o reads, so that the ambiguity, not
 * a missing field, is what decides.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct core_inner {
	int a;
	int b;
};

struct core_thing___one {
	int x;
	unsigned int y;
	struct core_inner inner;
	int arr[4];
	union {
		int u_int;
		unsigned char u_bytes[4];
	};
	unsigned int bf_u : 3;
	int bf_s : 5;
	int gone;
};

struct core_thing___two {
	unsigned int y;
	int x;
	struct core_inner inner;
	int arr[4];
	union {
		int u_int;
		unsigned char u_bytes[4];
	};
	unsigned int bf_u : 3;
	int bf_s : 5;
	int gone;
};

/* Globals, so that clang puts the types in .BTF. */
struct core_thing___one thing_one;
struct core_thing___two thing_two;

SEC("syscall")
int core_ambiguous_prog(void *ctx)
{
	return thing_one.x + thing_two.x;
}

char _license[] SEC("license") = "GPL";
