// SPDX-License-Identifier: GPL-2.0
/*
 * sections.c - one trivial program per ELF section name, for the section
 * name -> (program type, expected attach type, flags) table.
 *
 * Covers every kind of pattern of libbpf's SEC table:
 *  - exact names ("socket", "xdp", "tc", "sk_skb", "cgroup/dev", ...);
 *  - "name+" patterns, bare and with "/extras" (kprobe/..., uprobe,
 *    uretprobe//bin/bash:readline, tracepoint/a/b, tp/a/b, raw_tp/x,
 *    raw_tracepoint.w/x, tp_btf/x, fentry/x, fexit/x, fmod_ret/x, fentry.s/x,
 *    lsm/x, lsm.s/x, iter/x, kprobe.multi/x, ksyscall/x);
 *  - sleepable (.s) and XDP frags variants, devmap;
 *  - newer sections unknown to libbpf 1.1: tcx/ingress, tcx/egress,
 *    tc/ingress (newest libbpf: alias of tcx/ingress), sk_skb/verdict,
 *    netfilter;
 *  - "?xdp": leading '?' = autoload off (libbpf reports section "xdp");
 *  - "foo_bar/unknown": no match, program type UNSPEC (libbpf only logs it);
 *  - two programs in one section ("xdp": prog_xdp and prog_xdp_second).
 * Programs do nothing but return a constant (or read one context field), so
 * each is a handful of instructions. No maps, no global data.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct file;		/* only pointers are used */

/* ---- socket / tracing by probe ---- */
SEC("socket")
int prog_socket(struct __sk_buff *skb) { return skb->len; }

SEC("kprobe/do_unlinkat")
int prog_kprobe(void *ctx) { return 0; }

SEC("kretprobe/do_unlinkat")
int prog_kretprobe(void *ctx) { return 0; }

SEC("uprobe")
int prog_uprobe(void *ctx) { return 0; }

SEC("uretprobe//bin/bash:readline")
int prog_uretprobe(void *ctx) { return 0; }

SEC("kprobe.multi/do_unlink*")
int prog_kprobe_multi(void *ctx) { return 0; }

SEC("ksyscall/openat")
int prog_ksyscall(void *ctx) { return 0; }

SEC("tracepoint/syscalls/sys_enter_openat")
int prog_tracepoint(void *ctx) { return 0; }

SEC("tp/sched/sched_switch")
int prog_tp(void *ctx) { return 0; }

SEC("raw_tp/sched_switch")
int prog_raw_tp(void *ctx) { return 0; }

SEC("raw_tracepoint.w/bpf_testmod_test_writable_bare")
int prog_raw_tp_writable(void *ctx) { return 0; }

/* ---- BTF-attached tracing ---- */
SEC("tp_btf/sched_switch")
int BPF_PROG(prog_tp_btf, _Bool preempt, void *prev, void *next)
{
	return preempt ? 1 : 0;
}

SEC("fentry/do_unlinkat")
int BPF_PROG(prog_fentry, int dfd, void *name)
{
	return 0;
}

SEC("fexit/do_unlinkat")
int BPF_PROG(prog_fexit, int dfd, void *name, long ret)
{
	return 0;
}

SEC("fmod_ret/security_file_open")
int BPF_PROG(prog_fmod_ret, struct file *file, int ret)
{
	return ret;
}

SEC("fentry.s/__x64_sys_nanosleep")
int prog_fentry_sleepable(void *ctx) { return 0; }

SEC("lsm/file_open")
int BPF_PROG(prog_lsm, struct file *file, int ret)
{
	return ret;
}

SEC("lsm.s/file_open")
int BPF_PROG(prog_lsm_sleepable, struct file *file, int ret)
{
	return 0;
}

SEC("iter/bpf_map_elem")
int prog_iter_map_elem(void *ctx) { return 0; }

SEC("iter/task")
int prog_iter_task(void *ctx) { return 0; }

SEC("syscall")
int prog_syscall(void *ctx) { return 0; }

/* ---- XDP ---- */
SEC("xdp")
int prog_xdp(struct xdp_md *ctx) { return XDP_PASS; }

SEC("xdp")
int prog_xdp_second(struct xdp_md *ctx) { return XDP_DROP; }

SEC("xdp.frags")
int prog_xdp_frags(struct xdp_md *ctx) { return XDP_PASS; }

SEC("xdp/devmap")
int prog_xdp_devmap(struct xdp_md *ctx) { return XDP_PASS; }

