// SPDX-License-Identifier: GPL-2.0
/*
 * kconfig.c - kconfig externs (section .kconfig, libbpf internal map
 * "kconfig.kconfig" of ARRAY type, BPF_F_RDONLY_PROG).
 *
 * Covers:
 *  - strong externs: LINUX_KERNEL_VERSION (u32, provided by libbpf itself)
 *    and CONFIG_BPF_SYSCALL (bool; must exist in the kernel config);
 *  - weak externs (__weak: 0 when the option is unknown): CONFIG_HZ (int),
 *    CONFIG_NR_CPUS (unsigned long, 8 bytes), CONFIG_BPF_JIT_ALWAYS_ON
 *    (enum libbpf_tristate), CONFIG_DEFAULT_HOSTNAME (char[16] string);
 *  - libbpf's layout of .kconfig: sorted by alignment descending, then size
 *    ascending, then name, each at the running offset rounded up to its
 *    alignment:
 *      CONFIG_NR_CPUS            align 8 size 8   offset 0
 *      CONFIG_BPF_JIT_ALWAYS_ON  align 4 size 4   offset 8
 *      CONFIG_HZ                 align 4 size 4   offset 12
 *      LINUX_KERNEL_VERSION      align 4 size 4   offset 16
 *      CONFIG_BPF_SYSCALL        align 1 size 1   offset 20
 *      CONFIG_DEFAULT_HOSTNAME   align 1 size 16  offset 21
 *    value size 37;
 *  - kconfig values used from two programs, together with a .bss global.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

extern __u32 LINUX_KERNEL_VERSION __kconfig;
extern _Bool CONFIG_BPF_SYSCALL __kconfig;
extern int CONFIG_HZ __kconfig __weak;
extern unsigned long CONFIG_NR_CPUS __kconfig __weak;
extern enum libbpf_tristate CONFIG_BPF_JIT_ALWAYS_ON __kconfig __weak;
extern char CONFIG_DEFAULT_HOSTNAME[16] __kconfig __weak;

__u64 ticks_per_sec;

SEC("syscall")
int kconfig_report(void *ctx)
{
	if (!CONFIG_BPF_SYSCALL)
		return -1;
	ticks_per_sec = CONFIG_HZ ? CONFIG_HZ : 100;
	if (CONFIG_BPF_JIT_ALWAYS_ON == TRI_YES)
		ticks_per_sec |= 1ULL << 63;
	return LINUX_KERNEL_VERSION >= ((5 << 16) | (13 << 8)) ? 0 : 1;
}

SEC("tp/sched/sched_process_exec")
int kconfig_exec(void *ctx)
{
	if (CONFIG_DEFAULT_HOSTNAME[0] == '(')	/* "(none)" */
		return 0;
	return CONFIG_NR_CPUS > 1 ? (int)CONFIG_NR_CPUS : 1;
}

char LICENSE[] SEC("license") = "GPL";
