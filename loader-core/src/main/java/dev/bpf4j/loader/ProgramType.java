package dev.bpf4j.loader;

import java.util.Optional;

/**
 * The kernel's {@code enum bpf_prog_type}: what a program is, and so which context it gets,
 * which helpers it may call and where it can be attached.
 *
 * <p>Mirrors {@code include/uapi/linux/bpf.h} as carried by libbpf v1.7.0-78-gf7081a6b
 * (libbpf/libbpf commit f7081a6baf3f, synced from bpf-next 7cbd0c4cebe4, July 2026);
 * names are those of {@code prog_type_name[]} in libbpf's {@code src/libbpf.c} at the same
 * commit. Older kernels know a prefix of these values; released numbers never change.
 *
 * <pre>{@code
 * ProgramType t = SectionTable.match("xdp").orElseThrow().def().type();  // XDP
 * t.number();                                                            // 6
 * t.libbpfName();                                                        // "xdp"
 * ProgramType.fromNumber(3);                                             // Optional[SCHED_CLS]
 * }</pre>
 */
public enum ProgramType implements KernelEnum {
    UNSPEC(0, "unspec"),
    SOCKET_FILTER(1, "socket_filter"),
    KPROBE(2, "kprobe"),
    SCHED_CLS(3, "sched_cls"),
    SCHED_ACT(4, "sched_act"),
    TRACEPOINT(5, "tracepoint"),
    XDP(6, "xdp"),
    PERF_EVENT(7, "perf_event"),
    CGROUP_SKB(8, "cgroup_skb"),
    CGROUP_SOCK(9, "cgroup_sock"),
    LWT_IN(10, "lwt_in"),
    LWT_OUT(11, "lwt_out"),
    LWT_XMIT(12, "lwt_xmit"),
    SOCK_OPS(13, "sock_ops"),
    SK_SKB(14, "sk_skb"),
    CGROUP_DEVICE(15, "cgroup_device"),
    SK_MSG(16, "sk_msg"),
    RAW_TRACEPOINT(17, "raw_tracepoint"),
    CGROUP_SOCK_ADDR(18, "cgroup_sock_addr"),
    LWT_SEG6LOCAL(19, "lwt_seg6local"),
    LIRC_MODE2(20, "lirc_mode2"),
    SK_REUSEPORT(21, "sk_reuseport"),
    FLOW_DISSECTOR(22, "flow_dissector"),
    CGROUP_SYSCTL(23, "cgroup_sysctl"),
    RAW_TRACEPOINT_WRITABLE(24, "raw_tracepoint_writable"),
    CGROUP_SOCKOPT(25, "cgroup_sockopt"),
    TRACING(26, "tracing"),
    STRUCT_OPS(27, "struct_ops"),
    EXT(28, "ext"),
    LSM(29, "lsm"),
    SK_LOOKUP(30, "sk_lookup"),
    SYSCALL(31, "syscall"),
    NETFILTER(32, "netfilter");

    private static final KernelEnumIndex<ProgramType> INDEX = new KernelEnumIndex<>(values());

    private final int number;
    private final String libbpfName;

    ProgramType(int number, String libbpfName) {
        this.number = number;
        this.libbpfName = libbpfName;
    }

    /** The value of the {@code enum bpf_prog_type} constant, as passed to and reported by the kernel. */
    @Override
    public int number() {
        return number;
    }

    /** The name libbpf gives this value ({@code libbpf_bpf_prog_type_str()}), for messages and the command line. */
    @Override
    public String libbpfName() {
        return libbpfName;
    }

    /** The constant with this kernel number, or empty for a number this table does not know. */
    public static Optional<ProgramType> fromNumber(int number) {
        return INDEX.byNumber(number);
    }

    /** The constant with this libbpf name (e.g. {@code "sched_cls"}), or empty. */
    public static Optional<ProgramType> fromLibbpfName(String name) {
        return INDEX.byName(name);
    }
}
