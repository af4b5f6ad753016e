// SPDX-License-Identifier: GPL-2.0
/*
 * core_local.c - CO-RE (compile once, run everywhere) over LOCAL types: the
 * structs below are this object's idea of a "kernel" layout, marked
 * preserve_access_index so that clang records every access to them in
 * .BTF.ext as a CO-RE relocation. The "kernel" they are relocated against is
 * core_target.o's .BTF (libbpf: bpf_object_open_opts.btf_custom_path; bpf4j:
 * TargetBtf.file), where every type is laid out differently, so that every
 * relocation gives a different value there than here. The target layout and
 * each value the programs compute against it are derived by hand in
 * core_target.c.
 *
 * The programs are syscall programs: their context is a caller-supplied
 * buffer, here a struct core_thing in the TARGET layout, which they read
 * directly (LDX with a relocated offset) and through bpf_probe_read_kernel
 * (BPF_CORE_READ, BPF_CORE_READ_BITFIELD_PROBED; the syscall context cannot
 * be read at a computed offset directly). Results go to the .bss array out[].
 *
 * Relocation kinds clang 14 emits, all covered:
 *  - field byte offset: direct field loads (LDX off), BPF_CORE_READ (ALU add),
 *    bpf_core_field_offset (mov imm); nested (inner.b), array element
 *    (arr[3]), anonymous union member (u_bytes[1]);
 *  - field byte size (bpf_core_field_size), exists (bpf_core_field_exists),
 *    signed (__builtin_preserve_field_info(.., BPF_FIELD_SIGNED)), lshift_u64
 *    and rshift_u64 (BPF_CORE_READ_BITFIELD_PROBED, which also uses size,
 *    offset and signed);
 *  - local and target type id (bpf_core_type_id_local/_kernel), type exists,
 *    type size, enum value exists, enum value;
 *  - ___flavor suffixes: struct core_flavored___old / ___new both match the
 *    target's struct core_flavored; bpf_core_field_exists picks the one whose
 *    field is there;
 *  - a signed field whose size differs in the target (inner.b, int -> long),
 *    read directly only behind a bpf_core_field_size check (libbpf poisons a
 *    load it cannot widen) and otherwise with bpf_core_read of the target's size;
 *  - a field missing in the target (gone) read behind bpf_core_field_exists:
 *    the load is poisoned, but never reached (core_fields), and the same
 *    field read unconditionally (core_poisoned): a reached poison, which the
 *    kernel refuses at load ("invalid func unknown#195896080") and an
 *    emulator faults on when it runs;
 *  - an enum value missing in the target, behind bpf_core_enum_value_exists.
 * Not covered: type matches (needs clang 15; CoreEqualityTest rewrites this
 * object's type-exists records into type-matches ones instead) and 64-bit
 * enums (clang 14 emits no BTF_KIND_ENUM64).
 *
 * core_poisoned comes last: libbpf loads programs in order and stops at the
 * first the kernel refuses.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#define __core __attribute__((preserve_access_index))

enum core_color { CORE_RED = 0, CORE_GREEN = 1, CORE_BLUE = 2, CORE_PURPLE = 3 };

struct core_inner {
	int a;				/* 0 */
	int b;				/* 4 */
} __core;

/* Local layout (size 44); core_target.c has the target's. */
struct core_thing {
	int x;				/* 0 */
	unsigned int y;			/* 4 */
	struct core_inner inner;	/* 8: a 8, b 12 */
	int arr[4];			/* 16 */
	union {				/* 32 */
		int u_int;
		unsigned char u_bytes[4];
	};
	unsigned int bf_u : 3;		/* 36, bits 288..290 */
	int bf_s : 5;			/* bits 291..295 */
	int gone;			/* 40: not in the target */
} __core;

/* Two flavors of one type: both are candidates for the target's core_flavored. */
struct core_flavored___old {
	int old_name;
} __core;

