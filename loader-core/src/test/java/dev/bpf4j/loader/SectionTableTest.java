package dev.bpf4j.loader;

import static dev.bpf4j.loader.SectionDef.Flag.ATTACHABLE;
import static dev.bpf4j.loader.SectionDef.Flag.ATTACHABLE_OPT;
import static dev.bpf4j.loader.SectionDef.Flag.ATTACH_BTF;
import static dev.bpf4j.loader.SectionDef.Flag.EXP_ATTACH_OPT;
import static dev.bpf4j.loader.SectionDef.Flag.SLEEPABLE;
import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpf4j.loader.SectionTable.MapTraceTarget;
import dev.bpf4j.loader.SectionTable.MapTraceTarget.Operation;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** What a user sees: which entry, program type and attach type a section name gets. */
class SectionTableTest {

    /**
     * One row per rule and per family of entries. Columns: section name | entry that must win
     * | program type | expected attach type ("-": none) | the number libbpf passes as
     * expected_attach_type | autoload | attach target ("(null)": none) | flags.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "(null)", textBlock = """
            socket                           | socket                | SOCKET_FILTER    | -                       | 0     | true  | (null)                  |
            sk_reuseport/migrate             | sk_reuseport/migrate  | SK_REUSEPORT     | SK_REUSEPORT_SELECT_OR_MIGRATE | 40 | true | (null)            | ATTACHABLE
            sk_reuseport                     | sk_reuseport          | SK_REUSEPORT     | SK_REUSEPORT_SELECT     | 39    | true  | (null)                  | ATTACHABLE
            kprobe                           | kprobe+               | KPROBE           | -                       | 0     | true  | (null)                  |
            kprobe/do_sys_open+0x10          | kprobe+               | KPROBE           | -                       | 0     | true  | do_sys_open+0x10        |
            kprobe/                          | kprobe+               | KPROBE           | -                       | 0     | true  | ''                      |
            kretprobe/tcp_v4_connect         | kretprobe+            | KPROBE           | -                       | 0     | true  | tcp_v4_connect          |
            uprobe/libc.so.6:malloc          | uprobe+               | KPROBE           | -                       | 0     | true  | libc.so.6:malloc        |
            uprobe.s//usr/bin/bash:readline  | uprobe.s+             | KPROBE           | -                       | 0     | true  | /usr/bin/bash:readline  | SLEEPABLE
            kprobe.multi/tcp_*               | kprobe.multi+         | KPROBE           | TRACE_KPROBE_MULTI      | 42    | true  | tcp_*                   |
            kretprobe.multi                  | kretprobe.multi+      | KPROBE           | TRACE_KPROBE_MULTI      | 42    | true  | (null)                  |
            kprobe.session/vfs_read          | kprobe.session+       | KPROBE           | TRACE_KPROBE_SESSION    | 56    | true  | vfs_read                |
            uprobe.multi/app:func_*          | uprobe.multi+         | KPROBE           | TRACE_UPROBE_MULTI      | 48    | true  | app:func_*              |
            uprobe.multi.s/app:f             | uprobe.multi.s+       | KPROBE           | TRACE_UPROBE_MULTI      | 48    | true  | app:f                   | SLEEPABLE
            uprobe.session                   | uprobe.session+       | KPROBE           | TRACE_UPROBE_SESSION    | 57    | true  | (null)                  |
            ksyscall/openat                  | ksyscall+             | KPROBE           | -                       | 0     | true  | openat                  |
            usdt/./app:provider:probe        | usdt+                 | KPROBE           | -                       | 0     | true  | ./app:provider:probe    | USDT
            usdt.s                           | usdt.s+               | KPROBE           | -                       | 0     | true  | (null)                  | USDT SLEEPABLE
            tc/ingress                       | tc/ingress            | SCHED_CLS        | TCX_INGRESS             | 46    | true  | (null)                  |
            tc/egress                        | tc/egress             | SCHED_CLS        | TCX_EGRESS              | 47    | true  | (null)                  |
            tcx/ingress                      | tcx/ingress           | SCHED_CLS        | TCX_INGRESS             | 46    | true  | (null)                  |
            tc                               | tc                    | SCHED_CLS        | -                       | 0     | true  | (null)                  |
            classifier                       | classifier            | SCHED_CLS        | -                       | 0     | true  | (null)                  |
            action                           | action                | SCHED_ACT        | -                       | 0     | true  | (null)                  |
            netkit/primary                   | netkit/primary        | SCHED_CLS        | NETKIT_PRIMARY          | 54    | true  | (null)                  |
            netkit/peer                      | netkit/peer           | SCHED_CLS        | NETKIT_PEER             | 55    | true  | (null)                  |
            tracepoint/syscalls/sys_enter_openat | tracepoint+       | TRACEPOINT       | -                       | 0     | true  | syscalls/sys_enter_openat |
            tp/sched/sched_switch            | tp+                   | TRACEPOINT       | -                       | 0     | true  | sched/sched_switch      |
            tp.s/syscalls/sys_enter_read     | tp.s+                 | TRACEPOINT       | -                       | 0     | true  | syscalls/sys_enter_read | SLEEPABLE
            raw_tp/sched_switch              | raw_tp+               | RAW_TRACEPOINT   | -                       | 0     | true  | sched_switch            |
            raw_tp.w/bpf_test_finish         | raw_tp.w+             | RAW_TRACEPOINT_WRITABLE | -                | 0     | true  | bpf_test_finish         |
            tp_btf/sched_switch              | tp_btf+               | TRACING          | TRACE_RAW_TP            | 23    | true  | sched_switch            | ATTACH_BTF
            fentry/do_unlinkat               | fentry+               | TRACING          | TRACE_FENTRY            | 24    | true  | do_unlinkat             | ATTACH_BTF
            ?fentry/do_unlinkat              | fentry+               | TRACING          | TRACE_FENTRY            | 24    | false | do_unlinkat             | ATTACH_BTF
            fexit/do_unlinkat                | fexit+                | TRACING          | TRACE_FEXIT             | 25    | true  | do_unlinkat             | ATTACH_BTF
            fmod_ret/security_file_open      | fmod_ret+             | TRACING          | MODIFY_RETURN           | 26    | true  | security_file_open      | ATTACH_BTF
            fentry.s/do_unlinkat             | fentry.s+             | TRACING          | TRACE_FENTRY            | 24    | true  | do_unlinkat             | ATTACH_BTF SLEEPABLE
            fsession/do_unlinkat             | fsession+             | TRACING          | TRACE_FSESSION          | 58    | true  | do_unlinkat             | ATTACH_BTF
            fentry.multi/do_*                | fentry.multi+         | TRACING          | TRACE_FENTRY_MULTI      | 59    | true  | do_*                    |
            fexit.multi.s/do_*               | fexit.multi.s+        | TRACING          | TRACE_FEXIT_MULTI       | 60    | true  | do_*                    | SLEEPABLE
            freplace/handler                 | freplace+             | EXT              | -                       | 0     | true  | handler                 | ATTACH_BTF
            lsm/file_open                    | lsm+                  | LSM              | LSM_MAC                 | 27    | true  | file_open               | ATTACH_BTF
            lsm.s/file_open                  | lsm.s+                | LSM              | LSM_MAC                 | 27    | true  | file_open               | ATTACH_BTF SLEEPABLE
            lsm_cgroup/socket_bind           | lsm_cgroup+           | LSM              | LSM_CGROUP              | 43    | true  | socket_bind             | ATTACH_BTF
            iter/task                        | iter+                 | TRACING          | TRACE_ITER              | 28    | true  | task                    | ATTACH_BTF
            iter.s/task_file                 | iter.s+               | TRACING          | TRACE_ITER              | 28    | true  | task_file               | ATTACH_BTF SLEEPABLE
            syscall                          | syscall               | SYSCALL          | -                       | 0     | true  | (null)                  | SLEEPABLE
            xdp.frags/devmap                 | xdp.frags/devmap      | XDP              | XDP_DEVMAP              | 33    | true  | (null)                  | XDP_FRAGS
            xdp/devmap                       | xdp/devmap            | XDP              | XDP_DEVMAP              | 33    | true  | (null)                  | ATTACHABLE
            xdp.frags/cpumap                 | xdp.frags/cpumap      | XDP              | XDP_CPUMAP              | 35    | true  | (null)                  | XDP_FRAGS
            xdp/cpumap                       | xdp/cpumap            | XDP              | XDP_CPUMAP              | 35    | true  | (null)                  | ATTACHABLE
            xdp.frags                        | xdp.frags             | XDP              | XDP                     | 37    | true  | (null)                  | XDP_FRAGS
            xdp                              | xdp                   | XDP              | XDP                     | 37    | true  | (null)                  | ATTACHABLE ATTACHABLE_OPT EXP_ATTACH_OPT
            ?xdp                             | xdp                   | XDP              | XDP                     | 37    | false | (null)                  | ATTACHABLE ATTACHABLE_OPT EXP_ATTACH_OPT
            perf_event                       | perf_event            | PERF_EVENT       | -                       | 0     | true  | (null)                  |
            lwt_in                           | lwt_in                | LWT_IN           | -                       | 0     | true  | (null)                  |
            lwt_seg6local                    | lwt_seg6local         | LWT_SEG6LOCAL    | -                       | 0     | true  | (null)                  |
            sockops                          | sockops               | SOCK_OPS         | CGROUP_SOCK_OPS         | 3     | true  | (null)                  | ATTACHABLE ATTACHABLE_OPT EXP_ATTACH_OPT
            sk_skb/stream_parser             | sk_skb/stream_parser  | SK_SKB           | SK_SKB_STREAM_PARSER    | 4     | true  | (null)                  | ATTACHABLE ATTACHABLE_OPT EXP_ATTACH_OPT
            sk_skb/verdict                   | sk_skb/verdict        | SK_SKB           | SK_SKB_VERDICT          | 38    | true  | (null)                  | ATTACHABLE ATTACHABLE_OPT EXP_ATTACH_OPT
            sk_skb                           | sk_skb                | SK_SKB           | -                       | 0     | true  | (null)                  |
            sk_msg                           | sk_msg                | SK_MSG           | SK_MSG_VERDICT          | 7     | true  | (null)                  | ATTACHABLE ATTACHABLE_OPT EXP_ATTACH_OPT
            lirc_mode2                       | lirc_mode2            | LIRC_MODE2       | LIRC_MODE2              | 16    | true  | (null)                  | ATTACHABLE ATTACHABLE_OPT EXP_ATTACH_OPT
            flow_dissector                   | flow_dissector        | FLOW_DISSECTOR   | FLOW_DISSECTOR          | 17    | true  | (null)                  | ATTACHABLE ATTACHABLE_OPT EXP_ATTACH_OPT
            cgroup_skb/ingress               | cgroup_skb/ingress    | CGROUP_SKB       | CGROUP_INET_INGRESS     | 0     | true  | (null)                  | ATTACHABLE ATTACHABLE_OPT EXP_ATTACH_OPT
            cgroup_skb/egress                | cgroup_skb/egress     | CGROUP_SKB       | CGROUP_INET_EGRESS      | 1     | true  | (null)                  | ATTACHABLE ATTACHABLE_OPT EXP_ATTACH_OPT
            cgroup/skb                       | cgroup/skb            | CGROUP_SKB       | -                       | 0     | true  | (null)                  |
            cgroup/sock_create               | cgroup/sock_create    | CGROUP_SOCK      | CGROUP_INET_SOCK_CREATE | 2     | true  | (null)                  | ATTACHABLE
            cgroup/sock_release              | cgroup/sock_release   | CGROUP_SOCK      | CGROUP_INET_SOCK_RELEASE | 34   | true  | (null)                  | ATTACHABLE
            cgroup/sock                      | cgroup/sock           | CGROUP_SOCK      | CGROUP_INET_SOCK_CREATE | 2     | true  | (null)                  | ATTACHABLE ATTACHABLE_OPT EXP_ATTACH_OPT
            cgroup/post_bind4                | cgroup/post_bind4     | CGROUP_SOCK      | CGROUP_INET4_POST_BIND  | 12    | true  | (null)                  | ATTACHABLE
            cgroup/bind6                     | cgroup/bind6          | CGROUP_SOCK_ADDR | CGROUP_INET6_BIND       | 9     | true  | (null)                  | ATTACHABLE
            cgroup/connect4                  | cgroup/connect4       | CGROUP_SOCK_ADDR | CGROUP_INET4_CONNECT    | 10    | true  | (null)                  | ATTACHABLE
            cgroup/connect_unix              | cgroup/connect_unix   | CGROUP_SOCK_ADDR | CGROUP_UNIX_CONNECT     | 49    | true  | (null)                  | ATTACHABLE
            cgroup/sendmsg6                  | cgroup/sendmsg6       | CGROUP_SOCK_ADDR | CGROUP_UDP6_SENDMSG     | 15    | true  | (null)                  | ATTACHABLE
            cgroup/recvmsg_unix              | cgroup/recvmsg_unix   | CGROUP_SOCK_ADDR | CGROUP_UNIX_RECVMSG     | 51    | true  | (null)                  | ATTACHABLE
            cgroup/getpeername4              | cgroup/getpeername4   | CGROUP_SOCK_ADDR | CGROUP_INET4_GETPEERNAME | 29   | true  | (null)                  | ATTACHABLE
            cgroup/getsockname_unix          | cgroup/getsockname_unix | CGROUP_SOCK_ADDR | CGROUP_UNIX_GETSOCKNAME | 53  | true  | (null)                  | ATTACHABLE
            cgroup/sysctl                    | cgroup/sysctl         | CGROUP_SYSCTL    | CGROUP_SYSCTL           | 18    | true  | (null)                  | ATTACHABLE
            cgroup/getsockopt                | cgroup/getsockopt     | CGROUP_SOCKOPT   | CGROUP_GETSOCKOPT       | 21    | true  | (null)                  | ATTACHABLE
            cgroup/setsockopt                | cgroup/setsockopt     | CGROUP_SOCKOPT   | CGROUP_SETSOCKOPT       | 22    | true  | (null)                  | ATTACHABLE
            cgroup/dev                       | cgroup/dev            | CGROUP_DEVICE    | CGROUP_DEVICE           | 6     | true  | (null)                  | ATTACHABLE ATTACHABLE_OPT EXP_ATTACH_OPT
            struct_ops/tcp_init              | struct_ops+           | STRUCT_OPS       | -                       | 0     | true  | tcp_init                |
            struct_ops.s/dequeue             | struct_ops.s+         | STRUCT_OPS       | -                       | 0     | true  | dequeue                 | SLEEPABLE
            sk_lookup                        | sk_lookup             | SK_LOOKUP        | SK_LOOKUP               | 36    | true  | (null)                  | ATTACHABLE
            netfilter                        | netfilter             | NETFILTER        | NETFILTER               | 45    | true  | (null)                  |
            map_trace/counters/UPDATE_ELEM   | map_trace/            | TRACING          | TRACE_MAP               | 65536 | true  | counters/UPDATE_ELEM    |
            ?map_trace/counters/DELETE_ELEM  | map_trace/            | TRACING          | TRACE_MAP               | 65536 | false | counters/DELETE_ELEM    |
            """)
    void sectionNamesResolveAsLibbpfResolvesThem(String section, String pattern, ProgramType type, String attach,
                                                 int attachNumber, boolean autoload, String target, String flags) {
        SectionTable.Match m = SectionTable.match(section)
                .orElseThrow(() -> new AssertionError("no entry matched " + section));
        Optional<AttachType> expectedAttach = attach.equals("-") ? Optional.empty() : Optional.of(AttachType.valueOf(attach));
        assertAll(
                () -> assertEquals(pattern, m.def().pattern(), "entry"),
                () -> assertEquals(type, m.def().type(), "program type"),
                () -> assertEquals(expectedAttach, m.def().expectedAttachType(), "expected attach type"),
                () -> assertEquals(attachNumber, m.def().expectedAttachTypeNumber(), "number libbpf passes"),
                () -> assertEquals(autoload, m.autoload(), "autoload"),
                () -> assertEquals(section.startsWith("?") ? section.substring(1) : section, m.sectionName(),
                        "section name without '?'"),
                () -> assertEquals(target, m.attachTarget(), "attach target"),
                () -> assertEquals(flags(flags), m.def().flags(), "flags"));
    }

    /** Names that look close to an entry but match none, in libbpf as here. */
    @ParameterizedTest
    @ValueSource(strings = {"foo", "", "?", "??xdp", "kprobex", "kprobe.multix", "kprobe_multi/x", "tc/foo",
            "tcx", "tc/ingress/x", "xdp/foo", "xdp.frag", "XDP", " xdp", "xdp ", "socket/x", "socket1",
            "sk_reuseport/migratex", "cgroup", "cgroup/bind_unix", "cgroup/connect", "cgroup_skb",
            "lsm_cgroupx", "fentry_do_unlinkat", "map_trace", "map-trace/counters/UPDATE_ELEM",
            "usdt.x/foo", "uprobe.multi.x"})
    void nearMissesMatchNothing(String section) {
        assertEquals(Optional.empty(), SectionTable.match(section).map(m -> m.def().pattern()));
    }

