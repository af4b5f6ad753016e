/* The atomic instructions: add/and/or/xor with and without fetch, exchange and
 * compare-exchange, 32 and 64 bits. Needs -mcpu=v3 for anything beyond 64-bit xadd. */
#include "common.h"

u64 c64;
u32 c32;

SEC("tc") u64 no_fetch(u64 *ctx)
{
	u64 v = ctx[0];
	__sync_fetch_and_add(&c64, v);
	__sync_fetch_and_and(&c64, v);
	__sync_fetch_and_or(&c64, v);
	__sync_fetch_and_xor(&c64, v);
	__sync_fetch_and_add(&c32, (u32)v);
	__sync_fetch_and_and(&c32, (u32)v);
	__sync_fetch_and_or(&c32, (u32)v);
	__sync_fetch_and_xor(&c32, (u32)v);
	return 0;
}

SEC("tc") u64 fetch(u64 *ctx)
{
	u64 v = ctx[0], r = 0;
	r += __sync_fetch_and_add(&c64, v);
	r += __sync_fetch_and_and(&c64, v);
	r += __sync_fetch_and_or(&c64, v);
	r += __sync_fetch_and_xor(&c64, v);
	r += __sync_fetch_and_sub(&c64, v);
	r += __sync_fetch_and_add(&c32, (u32)v);
	r += __sync_fetch_and_and(&c32, (u32)v);
	r += __sync_fetch_and_or(&c32, (u32)v);
	r += __sync_fetch_and_xor(&c32, (u32)v);
	return r;
}

SEC("tc") u64 exchange(u64 *ctx)
{
	u64 v = ctx[0], r = 0;
	r += __sync_lock_test_and_set(&c64, v);
	r += __sync_lock_test_and_set(&c32, (u32)v);
	r += __sync_val_compare_and_swap(&c64, v, r);
	r += __sync_val_compare_and_swap(&c32, (u32)v, (u32)r);
	return r;
}
