# Instructions that clang seldom emits from C, written in LLVM's own assembler syntax.
	.section	"asm","ax",@progbits
	.globl	insns
insns:
	r1 = -r1
	w2 = -w2
	r3 = le16 r3
	r3 = le32 r3
	r3 = le64 r3
	r4 = be16 r4
	r4 = be32 r4
	r4 = be64 r4
	r0 = *(u8 *)skb[4]
	r0 = *(u16 *)skb[-4]
	r0 = *(u32 *)skb[65536]
	r0 = *(u8 *)skb[r2]
	r0 = *(u16 *)skb[r3]
	r0 = *(u32 *)skb[r4]
	lock *(u32 *)(r1 + 4) += r2
	lock *(u64 *)(r10 - 8) += r3
	w1 s>>= w2
	w1 s>>= 31
	r1 s>>= r2
	w5 = w6
	r5 = r6
	w5 = -1
	r5 = 2147483647
	r5 = -2147483648
	r6 = -1 ll
	r6 = 9223372036854775807 ll
	r7 = -9223372036854775808 ll
	if r1 s>= r2 goto -4
	if w1 < 1 goto +32767
	if w1 > w2 goto -32768
	if r9 s<= -2147483648 goto +0
	goto -1
# Every condition, 64 and 32 bits, register and immediate.
	if r0 == r9 goto +0
	if r0 == -4000 goto -1
	if w0 == w9 goto +2
	if w0 == 0 goto -3
	if r1 != r8 goto +1
	if r1 != -3000 goto -2
	if w1 != w8 goto +3
	if w1 != -7 goto -4
	if r2 > r7 goto +2
	if r2 > -2000 goto -3
	if w2 > w7 goto +4
	if w2 > -14 goto -5
	if r3 >= r6 goto +3
	if r3 >= -1000 goto -4
	if w3 >= w6 goto +5
	if w3 >= -21 goto -6
	if r4 < r5 goto +4
	if r4 < 0 goto -5
	if w4 < w5 goto +6
	if w4 < -28 goto -7
	if r5 <= r4 goto +5
	if r5 <= 1000 goto -6
	if w5 <= w4 goto +7
	if w5 <= -35 goto -8
	if r6 s> r3 goto +6
	if r6 s> 2000 goto -7
	if w6 s> w3 goto +8
	if w6 s> -42 goto -9
	if r7 s>= r2 goto +7
	if r7 s>= 3000 goto -8
	if w7 s>= w2 goto +9
	if w7 s>= -49 goto -10
	if r8 s< r1 goto +8
	if r8 s< 4000 goto -9
	if w8 s< w1 goto +10
	if w8 s< -56 goto -11
	if r9 s<= r0 goto +9
	if r9 s<= 5000 goto -10
	if w9 s<= w0 goto +11
	if w9 s<= -63 goto -12
	call 0
	call 2147483647
	call -5
	*(u64 *)(r10 - 32768) = r1
	r1 = *(u64 *)(r10 + 32767)
	*(u8 *)(r9 + 1) = r0
	exit