    @Test
    void onlyOneLeadingQuestionMarkIsStripped() {
        assertFalse(SectionTable.match("?tc").orElseThrow().autoload());
        assertEquals(Optional.empty(), SectionTable.match("??tc"));
        assertEquals(Optional.empty(), SectionTable.match("tc?"));
    }

    @Test
    void firstMatchingEntryWinsNotTheLastNorTheLongest() {
        SectionDef broad = SectionDef.of("a+", ProgramType.KPROBE, Optional.empty());
        SectionDef narrow = SectionDef.of("a/b", ProgramType.XDP, Optional.of(AttachType.XDP));
        SectionDef prefix = SectionDef.of("a/", ProgramType.TRACING, Optional.empty());

        assertEquals(broad, SectionTable.match("a/b", List.of(broad, narrow, prefix)).orElseThrow().def());
        assertEquals(narrow, SectionTable.match("a/b", List.of(narrow, broad, prefix)).orElseThrow().def());
        assertEquals(prefix, SectionTable.match("a/b", List.of(prefix, narrow, broad)).orElseThrow().def());
        // Only the '+' entry accepts the bare name, wherever it stands.
        assertEquals(broad, SectionTable.match("a", List.of(prefix, narrow, broad)).orElseThrow().def());
    }

    @Test
    void theThreePatternFormsOnTheirOwn() {
        SectionDef prefix = SectionDef.of("p/", ProgramType.TRACING, Optional.empty());
        assertTrue(prefix.matches("p/"));
        assertTrue(prefix.matches("p/x/y"));
        assertFalse(prefix.matches("p"));
        assertFalse(prefix.matches("px/y"));

        SectionDef plus = SectionDef.of("p+", ProgramType.KPROBE, Optional.empty());
        assertTrue(plus.matches("p"));
        assertTrue(plus.matches("p/"));
        assertTrue(plus.matches("p/x"));
        assertFalse(plus.matches("px"));
        assertFalse(plus.matches("p+"));
        assertFalse(plus.matches(""));

        SectionDef exact = SectionDef.of("p", ProgramType.XDP, Optional.empty());
        assertTrue(exact.matches("p"));
        assertFalse(exact.matches("p/"));
        assertFalse(exact.matches("p/x"));
        assertFalse(exact.matches("pp"));
    }

