/* Every comparison, signed and unsigned, against registers and immediates; in JMP and, with
 * -mcpu=v3, JMP32. Long forward and backward jumps come from the loop. */
#include "common.h"

#define CMP(T, a, b, n) \
	if ((T)(a) == (T)(b)) r += n; \
	if ((T)(a) != (T)(b)) r ^= n + 1; \
	if ((T)(a) <  (T)(b)) r += n + 2; \
	if ((T)(a) <= (T)(b)) r ^= n + 3; \
	if ((T)(a) >  (T)(b)) r += n + 4; \
	if ((T)(a) >= (T)(b)) r ^= n + 5;

SEC("xdp") int compare64(u64 *ctx)
{
	u64 r = 0, a = ctx[0], b = ctx[1];
	CMP(u64, a, b, 10)
	CMP(s64, a, b, 20)
	CMP(u64, a, 77, 30)
	CMP(s64, a, -77, 40)
	return r;
}

SEC("xdp") int compare32(u32 *ctx)
{
	u32 r = 0, a = ctx[0], b = ctx[1];
	CMP(u32, a, b, 10)
	CMP(s32, a, b, 20)
	CMP(u32, a, 77, 30)
	CMP(s32, a, -77, 40)
	return r;
}

SEC("xdp") int loop(u64 *ctx)
{
	u64 sum = 0;
	for (int i = 0; i < 100; i++) {
		u64 v = ctx[i & 7];
		OPAQUE(v);
		if (v & 0x100)
			continue;
		sum += v;
		if (sum > 1000000)
			break;
	}
	return sum;
}
