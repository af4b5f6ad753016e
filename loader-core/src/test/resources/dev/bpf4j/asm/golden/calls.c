/* ld_imm64 with relocations (maps, .data, .rodata, .bss, a function address), helper
 * calls and local calls to subprograms. */
#include "common.h"

struct map_def { u32 type, key_size, value_size, max_entries; };
struct map_def counters SEC("maps") = { 1, 4, 8, 16 };
struct map_def events SEC("maps") = { 2, 4, 8, 1 };

static long (*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value, u64 flags) = (void *)2;
static long (*bpf_for_each_map_elem)(void *map, void *cb, void *ctx, u64 flags) = (void *)164;

u64 hits = 1;                    /* .data */
const volatile u32 limit = 100;  /* .rodata */
u64 misses;                      /* .bss */

static NOINLINE u64 add(u64 a, u64 b) { return a * 3 + b + hits; }
static NOINLINE u64 twice(u64 a) { return add(a, a) + limit; }
static long cb(void *map, u32 *key, u64 *val, void *ctx) { return 0; }

SEC("kprobe/sys_nanosleep") int probe(void *ctx)
{
	u32 key = 0;
	u64 *v = (u64 *)bpf_map_lookup_elem(&counters, &key);
	if (!v) {
		misses++;
		u64 one = 1;
		bpf_map_update_elem(&counters, &key, &one, 0);
		return 0;
	}
	bpf_for_each_map_elem(&events, cb, 0, 0);
	return twice(*v) + add(key, misses);
}