    @Test
    void theTableIsLibbpfsInLibbpfsOrderThenMapTrace() {
        List<SectionDef> defs = SectionTable.definitions();
        // libbpf v1.7.0-78-gf7081a6b has 116 SEC_DEF entries; bpf4j adds map_trace/.
        assertEquals(117, defs.size());
        assertEquals("socket", defs.get(0).pattern());
        assertEquals("sk_reuseport/migrate", defs.get(1).pattern());
        assertEquals("netfilter", defs.get(115).pattern());
        assertEquals("map_trace/", defs.get(116).pattern());
        // Orders that matter to a reader comparing with libbpf: the .frags and devmap/cpumap
        // entries before the plain xdp, the specific sk_skb entries before the bare one.
        assertBefore(defs, "xdp.frags/devmap", "xdp/devmap", "xdp.frags/cpumap", "xdp/cpumap", "xdp.frags", "xdp");
        assertBefore(defs, "sk_skb/stream_parser", "sk_skb/stream_verdict", "sk_skb/verdict", "sk_skb");
        assertBefore(defs, "tc/ingress", "tc/egress", "tcx/ingress", "tcx/egress", "tc", "classifier", "action");

        Set<String> patterns = new HashSet<>();
        for (SectionDef d : defs)
            assertTrue(patterns.add(d.pattern()), "duplicate entry " + d.pattern());
        assertThrows(UnsupportedOperationException.class, () -> defs.remove(0));
    }

