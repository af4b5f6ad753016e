// SPDX-License-Identifier: GPL-2.0
/*
 * kernel_helpers.c - the helpers that are neither about maps nor packets, with
 * arguments taken from the packet, so that random packets make random calls:
 *  - bpf_snprintf with every conversion the kernel accepts (%d %i %u %x %X with
 *    l and ll, %c, %s, %pI4 %pi4 %pI6 %pi6, flags 0 + - space and widths),
 *    into buffers large and too small (the return value counts the NUL);
 *  - bpf_snprintf with a size of 0: only the length (formats the kernel refuses
 *    are refused by its verifier at load, so no program can show -EINVAL);
 *  - bpf_strncmp against a constant;
 *  - bpf_loop with a callback that stops early;
 *  - bpf_probe_read_kernel and bpf_probe_read_kernel_str from the packet.
 * Everything lands in the .bss struct `out`; nothing depends on time or chance,
 * so the kernel and the emulator must leave the same bytes there.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct out {
	char s[6][48];		/* snprintf results */
	long n[7];		/* snprintf return values (n[6]: with size 0) */
	char small[8];		/* truncated output */
	long cmp[2];		/* strncmp results */
	long loop_ret;		/* bpf_loop's return value */
	__u64 loop_sum;		/* what the callbacks added up */
	long probe_ret, probe_str_ret;
	char probe_buf[16], probe_str[16];
	__u32 runs;
};

struct out out;

struct loop_ctx {
	__u64 sum;
	__u32 stop_at;
};

static long add_index(__u32 i, struct loop_ctx *c)
{
	c->sum += (__u64)i * i + 1;
	return i == c->stop_at ? 1 : 0;
}

SEC("xdp")
int kernel_helpers(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u64 a, b, c;
	char word[8];

	if (data + 40 > data_end)
		return XDP_DROP;
	a = ((__u64 *)data)[0];
	b = ((__u64 *)data)[1];
	c = ((__u64 *)data)[2];
	__builtin_memcpy(word, data + 24, 8);
	word[7] = 0;
	out.runs++;

	out.n[0] = BPF_SNPRINTF(out.s[0], 48, "%d %i %u %x %X|", (int)a, (int)(a >> 32), (unsigned)b, (unsigned)c, (unsigned)(c >> 32));
	out.n[1] = BPF_SNPRINTF(out.s[1], 48, "%ld %lu %llx %lld", (long)a, b, c, (long long)b);
	out.n[2] = BPF_SNPRINTF(out.s[2], 48, "%5d|%-5d|%05d|%+d|% d|%c", (int)(a & 0xffff) - 0x8000, (int)(b & 0xff), (int)(c & 0xfff), (int)(a & 0xff), (int)(b & 0xff), (char)('A' + (c & 0xf)));
	out.n[3] = BPF_SNPRINTF(out.s[3], 48, "%pI4 %pi4 [%s]", data + 24, data + 28, data + 32);
	out.n[4] = BPF_SNPRINTF(out.s[4], 48, "%pI6", data + 16);
	out.n[5] = BPF_SNPRINTF(out.s[5], 48, "%pi6 %8s", data + 16, word);
	out.n[6] = BPF_SNPRINTF(out.small, 0, "%llu", a);
	BPF_SNPRINTF(out.small, sizeof(out.small), "%lx", a);

	out.cmp[0] = bpf_strncmp(word, sizeof(word), "abcdef");
	out.cmp[1] = bpf_strncmp(word, 3, "abz");

	struct loop_ctx lc = { .sum = 0, .stop_at = (__u32)(b >> 8) & 0x3f };
	out.loop_ret = bpf_loop((__u32)b & 0x3f, add_index, &lc, 0);
	out.loop_sum = lc.sum;

	out.probe_ret = bpf_probe_read_kernel(out.probe_buf, sizeof(out.probe_buf), data + 8);
	out.probe_str_ret = bpf_probe_read_kernel_str(out.probe_str, sizeof(out.probe_str), data + 30);
	return XDP_PASS;
}

char _license[] SEC("license") = "GPL";
