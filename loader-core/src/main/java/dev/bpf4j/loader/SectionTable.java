package dev.bpf4j.loader;

import static dev.bpf4j.loader.SectionDef.Flag.ATTACHABLE;
import static dev.bpf4j.loader.SectionDef.Flag.ATTACHABLE_OPT;
import static dev.bpf4j.loader.SectionDef.Flag.ATTACH_BTF;
import static dev.bpf4j.loader.SectionDef.Flag.SLEEPABLE;
import static dev.bpf4j.loader.SectionDef.Flag.USDT;
import static dev.bpf4j.loader.SectionDef.Flag.XDP_FRAGS;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * libbpf's section table: which program type (and expected attach type, and load flags) a
 * program gets from the name of the ELF section it lives in, {@code SEC("...")} in C.
 *
 * <p>The entries and their order mirror {@code section_defs[]} in libbpf's {@code src/libbpf.c}
 * at v1.7.0-78-gf7081a6b (libbpf/libbpf commit f7081a6baf3f, July 2026: tcx, netkit,
 * kprobe.session, uprobe.multi and uprobe.session, fsession and the fentry/fexit .multi
 * entries included), followed by one entry of bpf4j's own: {@code map_trace/}, from the map
 * tracing series that was never merged (see {@link AttachType#TRACE_MAP}). Matching is libbpf's
 * {@code find_sec_def()}: one leading '?' is stripped and turns autoload off, then the entries
 * are tried in order and the first that matches wins (see {@link SectionDef} for the three
 * pattern forms). A name no entry matches gives an empty result; libbpf then leaves the
 * program as {@link ProgramType#UNSPEC} and only logs it, and loading fails later.
 * libbpf's run-time registered handlers ({@code libbpf_register_prog_handler()}) have no
 * counterpart: the table is fixed, and this class holds no mutable state.
 *
 * <pre>{@code
 * SectionTable.Match m = SectionTable.match("?fentry/do_unlinkat").orElseThrow();
 * m.def().type();                 // TRACING
 * m.def().expectedAttachType();   // Optional[TRACE_FENTRY]
 * m.autoload();                   // false: the section name started with '?'
 * m.attachTarget();               // "do_unlinkat"
 *
 * SectionTable.mapTrace("map_trace/counters/UPDATE_ELEM");
 *                                 // Optional[MapTraceTarget[mapName=counters, op=UPDATE_ELEM]]
 * }</pre>
 */
public final class SectionTable {

    /** The prefix of map tracing sections: {@code map_trace/<map>/UPDATE_ELEM|DELETE_ELEM}. */
    public static final String MAP_TRACE_PREFIX = "map_trace/";

    // libbpf's section_defs[], in libbpf's order (the order decides which entry wins), then
    // bpf4j's map_trace/ entry. An entry with no AttachType argument is libbpf's literal 0.
    private static final List<SectionDef> DEFINITIONS = List.of(
            def("socket", ProgramType.SOCKET_FILTER),
            def("sk_reuseport/migrate", ProgramType.SK_REUSEPORT,
                AttachType.SK_REUSEPORT_SELECT_OR_MIGRATE, ATTACHABLE),
            def("sk_reuseport", ProgramType.SK_REUSEPORT, AttachType.SK_REUSEPORT_SELECT, ATTACHABLE),
            def("kprobe+", ProgramType.KPROBE),
            def("uprobe+", ProgramType.KPROBE),
            def("uprobe.s+", ProgramType.KPROBE, SLEEPABLE),
            def("kretprobe+", ProgramType.KPROBE),
            def("uretprobe+", ProgramType.KPROBE),
            def("uretprobe.s+", ProgramType.KPROBE, SLEEPABLE),
            def("kprobe.multi+", ProgramType.KPROBE, AttachType.TRACE_KPROBE_MULTI),
            def("kretprobe.multi+", ProgramType.KPROBE, AttachType.TRACE_KPROBE_MULTI),
            def("kprobe.session+", ProgramType.KPROBE, AttachType.TRACE_KPROBE_SESSION),
            def("uprobe.multi+", ProgramType.KPROBE, AttachType.TRACE_UPROBE_MULTI),
            def("uretprobe.multi+", ProgramType.KPROBE, AttachType.TRACE_UPROBE_MULTI),
            def("uprobe.session+", ProgramType.KPROBE, AttachType.TRACE_UPROBE_SESSION),
            def("uprobe.multi.s+", ProgramType.KPROBE, AttachType.TRACE_UPROBE_MULTI, SLEEPABLE),
            def("uretprobe.multi.s+", ProgramType.KPROBE, AttachType.TRACE_UPROBE_MULTI, SLEEPABLE),
            def("uprobe.session.s+", ProgramType.KPROBE, AttachType.TRACE_UPROBE_SESSION, SLEEPABLE),
            def("ksyscall+", ProgramType.KPROBE),
            def("kretsyscall+", ProgramType.KPROBE),
            def("usdt+", ProgramType.KPROBE, USDT),
            def("usdt.s+", ProgramType.KPROBE, USDT, SLEEPABLE),
            def("tc/ingress", ProgramType.SCHED_CLS, AttachType.TCX_INGRESS),
            def("tc/egress", ProgramType.SCHED_CLS, AttachType.TCX_EGRESS),
            def("tcx/ingress", ProgramType.SCHED_CLS, AttachType.TCX_INGRESS),
            def("tcx/egress", ProgramType.SCHED_CLS, AttachType.TCX_EGRESS),
            def("tc", ProgramType.SCHED_CLS),
            def("classifier", ProgramType.SCHED_CLS),
            def("action", ProgramType.SCHED_ACT),
            def("netkit/primary", ProgramType.SCHED_CLS, AttachType.NETKIT_PRIMARY),
            def("netkit/peer", ProgramType.SCHED_CLS, AttachType.NETKIT_PEER),
            def("tracepoint+", ProgramType.TRACEPOINT),
            def("tp+", ProgramType.TRACEPOINT),
            def("tracepoint.s+", ProgramType.TRACEPOINT, SLEEPABLE),
            def("tp.s+", ProgramType.TRACEPOINT, SLEEPABLE),
            def("raw_tracepoint+", ProgramType.RAW_TRACEPOINT),
            def("raw_tp+", ProgramType.RAW_TRACEPOINT),
            def("raw_tracepoint.s+", ProgramType.RAW_TRACEPOINT, SLEEPABLE),
            def("raw_tp.s+", ProgramType.RAW_TRACEPOINT, SLEEPABLE),
            def("raw_tracepoint.w+", ProgramType.RAW_TRACEPOINT_WRITABLE),
            def("raw_tp.w+", ProgramType.RAW_TRACEPOINT_WRITABLE),
            def("tp_btf+", ProgramType.TRACING, AttachType.TRACE_RAW_TP, ATTACH_BTF),
            def("tp_btf.s+", ProgramType.TRACING, AttachType.TRACE_RAW_TP, ATTACH_BTF, SLEEPABLE),
            def("fentry+", ProgramType.TRACING, AttachType.TRACE_FENTRY, ATTACH_BTF),
            def("fmod_ret+", ProgramType.TRACING, AttachType.MODIFY_RETURN, ATTACH_BTF),
            def("fexit+", ProgramType.TRACING, AttachType.TRACE_FEXIT, ATTACH_BTF),
            def("fentry.s+", ProgramType.TRACING, AttachType.TRACE_FENTRY, ATTACH_BTF, SLEEPABLE),
            def("fmod_ret.s+", ProgramType.TRACING, AttachType.MODIFY_RETURN, ATTACH_BTF, SLEEPABLE),
            def("fexit.s+", ProgramType.TRACING, AttachType.TRACE_FEXIT, ATTACH_BTF, SLEEPABLE),
            def("fsession+", ProgramType.TRACING, AttachType.TRACE_FSESSION, ATTACH_BTF),
            def("fsession.s+", ProgramType.TRACING, AttachType.TRACE_FSESSION, ATTACH_BTF, SLEEPABLE),
            def("fsession.multi+", ProgramType.TRACING, AttachType.TRACE_FSESSION_MULTI),
            def("fsession.multi.s+", ProgramType.TRACING, AttachType.TRACE_FSESSION_MULTI, SLEEPABLE),
            def("fentry.multi+", ProgramType.TRACING, AttachType.TRACE_FENTRY_MULTI),
            def("fexit.multi+", ProgramType.TRACING, AttachType.TRACE_FEXIT_MULTI),
            def("fentry.multi.s+", ProgramType.TRACING, AttachType.TRACE_FENTRY_MULTI, SLEEPABLE),
            def("fexit.multi.s+", ProgramType.TRACING, AttachType.TRACE_FEXIT_MULTI, SLEEPABLE),
            def("freplace+", ProgramType.EXT, ATTACH_BTF),
            def("lsm+", ProgramType.LSM, AttachType.LSM_MAC, ATTACH_BTF),
            def("lsm.s+", ProgramType.LSM, AttachType.LSM_MAC, ATTACH_BTF, SLEEPABLE),
            def("lsm_cgroup+", ProgramType.LSM, AttachType.LSM_CGROUP, ATTACH_BTF),
            def("iter+", ProgramType.TRACING, AttachType.TRACE_ITER, ATTACH_BTF),
            def("iter.s+", ProgramType.TRACING, AttachType.TRACE_ITER, ATTACH_BTF, SLEEPABLE),
            def("syscall", ProgramType.SYSCALL, SLEEPABLE),
            def("xdp.frags/devmap", ProgramType.XDP, AttachType.XDP_DEVMAP, XDP_FRAGS),
            def("xdp/devmap", ProgramType.XDP, AttachType.XDP_DEVMAP, ATTACHABLE),
            def("xdp.frags/cpumap", ProgramType.XDP, AttachType.XDP_CPUMAP, XDP_FRAGS),
            def("xdp/cpumap", ProgramType.XDP, AttachType.XDP_CPUMAP, ATTACHABLE),
            def("xdp.frags", ProgramType.XDP, AttachType.XDP, XDP_FRAGS),
            def("xdp", ProgramType.XDP, AttachType.XDP, ATTACHABLE_OPT),
            def("perf_event", ProgramType.PERF_EVENT),
            def("lwt_in", ProgramType.LWT_IN),
            def("lwt_out", ProgramType.LWT_OUT),
            def("lwt_xmit", ProgramType.LWT_XMIT),
            def("lwt_seg6local", ProgramType.LWT_SEG6LOCAL),
            def("sockops", ProgramType.SOCK_OPS, AttachType.CGROUP_SOCK_OPS, ATTACHABLE_OPT),
            def("sk_skb/stream_parser", ProgramType.SK_SKB,
                AttachType.SK_SKB_STREAM_PARSER, ATTACHABLE_OPT),
            def("sk_skb/stream_verdict", ProgramType.SK_SKB,
                AttachType.SK_SKB_STREAM_VERDICT, ATTACHABLE_OPT),
            def("sk_skb/verdict", ProgramType.SK_SKB, AttachType.SK_SKB_VERDICT, ATTACHABLE_OPT),
            def("sk_skb", ProgramType.SK_SKB),
            def("sk_msg", ProgramType.SK_MSG, AttachType.SK_MSG_VERDICT, ATTACHABLE_OPT),
            def("lirc_mode2", ProgramType.LIRC_MODE2, AttachType.LIRC_MODE2, ATTACHABLE_OPT),
            def("flow_dissector", ProgramType.FLOW_DISSECTOR, AttachType.FLOW_DISSECTOR, ATTACHABLE_OPT),
            def("cgroup_skb/ingress", ProgramType.CGROUP_SKB,
                AttachType.CGROUP_INET_INGRESS, ATTACHABLE_OPT),
            def("cgroup_skb/egress", ProgramType.CGROUP_SKB, AttachType.CGROUP_INET_EGRESS, ATTACHABLE_OPT),
            def("cgroup/skb", ProgramType.CGROUP_SKB),
            def("cgroup/sock_create", ProgramType.CGROUP_SOCK,
                AttachType.CGROUP_INET_SOCK_CREATE, ATTACHABLE),
            def("cgroup/sock_release", ProgramType.CGROUP_SOCK,
                AttachType.CGROUP_INET_SOCK_RELEASE, ATTACHABLE),
            def("cgroup/sock", ProgramType.CGROUP_SOCK, AttachType.CGROUP_INET_SOCK_CREATE, ATTACHABLE_OPT),
            def("cgroup/post_bind4", ProgramType.CGROUP_SOCK,
                AttachType.CGROUP_INET4_POST_BIND, ATTACHABLE),
            def("cgroup/post_bind6", ProgramType.CGROUP_SOCK,
                AttachType.CGROUP_INET6_POST_BIND, ATTACHABLE),
            def("cgroup/bind4", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET4_BIND, ATTACHABLE),
            def("cgroup/bind6", ProgramType.CGROUP_SOCK_ADDR, AttachType.CGROUP_INET6_BIND, ATTACHABLE),
            def("cgroup/connect4", ProgramType.CGROUP_SOCK_ADDR,
                AttachType.CGROUP_INET4_CONNECT, ATTACHABLE),
            def("cgroup/connect6", ProgramType.CGROUP_SOCK_ADDR,
                AttachType.CGROUP_INET6_CONNECT, ATTACHABLE),
            def("cgroup/connect_unix", ProgramType.CGROUP_SOCK_ADDR,
                AttachType.CGROUP_UNIX_CONNECT, ATTACHABLE),
            def("cgroup/sendmsg4", ProgramType.CGROUP_SOCK_ADDR,
                AttachType.CGROUP_UDP4_SENDMSG, ATTACHABLE),
            def("cgroup/sendmsg6", ProgramType.CGROUP_SOCK_ADDR,
                AttachType.CGROUP_UDP6_SENDMSG, ATTACHABLE),
            def("cgroup/sendmsg_unix", ProgramType.CGROUP_SOCK_ADDR,
                AttachType.CGROUP_UNIX_SENDMSG, ATTACHABLE),
            def("cgroup/recvmsg4", ProgramType.CGROUP_SOCK_ADDR,
                AttachType.CGROUP_UDP4_RECVMSG, ATTACHABLE),
            def("cgroup/recvmsg6", ProgramType.CGROUP_SOCK_ADDR,
                AttachType.CGROUP_UDP6_RECVMSG, ATTACHABLE),
            def("cgroup/recvmsg_unix", ProgramType.CGROUP_SOCK_ADDR,
                AttachType.CGROUP_UNIX_RECVMSG, ATTACHABLE),
            def("cgroup/getpeername4", ProgramType.CGROUP_SOCK_ADDR,
                AttachType.CGROUP_INET4_GETPEERNAME, ATTACHABLE),
            def("cgroup/getpeername6", ProgramType.CGROUP_SOCK_ADDR,
                AttachType.CGROUP_INET6_GETPEERNAME, ATTACHABLE),
            def("cgroup/getpeername_unix", ProgramType.CGROUP_SOCK_ADDR,
                AttachType.CGROUP_UNIX_GETPEERNAME, ATTACHABLE),
            def("cgroup/getsockname4", ProgramType.CGROUP_SOCK_ADDR,
                AttachType.CGROUP_INET4_GETSOCKNAME, ATTACHABLE),
            def("cgroup/getsockname6", ProgramType.CGROUP_SOCK_ADDR,
                AttachType.CGROUP_INET6_GETSOCKNAME, ATTACHABLE),
            def("cgroup/getsockname_unix", ProgramType.CGROUP_SOCK_ADDR,
                AttachType.CGROUP_UNIX_GETSOCKNAME, ATTACHABLE),
            def("cgroup/sysctl", ProgramType.CGROUP_SYSCTL, AttachType.CGROUP_SYSCTL, ATTACHABLE),
            def("cgroup/getsockopt", ProgramType.CGROUP_SOCKOPT, AttachType.CGROUP_GETSOCKOPT, ATTACHABLE),
            def("cgroup/setsockopt", ProgramType.CGROUP_SOCKOPT, AttachType.CGROUP_SETSOCKOPT, ATTACHABLE),
            def("cgroup/dev", ProgramType.CGROUP_DEVICE, AttachType.CGROUP_DEVICE, ATTACHABLE_OPT),
            def("struct_ops+", ProgramType.STRUCT_OPS),
            def("struct_ops.s+", ProgramType.STRUCT_OPS, SLEEPABLE),
            def("sk_lookup", ProgramType.SK_LOOKUP, AttachType.SK_LOOKUP, ATTACHABLE),
            def("netfilter", ProgramType.NETFILTER, AttachType.NETFILTER),
            // bpf4j's own: the never-merged map tracing series (BPF_TRACE_MAP). Last, because
            // libbpf's own entries take precedence; no libbpf entry starts with "map_trace".
            def(MAP_TRACE_PREFIX, ProgramType.TRACING, AttachType.TRACE_MAP));

    private SectionTable() {
    }

    /**
     * A section name resolved against the table.
     *
     * @param sectionName  the section name without its leading '?', as libbpf keeps it
     *                     ("from now on forget there was ? in section name")
     * @param def          the first table entry that matches
     * @param autoload     false when the section name started with '?'
     * @param attachTarget what follows the entry's own name and its '/' separator, or null:
     *                     for {@code "name+"} entries the text after {@code name/} (the BTF
     *                     target of {@code fentry/do_unlinkat}, the probe of
     *                     {@code kprobe/do_sys_open+0x10}, the binary and function of
     *                     {@code uprobe/libc.so.6:malloc}; "" for {@code kprobe/}; null for
     *                     the bare {@code kprobe}); for {@code map_trace/} the text after the
     *                     prefix ({@code counters/UPDATE_ELEM}, parsed by
     *                     {@link SectionTable#mapTrace(String)}); for exact entries null, since
     *                     their '/' is part of their name ({@code tc/ingress},
     *                     {@code cgroup/connect4})
     */
    public record Match(String sectionName, SectionDef def, boolean autoload, String attachTarget) {
        public Match {
            Objects.requireNonNull(sectionName, "sectionName");
            Objects.requireNonNull(def, "def");
        }
    }

    /**
     * What a map tracing section names: the map (looked up by name in the same object) and the
     * operation whose completion runs the program.
     *
     * @param mapName the map's name, never empty
     * @param op      the traced operation
     */
    public record MapTraceTarget(String mapName, Operation op) {

        /** The map operations a map tracing program can follow. */
        public enum Operation {
            /** Runs after every successful update of an element (bpf_map_update_elem and friends). */
            UPDATE_ELEM,
            /** Runs after every successful delete of an element. */
            DELETE_ELEM
        }

        public MapTraceTarget {
            Objects.requireNonNull(mapName, "mapName");
            Objects.requireNonNull(op, "op");
            if (mapName.isEmpty())
                throw new IllegalArgumentException("map tracing target needs a map name");
        }
    }

    /** All entries, in matching order: libbpf's, then {@code map_trace/}. Unmodifiable. */
    public static List<SectionDef> definitions() {
        return DEFINITIONS;
    }

    /**
     * The table entry for an ELF section name, libbpf's way: strip one leading '?' (autoload
     * off), then the first entry that matches wins. Empty when no entry matches, which is
     * where libbpf leaves the program as UNSPEC. Never throws for any non-null name; a
     * malformed {@code map_trace/} name still matches here and is refused by
     * {@link #mapTrace(String)}, as libbpf refuses a missing BTF target only at load.
     */
    public static Optional<Match> match(String sectionName) {
        return match(sectionName, DEFINITIONS);
    }

    /** {@link #match(String)} against another table, to check the rules on tables of any shape. */
    static Optional<Match> match(String sectionName, List<SectionDef> definitions) {
        Objects.requireNonNull(sectionName, "sectionName");
        boolean autoload = !sectionName.startsWith("?");
        String name = autoload ? sectionName : sectionName.substring(1);
        for (SectionDef def : definitions)
            if (def.matches(name))
                return Optional.of(new Match(name, def, autoload, def.targetOf(name)));
        return Optional.empty();
    }

    /**
     * The map and operation a map tracing section names, or empty when the section is not a
     * map tracing section (does not start with {@code map_trace/}, after an optional '?').
     *
     * @throws IllegalArgumentException when it is one but malformed: no map name
     *         ({@code "section 'map_trace/': missing map name"}), or anything but
     *         {@code /UPDATE_ELEM} or {@code /DELETE_ELEM} after the map
     *         ({@code "section 'map_trace/foo/FROB': trace type must be UPDATE_ELEM or DELETE_ELEM"}).
     *         The caller adds the file name.
     */
    public static Optional<MapTraceTarget> mapTrace(String sectionName) {
        Objects.requireNonNull(sectionName, "sectionName");
        String name = sectionName.startsWith("?") ? sectionName.substring(1) : sectionName;
        if (!name.startsWith(MAP_TRACE_PREFIX))
            return Optional.empty();
        String rest = name.substring(MAP_TRACE_PREFIX.length());
        int slash = rest.indexOf('/');
        String map = slash < 0 ? rest : rest.substring(0, slash);
        if (map.isEmpty())
            throw new IllegalArgumentException("section '" + sectionName + "': missing map name");
        // Everything after the map's '/' must be the operation, whole: "counters/UPDATE_ELEM/x"
        // and "counters/update_elem" are refused rather than guessed at.
        String op = slash < 0 ? "" : rest.substring(slash + 1);
        for (MapTraceTarget.Operation o : MapTraceTarget.Operation.values())
            if (o.name().equals(op))
                return Optional.of(new MapTraceTarget(map, o));
        throw new IllegalArgumentException("section '" + sectionName
                + "': trace type must be UPDATE_ELEM or DELETE_ELEM");
    }

    private static SectionDef def(String pattern, ProgramType type, SectionDef.Flag... flags) {
        return SectionDef.of(pattern, type, Optional.empty(), flags);
    }

    private static SectionDef def(String pattern, ProgramType type, AttachType attachType,
                                  SectionDef.Flag... flags) {
        return SectionDef.of(pattern, type, Optional.of(attachType), flags);
    }
}
