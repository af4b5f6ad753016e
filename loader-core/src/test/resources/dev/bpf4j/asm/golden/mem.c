/* Loads and stores of every size, through the stack, the context and a pointer; and the
 * legacy packet loads (BPF_ABS/BPF_IND) through LLVM's intrinsics. */
#include "common.h"

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

struct rec { u8 a; u16 b; u32 c; u64 d; s8 e; s16 f; s32 g; };

SEC("socket") int copy(struct rec *in)
{
	volatile struct rec tmp;
	tmp.a = in->a; tmp.b = in->b; tmp.c = in->c; tmp.d = in->d;
	tmp.e = in->e; tmp.f = in->f; tmp.g = in->g;
	in[1].a = tmp.a + 1; in[1].b = tmp.b + 2; in[1].c = tmp.c + 3; in[1].d = tmp.d + 4;
	return (s64)tmp.e + tmp.f + tmp.g;
}

SEC("socket") int far(u8 *p)
{
	u64 v = *(u64 *)(p + 32760);
	*(u32 *)(p - 32768) = (u32)v;
	*(u16 *)(p - 2) = 7;
	*(u8 *)(p + 1) = 0;
	return v;
}

SEC("socket") int packet(void *skb)
{
	u64 i = load_byte(skb, 14);
	return load_byte(skb, 12) + load_half(skb, 20) + load_word(skb, 26) + load_word(skb, i) + load_half(skb, i) + load_byte(skb, i);
}