    @Test
    void structuralPromisesTheTargetRuleReliesOn() {
        for (SectionDef d : SectionTable.definitions()) {
            if (d.isOptionalTarget())
                // A '+' entry's target is then also "the text after the first '/'", as libbpf reads it.
                assertFalse(d.pattern().substring(0, d.pattern().length() - 1).contains("/"), d.pattern());
            if (d.has(ATTACH_BTF))
                assertTrue(d.isOptionalTarget(), "a BTF target needs a '+' entry: " + d.pattern());
        }
    }

    /**
     * The documented presence rule: an entry names an attach type exactly when it gives a non-zero
     * one or carries an attach flag, with freplace+ the single exception (the kernel wants 0 there).
     */
    @Test
    void expectedAttachTypeIsPresentWhenTheEntryNamesOne() {
        List<String> exceptions = new ArrayList<>();
        for (SectionDef d : SectionTable.definitions()) {
            boolean attachFlag = d.has(ATTACHABLE) || d.has(ATTACHABLE_OPT) || d.has(EXP_ATTACH_OPT) || d.has(ATTACH_BTF);
            boolean nonZero = d.expectedAttachTypeNumber() != 0;
            if (d.expectedAttachType().isPresent() != (nonZero || attachFlag))
                exceptions.add(d.pattern());
        }
        assertEquals(List.of("freplace+"), exceptions);

        SectionDef ingress = SectionTable.match("cgroup_skb/ingress").orElseThrow().def();
        assertEquals(Optional.of(AttachType.CGROUP_INET_INGRESS), ingress.expectedAttachType());
        assertEquals(0, ingress.expectedAttachTypeNumber());
        SectionDef tc = SectionTable.match("tc").orElseThrow().def();
        assertEquals(Optional.empty(), tc.expectedAttachType());
        assertEquals(0, tc.expectedAttachTypeNumber());
    }