struct core_flavored___new {
	int new_name;
} __core;

/* Not in the target at all. */
struct core_absent {
	int z;
} __core;

/* Size 12 here, 20 in the target. */
struct core_sized {
	char c[12];
} __core;

__u64 out[32];

SEC("syscall")
int core_fields(struct core_thing *t)
{
	out[0] = t->x;
	out[1] = t->y;				/* unsigned 4 -> 8 bytes: the load widens */
	if (bpf_core_field_size(t->inner.b) == sizeof(t->inner.b)) {
		/* Target int -> long: a signed load cannot be widened, so this
		 * load is poisoned there ("accesses field incorrectly"), and
		 * never reached. */
		out[2] = t->inner.b;
	} else {
		long long b = 0;

		bpf_core_read(&b, bpf_core_field_size(t->inner.b), &t->inner.b);
		out[2] = b;
	}
	out[3] = t->inner.a;
	out[4] = t->arr[3];
	out[5] = t->u_bytes[1];			/* anonymous union member */
	out[6] = BPF_CORE_READ_BITFIELD_PROBED(t, bf_u);
	out[7] = BPF_CORE_READ_BITFIELD_PROBED(t, bf_s);
	out[8] = bpf_core_field_offset(t->inner.a);
	out[9] = bpf_core_field_size(t->y);
	out[10] = bpf_core_field_size(t->u_int);
	out[11] = bpf_core_field_exists(t->gone);
	if (bpf_core_field_exists(t->gone))
		out[12] = t->gone;		/* poisoned, never reached */
	else
		out[12] = 0xdead;
	out[13] = BPF_CORE_READ(t, inner.a);
	out[14] = __builtin_preserve_field_info(t->x, BPF_FIELD_SIGNED);
	out[15] = __builtin_preserve_field_info(t->y, BPF_FIELD_SIGNED);
	out[16] = bpf_core_field_offset(t->bf_s);
	out[17] = bpf_core_field_size(t->bf_u);
	return 0;
}

SEC("syscall")
int core_types(void *ctx)
{
	out[0] = bpf_core_type_id_local(struct core_thing);
	out[1] = bpf_core_type_id_kernel(struct core_thing);
	out[2] = bpf_core_type_exists(struct core_thing);
	out[3] = bpf_core_type_exists(struct core_absent);
	out[4] = bpf_core_type_size(struct core_thing);
	out[5] = bpf_core_type_size(struct core_sized);
	out[6] = bpf_core_enum_value_exists(enum core_color, CORE_GREEN);
	out[7] = bpf_core_enum_value_exists(enum core_color, CORE_PURPLE);
	out[8] = bpf_core_enum_value(enum core_color, CORE_RED);
	out[9] = bpf_core_enum_value(enum core_color, CORE_GREEN);
	out[10] = bpf_core_enum_value(enum core_color, CORE_BLUE);
	if (bpf_core_enum_value_exists(enum core_color, CORE_PURPLE))
		out[11] = bpf_core_enum_value(enum core_color, CORE_PURPLE); /* poisoned, never reached */
	else
		out[11] = 0xdead;
	out[12] = bpf_core_type_exists(struct core_flavored___old);
	out[13] = bpf_core_type_exists(struct core_flavored___new);
	return 0;
}

SEC("syscall")
int core_flavors(void *ctx)
{
	if (bpf_core_field_exists(struct core_flavored___new, new_name))
		out[0] = bpf_core_field_offset(struct core_flavored___new, new_name);
	else
		out[0] = 0xdead;
	out[1] = bpf_core_field_exists(struct core_flavored___old, old_name);
	out[2] = bpf_core_field_exists(struct core_flavored___new, new_name);
	return 0;
}

SEC("syscall")
int core_poisoned(struct core_thing *t)
{
	out[20] = t->gone;			/* poisoned and reached */
	return 1;
}

char _license[] SEC("license") = "GPL";
