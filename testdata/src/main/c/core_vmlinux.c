// SPDX-License-Identifier: GPL-2.0
/*
 * core_vmlinux.c - tracing programs written against a vmlinux.h, the way
 * libbpf-tools are: every kernel type comes from the kernel's own BTF, and
 * every access is a CO-RE relocation resolved against the RUNNING kernel's
 * BTF at load (/sys/kernel/btf/vmlinux). build.sh generates vmlinux.h into
 * a temporary directory with `bpftool btf dump file /sys/kernel/btf/vmlinux
 * format c` (it is not committed) and records the kernel release it came
 * from in obj/TOOLCHAIN.txt. Compiled with -D__TARGET_ARCH_x86 for
 * bpf_tracing.h's pt_regs accessors.
 *
 * Covers:
 *  - kprobe and kretprobe (BPF_KPROBE/BPF_KRETPROBE), tp_btf, raw_tp, fentry;
 *  - BPF_CORE_READ chains through pointers (task->real_parent->tgid,
 *    skb->dev->ifindex, file->f_path.dentry->d_name.len);
 *  - bpf_core_field_exists with a ___flavor (task_struct___old's "state",
 *    renamed __state in 5.14: exactly one of the two exists), field size
 *    and offset, bpf_core_type_exists / type_size, bpf_core_enum_value and
 *    enum value exists (enum pid_type, enum bpf_map_type), type ids.
 * Results go to the .bss array seen[]; the programs are meant to load, and to
 * pass the emulator's verifier (so no bpf_get_current_task: tasks come from
 * the tracepoint's arguments).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

/* task_struct before 5.14, when "state" became "__state". */
struct task_struct___old {
	long state;
} __attribute__((preserve_access_index));

/* A type no kernel has. */
struct bpf4j_no_such_type {
	int nothing;
} __attribute__((preserve_access_index));

__u64 seen[16];

static __always_inline __u64 task_state(struct task_struct *task)
{
	struct task_struct___old *old = (void *)task;

	if (bpf_core_field_exists(task->__state))
		return BPF_CORE_READ(task, __state);
	return BPF_CORE_READ(old, state);
}

SEC("kprobe/do_unlinkat")
int BPF_KPROBE(core_unlink_entry, int dfd, struct filename *name)
{
	seen[2] = BPF_CORE_READ(name, refcnt.counter);
	seen[3] = bpf_core_field_size(struct task_struct, comm);
	return 0;
}

SEC("kretprobe/do_unlinkat")
int BPF_KRETPROBE(core_unlink_exit, long ret)
{
	seen[4] = ret;
	seen[5] = bpf_core_type_size(struct task_struct);
	seen[6] = bpf_core_type_exists(struct bpf4j_no_such_type);
	return 0;
}

SEC("kprobe/tcp_v4_rcv")
int BPF_KPROBE(core_tcp_rcv, struct sk_buff *skb)
{
	seen[7] = BPF_CORE_READ(skb, len);
	seen[8] = BPF_CORE_READ(skb, dev, ifindex);
	seen[9] = bpf_core_field_offset(struct sk_buff, len);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(core_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	seen[10] = next->pid;			/* direct BTF-typed read */
	seen[0] = BPF_CORE_READ(prev, real_parent, tgid);
	seen[1] = task_state(prev);
	seen[11] = bpf_core_enum_value(enum pid_type, PIDTYPE_TGID);
	if (bpf_core_enum_value_exists(enum bpf_map_type, BPF_MAP_TYPE_USER_RINGBUF))
		seen[12] = bpf_core_enum_value(enum bpf_map_type, BPF_MAP_TYPE_USER_RINGBUF);
	return 0;
}

SEC("raw_tp/sched_process_exec")
int BPF_PROG(core_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	seen[13] = BPF_CORE_READ(bprm, file, f_path.dentry, d_name.len);
	seen[14] = bpf_core_type_id_kernel(struct task_struct);
	return 0;
}

SEC("fentry/do_unlinkat")
int BPF_PROG(core_unlink_fentry, int dfd, struct filename *name)
{
	seen[15] = BPF_CORE_READ(name, name) != 0;
	return 0;
}

char _license[] SEC("license") = "GPL";