    @Test
    void attachableOptIsAttachablePlusOptionalExpectedAttachType() {
        SectionDef fromOpt = SectionDef.of("a", ProgramType.XDP, Optional.empty(), ATTACHABLE_OPT);
        SectionDef fromParts = SectionDef.of("a", ProgramType.XDP, Optional.empty(), ATTACHABLE, EXP_ATTACH_OPT);
        assertEquals(EnumSet.of(ATTACHABLE, ATTACHABLE_OPT, EXP_ATTACH_OPT), fromOpt.flags());
        assertEquals(fromOpt, fromParts);
        assertEquals(EnumSet.of(ATTACHABLE), SectionDef.of("a", ProgramType.XDP, Optional.empty(), ATTACHABLE).flags());
        assertEquals(EnumSet.of(EXP_ATTACH_OPT), SectionDef.of("a", ProgramType.XDP, Optional.empty(), EXP_ATTACH_OPT).flags());
        assertThrows(UnsupportedOperationException.class, () -> fromOpt.flags().add(SLEEPABLE));
    }

    @Test
    void aDefinitionNeedsAName() {
        for (String bad : List.of("", "/", "+"))
            assertThrows(IllegalArgumentException.class, () -> SectionDef.of(bad, ProgramType.XDP, Optional.empty()), bad);
    }