SEC("?xdp")
int prog_xdp_noautoload(struct xdp_md *ctx) { return XDP_PASS; }

/* ---- tc ---- */
SEC("tc")
int prog_tc(struct __sk_buff *skb) { return 0; }

SEC("classifier")
int prog_classifier(struct __sk_buff *skb) { return 0; }

SEC("action")
int prog_action(struct __sk_buff *skb) { return 0; }

SEC("tcx/ingress")
int prog_tcx_ingress(struct __sk_buff *skb) { return 0; }

SEC("tcx/egress")
int prog_tcx_egress(struct __sk_buff *skb) { return 0; }

SEC("tc/ingress")
int prog_tc_ingress(struct __sk_buff *skb) { return 0; }

/* ---- cgroup ---- */
SEC("cgroup_skb/ingress")
int prog_cgroup_skb_ingress(struct __sk_buff *skb) { return 1; }

SEC("cgroup_skb/egress")
int prog_cgroup_skb_egress(struct __sk_buff *skb) { return 1; }

SEC("cgroup/skb")
int prog_cgroup_skb(struct __sk_buff *skb) { return 1; }

SEC("cgroup/sock_create")
int prog_cgroup_sock_create(struct bpf_sock *sk) { return 1; }

SEC("cgroup/post_bind4")
int prog_cgroup_post_bind4(struct bpf_sock *sk) { return 1; }

SEC("cgroup/bind6")
int prog_cgroup_bind6(struct bpf_sock_addr *ctx) { return 1; }

SEC("cgroup/connect4")
int prog_cgroup_connect4(struct bpf_sock_addr *ctx) { return 1; }

SEC("cgroup/connect6")
int prog_cgroup_connect6(struct bpf_sock_addr *ctx) { return 1; }

SEC("cgroup/sendmsg4")
int prog_cgroup_sendmsg4(struct bpf_sock_addr *ctx) { return 1; }

SEC("cgroup/recvmsg6")
int prog_cgroup_recvmsg6(struct bpf_sock_addr *ctx) { return 1; }

SEC("cgroup/getsockopt")
int prog_cgroup_getsockopt(struct bpf_sockopt *ctx) { return 1; }

SEC("cgroup/setsockopt")
int prog_cgroup_setsockopt(struct bpf_sockopt *ctx) { return 1; }

SEC("cgroup/sysctl")
int prog_cgroup_sysctl(struct bpf_sysctl *ctx) { return 1; }

SEC("cgroup/dev")
int prog_cgroup_dev(struct bpf_cgroup_dev_ctx *ctx) { return 1; }

/* ---- sockets ---- */
SEC("sockops")
int prog_sockops(struct bpf_sock_ops *skops) { return 1; }

SEC("sk_skb/stream_parser")
int prog_sk_skb_parser(struct __sk_buff *skb) { return skb->len; }

SEC("sk_skb/stream_verdict")
int prog_sk_skb_verdict(struct __sk_buff *skb) { return SK_PASS; }

SEC("sk_skb/verdict")
int prog_sk_skb_verdict_new(struct __sk_buff *skb) { return SK_PASS; }

SEC("sk_skb")
int prog_sk_skb(struct __sk_buff *skb) { return SK_PASS; }

SEC("sk_msg")
int prog_sk_msg(struct sk_msg_md *msg) { return SK_PASS; }

SEC("sk_lookup")
int prog_sk_lookup(struct bpf_sk_lookup *ctx) { return SK_PASS; }

SEC("sk_reuseport")
int prog_sk_reuseport(struct sk_reuseport_md *md) { return SK_PASS; }

SEC("flow_dissector")
int prog_flow_dissector(struct __sk_buff *skb) { return BPF_OK; }

/* ---- lightweight tunnels, perf, lirc, netfilter ---- */
SEC("lwt_in")
int prog_lwt_in(struct __sk_buff *skb) { return BPF_OK; }

SEC("lwt_xmit")
int prog_lwt_xmit(struct __sk_buff *skb) { return BPF_OK; }

SEC("perf_event")
int prog_perf_event(void *ctx) { return 0; }

SEC("lirc_mode2")
int prog_lirc_mode2(unsigned int *sample) { return 0; }

SEC("netfilter")
int prog_netfilter(void *ctx) { return 1; /* NF_ACCEPT */ }

/* ---- no libbpf section definition ---- */
SEC("foo_bar/unknown")
int prog_unknown(void *ctx) { return 0; }

char LICENSE[] SEC("license") = "GPL";
