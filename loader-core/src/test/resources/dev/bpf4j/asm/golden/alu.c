/* ALU32 and ALU64, immediate and register operands, every operation clang emits. */
#include "common.h"

SEC("tc") u64 alu64(u64 *ctx)
{
	u64 a = ctx[0], b = ctx[1], r = 0;
	r += a + b;        r += a - b;        r ^= a * b;      r += a / b;
	r += a % b;        r |= a & b;        r ^= a | 0x55;   r += a ^ b;
	r += a << (b & 63); r += a >> (b & 63); r += (u64)((s64)a >> (b & 63));
	r += a + 7;        r -= 3;            r *= 1000;       r /= 10;
	r %= 9;            r &= 0xff00;       r <<= 3;         r >>= 2;
	r += (u64)((s64)a >> 5);
	r += -a;
	r += 0x123456789abcdefULL;   /* ld_imm64 with a plain constant */
	r += 0xffffffffULL;
	return r;
}

SEC("tc") u32 alu32(u32 *ctx)
{
	u32 a = ctx[0], b = ctx[1], r = 0;
	r += a + b;        r += a - b;        r ^= a * b;      r += a / b;
	r += a % b;        r |= a & b;        r ^= a | 0x55;   r += a ^ b;
	r += a << (b & 31); r += a >> (b & 31); r += (u32)((s32)a >> (b & 31));
	r += a + 7;        r -= 3;            r *= 1000;       r /= 10;
	r %= 9;            r &= 0xff00;       r <<= 3;         r >>= 2;
	r += (u32)((s32)a >> 5);
	r += -a;
	r += (u32)-2147483647 - 1;
	return r;
}

SEC("tc") u64 byteswap(u64 *ctx)
{
	u64 a = ctx[0];
	u32 b = ctx[1];
	u16 c = ctx[2];
	return __builtin_bswap64(a) + __builtin_bswap32(b) + __builtin_bswap16(c);
}