    @Test
    void mapTraceSectionsNameTheMapAndTheOperation() {
        assertEquals(Optional.of(new MapTraceTarget("counters", Operation.UPDATE_ELEM)),
                SectionTable.mapTrace("map_trace/counters/UPDATE_ELEM"));
        assertEquals(Optional.of(new MapTraceTarget("syn_encap_map", Operation.DELETE_ELEM)),
                SectionTable.mapTrace("map_trace/syn_encap_map/DELETE_ELEM"));
        assertEquals(Optional.of(new MapTraceTarget("counters", Operation.DELETE_ELEM)),
                SectionTable.mapTrace("?map_trace/counters/DELETE_ELEM"));
        // Not map tracing sections at all: no answer, no error.
        for (String other : List.of("xdp", "fentry/map_trace", "map_trace", "?xdp", "", "xmap_trace/a/UPDATE_ELEM"))
            assertEquals(Optional.empty(), SectionTable.mapTrace(other), other);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            map_trace/                          | section 'map_trace/': missing map name
            map_trace//UPDATE_ELEM              | section 'map_trace//UPDATE_ELEM': missing map name
            ?map_trace/                         | section '?map_trace/': missing map name
            map_trace/foo/FROB                  | section 'map_trace/foo/FROB': trace type must be UPDATE_ELEM or DELETE_ELEM
            map_trace/foo                       | section 'map_trace/foo': trace type must be UPDATE_ELEM or DELETE_ELEM
            map_trace/foo/                      | section 'map_trace/foo/': trace type must be UPDATE_ELEM or DELETE_ELEM
            map_trace/foo/update_elem           | section 'map_trace/foo/update_elem': trace type must be UPDATE_ELEM or DELETE_ELEM
            map_trace/foo/UPDATE_ELEM/x         | section 'map_trace/foo/UPDATE_ELEM/x': trace type must be UPDATE_ELEM or DELETE_ELEM
            map_trace/foo/bar/DELETE_ELEM       | section 'map_trace/foo/bar/DELETE_ELEM': trace type must be UPDATE_ELEM or DELETE_ELEM
            map_trace/foo/LOOKUP_ELEM           | section 'map_trace/foo/LOOKUP_ELEM': trace type must be UPDATE_ELEM or DELETE_ELEM
            """)
    void malformedMapTraceSectionsAreRefusedWithTheSectionName(String section, String message) {
        var e = assertThrows(IllegalArgumentException.class, () -> SectionTable.mapTrace(section));
        assertEquals(message, e.getMessage());
        // match() stays total: the section is still a map tracing one, only its target is bad.
        assertEquals("map_trace/", SectionTable.match(section).orElseThrow().def().pattern());
    }

    @Test
    void matchRefusesNull() {
        assertThrows(NullPointerException.class, () -> SectionTable.match(null));
        assertThrows(NullPointerException.class, () -> SectionTable.mapTrace(null));
    }

    @Test
    void aMatchWithoutTargetHasNullTarget() {
        assertNull(SectionTable.match("fentry").orElseThrow().attachTarget());
        assertNull(SectionTable.match("cgroup/connect4").orElseThrow().attachTarget());
    }

    private static Set<SectionDef.Flag> flags(String names) {
        if (names == null || names.isBlank())
            return EnumSet.noneOf(SectionDef.Flag.class);
        return Arrays.stream(names.trim().split("\\s+")).map(SectionDef.Flag::valueOf)
                .collect(Collectors.toCollection(() -> EnumSet.noneOf(SectionDef.Flag.class)));
    }

    private static void assertBefore(List<SectionDef> defs, String... patterns) {
        List<String> order = defs.stream().map(SectionDef::pattern).toList();
        for (int i = 1; i < patterns.length; i++)
            assertTrue(order.indexOf(patterns[i - 1]) >= 0 && order.indexOf(patterns[i - 1]) < order.indexOf(patterns[i]),
                    patterns[i - 1] + " must come before " + patterns[i]);
    }
}
