// SPDX-License-Identifier: GPL-2.0
/*
 * core_target.c - the "target kernel" for core_local.o: its .BTF holds the
 * types core_local.c relocates against (libbpf: btf_custom_path =
 * core_target.o; bpf4j: TargetBtf.file(core_target.o), --btf on the CLI),
 * under the same names but laid out differently, so that every CO-RE
 * relocation of core_local.o gives a different value here than locally.
 * The program is trivial; it only makes clang emit the types.
 *
 * Target layout (x86-64/BPF: long 8 bytes, int 4; bit numbers are BTF member
 * bit offsets):
 *   struct core_inner  size 16: b long @0, a int @8 (local: a @0, b @4, size 8)
 *   struct core_thing  size 72 (local 44):
 *     y   unsigned long @0 (local unsigned int @4: 4 -> 8 bytes)
 *     arr int[6] @8      (local int[4] @16)
 *     inner @32: b @32, a @40
 *     x   int @48        (local @0)
 *     pad int @52
 *     bf_s int:6 at bit 448 (byte 56)  (local int:5 at bit 291)
 *     bf_u unsigned int:4 at bit 454   (local unsigned int:3 at bit 288)
 *     anonymous union @64 { long u_int; unsigned char u_bytes[8]; } (local @32, int)
 *     no "gone" (local @40)
 *   struct core_flavored size 8: pad int @0, new_name int @4 (no flavor suffix;
 *     core_local's core_flavored___new and ___old both name it)
 *   struct core_sized size 20 (local 12)
 *   no struct core_absent
 *   enum core_color { CORE_BLUE = 7, CORE_RED = 10, CORE_GREEN = 20 } (no CORE_PURPLE;
 *     local RED 0, GREEN 1, BLUE 2, PURPLE 3)
 *
 * Values core_local.o computes against this (libbpf's rules, by hand):
 *   field byte offset: x 48, y 0, inner.b 32, inner.a 40, arr[3] 8+12 = 20,
 *     u_bytes[1] 65, bf_s/bf_u: their int storage unit at byte 56 -> 56;
 *   field byte size: y 8, u_int 8, bf_u 4;  exists: gone 0;  signed: x 1, y 0;
 *   bitfields (byte_off = bit_off/8 rounded down to a multiple of byte_sz = 56,
 *   byte_sz 4, the int's size, as bit_off + bit_sz - byte_off*8 <= 32):
 *     little-endian lshift = 64 - (bit_off + bit_sz - byte_off*8),
 *     big-endian lshift = (8 - byte_sz)*8 + (bit_off - byte_off*8), rshift = 64 - bit_sz:
 *     bf_s: le lshift 58, be lshift 32, rshift 58, signed 1;
 *     bf_u: le lshift 54, be lshift 38, rshift 60, signed 0;
 *   type exists: core_thing 1, core_absent 0, core_flavored___old 1, core_flavored___new 1;
 *   (type matches, by CoreEqualityTest's rewrite: core_thing 0 (no gone), core_absent 0,
 *   core_flavored___old 0 (no old_name), core_flavored___new 1 (new_name, an int, is there));
 *   type size: core_thing 72, core_sized 20;
 *   enum value exists: GREEN 1, PURPLE 0; enum value: RED 10, GREEN 20, BLUE 7;
 *   flavors: core_flavored___new.new_name exists, offset 4; ___old.old_name does not.
 *   target type id of core_thing: its id in this object's .BTF (bpftool btf dump).
 * Loads that are poisoned: the direct read of gone, the value of CORE_PURPLE.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

enum core_color { CORE_BLUE = 7, CORE_RED = 10, CORE_GREEN = 20 };

struct core_inner {
	long b;
	int a;
};

struct core_thing {
	unsigned long y;
	int arr[6];
	struct core_inner inner;
	int x;
	int pad;
	int bf_s : 6;
	unsigned int bf_u : 4;
	union {
		long u_int;
		unsigned char u_bytes[8];
	};
};

struct core_flavored {
	int pad;
	int new_name;
};

struct core_sized {
	char c[20];
};

/* Globals, so that clang puts every type in .BTF. */
struct core_thing target_thing;
struct core_flavored target_flavored;
struct core_sized target_sized;
enum core_color target_color;

SEC("syscall")
int core_target_prog(void *ctx)
{
	return target_thing.x + target_flavored.new_name + target_sized.c[0] + target_color;
}

char _license[] SEC("license") = "GPL";
