package dev.bpf4j.emulator;

import dev.bpf4j.asm.Disassembler;
import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.loader.AttachType;
import dev.bpf4j.loader.ProgramType;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.function.IntPredicate;
import java.util.Set;

/**
 * The emulator kernel's load-time verifier: a static check of a linked program (the
 * final instructions, an ld_imm64 taking two slots) that answers with a kernel-style log.
 *
 * <p>It rejects, naming the slot as the kernel does ({@code "insn 12: ..."}):
 * <ul>
 * <li>encodings the {@link Vm} does not execute ({@code "invalid opcode 0xff"},
 *     {@code "R11 is invalid"}, kfunc calls, may_goto);</li>
 * <li>jumps and local calls outside the program, into the second half of an ld_imm64, or
 *     (jumps) out of their subprogram; a subprogram whose last instruction is not an exit
 *     or an unconditional jump; instructions unreachable from slot 0 (following local
 *     calls and {@code ld_imm64} function addresses into their subprograms);</li>
 * <li>writes of r10 ({@code "frame pointer is read only"}) and reads of registers not
 *     initialised on every path ({@code "R2 !read_ok"}): r1 and r10 are set at entry,
 *     r1-r5 and r10 at a subprogram's entry, a helper or local call leaves r0 set and r1-r5
 *     unset; r0 must be set at the main program's exit;</li>
 * <li>stack accesses through r10, or a register holding r10 plus a known constant, outside
 *     the 512-byte frame ({@code "invalid stack off=-520 size=8"}) or not aligned to their
 *     size;</li>
 * <li>helper ids the kernel uapi does not know ({@code "invalid func unknown#999"}) and
 *     helpers the program type may not call ({@code "unknown func bpf_xdp_adjust_head#44"});
 *     see {@link #helperAllowed} for how approximate that table is. A poisoned CO-RE
 *     instruction ({@code call 0xbad2310}) is accepted: the kernel refuses it only where its
 *     dead-branch pruning finds it reachable, which this verifier does not judge; the
 *     {@link Vm} faults ({@link VmFault.Kind#CORE_POISON}) if a run reaches it;</li>
 * <li>division or modulo by the constant 0, or by a register known to hold 0
 *     ({@code "div by zero"});</li>
 * <li>context accesses the program type does not allow
 *     ({@code "invalid bpf_context access off=76 size=2"}), dereferences of a modified
 *     context pointer, atomics on the context: see {@link ContextLayout} and
 *     {@link ContextRewrite} (socket_filter, sched_cls/act, cgroup_skb, xdp,
 *     cgroup_sockopt, kprobe, tracepoint, raw_tracepoint, perf_event, syscall).</li>
 * </ul>
 *
 * <p>Loops are allowed: the VM's instruction budget ends programs that do not terminate.
 * Everything else (memory bounds of context, packet and map values, call depth, pointer
 * leaks) is checked, if at all, when the program runs.
 *
 * <pre>{@code
 * VerifierResult r = Verifier.verify(linked.instructions(), linked.spec().type());
 * if (!r.ok()) System.err.print(r.log());
 * Verifier.require(insns, ProgramType.XDP);    // or throws VerifierException
 * }</pre>
 */
public final class Verifier {
    /** The stack frame of each function, in bytes, as in the kernel. */
    public static final int STACK_SIZE = 512;

    /** Helper names by id, from the kernel uapi's {@code __BPF_FUNC_MAPPER} (0 is {@code unspec}). */
    private static final String[] HELPERS = {
            "unspec", "map_lookup_elem", "map_update_elem", "map_delete_elem", "probe_read", "ktime_get_ns",
            "trace_printk", "get_prandom_u32", "get_smp_processor_id", "skb_store_bytes", "l3_csum_replace",
            "l4_csum_replace", "tail_call", "clone_redirect", "get_current_pid_tgid", "get_current_uid_gid",
            "get_current_comm", "get_cgroup_classid", "skb_vlan_push", "skb_vlan_pop", "skb_get_tunnel_key",
            "skb_set_tunnel_key", "perf_event_read", "redirect", "get_route_realm", "perf_event_output",
            "skb_load_bytes", "get_stackid", "csum_diff", "skb_get_tunnel_opt", "skb_set_tunnel_opt",
            "skb_change_proto", "skb_change_type", "skb_under_cgroup", "get_hash_recalc", "get_current_task",
            "probe_write_user", "current_task_under_cgroup", "skb_change_tail", "skb_pull_data", "csum_update",
            "set_hash_invalid", "get_numa_node_id", "skb_change_head", "xdp_adjust_head", "probe_read_str",
            "get_socket_cookie", "get_socket_uid", "set_hash", "setsockopt", "skb_adjust_room", "redirect_map",
            "sk_redirect_map", "sock_map_update", "xdp_adjust_meta", "perf_event_read_value", "perf_prog_read_value",
            "getsockopt", "override_return", "sock_ops_cb_flags_set", "msg_redirect_map", "msg_apply_bytes",
            "msg_cork_bytes", "msg_pull_data", "bind", "xdp_adjust_tail", "skb_get_xfrm_state", "get_stack",
            "skb_load_bytes_relative", "fib_lookup", "sock_hash_update", "msg_redirect_hash", "sk_redirect_hash",
            "lwt_push_encap", "lwt_seg6_store_bytes", "lwt_seg6_adjust_srh", "lwt_seg6_action", "rc_repeat",
            "rc_keydown", "skb_cgroup_id", "get_current_cgroup_id", "get_local_storage", "sk_select_reuseport",
            "skb_ancestor_cgroup_id", "sk_lookup_tcp", "sk_lookup_udp", "sk_release", "map_push_elem", "map_pop_elem",
            "map_peek_elem", "msg_push_data", "msg_pop_data", "rc_pointer_rel", "spin_lock", "spin_unlock",
            "sk_fullsock", "tcp_sock", "skb_ecn_set_ce", "get_listener_sock", "skc_lookup_tcp", "tcp_check_syncookie",
            "sysctl_get_name", "sysctl_get_current_value", "sysctl_get_new_value", "sysctl_set_new_value", "strtol",
            "strtoul", "sk_storage_get", "sk_storage_delete", "send_signal", "tcp_gen_syncookie", "skb_output",
            "probe_read_user", "probe_read_kernel", "probe_read_user_str", "probe_read_kernel_str", "tcp_send_ack",
            "send_signal_thread", "jiffies64", "read_branch_records", "get_ns_current_pid_tgid", "xdp_output",
            "get_netns_cookie", "get_current_ancestor_cgroup_id", "sk_assign", "ktime_get_boot_ns", "seq_printf",
            "seq_write", "sk_cgroup_id", "sk_ancestor_cgroup_id", "ringbuf_output", "ringbuf_reserve",
            "ringbuf_submit", "ringbuf_discard", "ringbuf_query", "csum_level", "skc_to_tcp6_sock", "skc_to_tcp_sock",
            "skc_to_tcp_timewait_sock", "skc_to_tcp_request_sock", "skc_to_udp6_sock", "get_task_stack",
            "load_hdr_opt", "store_hdr_opt", "reserve_hdr_opt", "inode_storage_get", "inode_storage_delete", "d_path",
            "copy_from_user", "snprintf_btf", "seq_printf_btf", "skb_cgroup_classid", "redirect_neigh", "per_cpu_ptr",
            "this_cpu_ptr", "redirect_peer", "task_storage_get", "task_storage_delete", "get_current_task_btf",
            "bprm_opts_set", "ktime_get_coarse_ns", "ima_inode_hash", "sock_from_file", "check_mtu",
            "for_each_map_elem", "snprintf", "sys_bpf", "btf_find_by_name_kind", "sys_close", "timer_init",
            "timer_set_callback", "timer_start", "timer_cancel", "get_func_ip", "get_attach_cookie", "task_pt_regs",
            "get_branch_snapshot", "trace_vprintk", "skc_to_unix_sock", "kallsyms_lookup_name", "find_vma", "loop",
            "strncmp", "get_func_arg", "get_func_ret", "get_func_arg_cnt", "get_retval", "set_retval",
            "xdp_get_buff_len", "xdp_load_bytes", "xdp_store_bytes", "copy_from_user_task", "skb_set_tstamp",
            "ima_file_hash", "kptr_xchg", "map_lookup_percpu_elem", "skc_to_mptcp_sock", "dynptr_from_mem",
            "ringbuf_reserve_dynptr", "ringbuf_submit_dynptr", "ringbuf_discard_dynptr", "dynptr_read", "dynptr_write",
            "dynptr_data", "tcp_raw_gen_syncookie_ipv4", "tcp_raw_gen_syncookie_ipv6", "tcp_raw_check_syncookie_ipv4",
            "tcp_raw_check_syncookie_ipv6", "ktime_get_tai_ns", "user_ringbuf_drain"
    };

    private static final int UNKNOWN = 0, CONST = 1, FP = 2;

    private Verifier() {
    }

    /** The helper's name without the {@code bpf_} prefix, or null for an id the uapi does not know (0 included). */
    public static String helperName(int id) {
        return id > 0 && id < HELPERS.length ? HELPERS[id] : null;
    }

    /** The uapi id of helper {@code name} (without the {@code bpf_} prefix), or -1. */
    static int helperId(String name) {
        for (int id = 1; id < HELPERS.length; id++)
            if (HELPERS[id].equals(name))
                return id;
        return -1;
    }

    /** Helper ids 1..{@code helperCount()-1} are known. */
    public static int helperCount() {
        return HELPERS.length;
    }

    // ---- which helpers a program type may call: an approximation of the kernel's get_func_proto tables

    private static final Set<String> SKB_HELPERS = Set.of("l3_csum_replace", "l4_csum_replace", "clone_redirect",
            "get_cgroup_classid", "get_route_realm", "get_hash_recalc", "set_hash_invalid", "set_hash", "csum_update",
            "csum_level", "lwt_push_encap", "lwt_seg6_store_bytes", "lwt_seg6_adjust_srh", "lwt_seg6_action",
            "get_socket_uid");
    private static final Set<String> TRACE_HELPERS = Set.of("probe_read", "probe_read_str", "probe_write_user",
            "override_return", "get_stackid", "get_stack", "perf_event_read", "perf_event_read_value",
            "perf_prog_read_value", "send_signal", "send_signal_thread", "get_task_stack", "d_path", "copy_from_user",
            "copy_from_user_task", "get_func_ip", "get_func_arg", "get_func_ret", "get_func_arg_cnt", "task_pt_regs",
            "get_branch_snapshot", "find_vma", "skb_output", "seq_printf", "seq_write", "seq_printf_btf",
            "snprintf_btf", "bprm_opts_set", "ima_inode_hash", "ima_file_hash", "read_branch_records", "trace_vprintk");
    private static final Set<ProgramType> SKB_TYPES = Set.of(ProgramType.SOCKET_FILTER, ProgramType.SCHED_CLS,
            ProgramType.SCHED_ACT, ProgramType.CGROUP_SKB, ProgramType.LWT_IN, ProgramType.LWT_OUT, ProgramType.LWT_XMIT,
            ProgramType.LWT_SEG6LOCAL, ProgramType.SK_SKB, ProgramType.SK_REUSEPORT, ProgramType.FLOW_DISSECTOR);
    private static final Set<ProgramType> TRACE_TYPES = Set.of(ProgramType.KPROBE, ProgramType.TRACEPOINT,
            ProgramType.PERF_EVENT, ProgramType.RAW_TRACEPOINT, ProgramType.RAW_TRACEPOINT_WRITABLE, ProgramType.TRACING,
            ProgramType.LSM, ProgramType.STRUCT_OPS, ProgramType.SYSCALL);

    /**
     * Whether a program of {@code type} may call helper {@code id}. An approximation of the
     * kernel's per-type tables, in three families: {@code xdp_*} helpers only for XDP;
     * {@code skb_*} helpers (but {@code skb_output}) and the checksum, hash, route-realm,
     * cgroup-classid, clone-redirect and LWT helpers only for skb-based types (socket
     * filter, tc, cgroup_skb, LWT, sk_skb, sk_reuseport, flow dissector); the probe-read,
     * stack, perf-counter, signal, function-argument and seq helpers only for tracing types
     * (kprobe, tracepoints, perf_event, tracing, LSM, struct_ops, syscall). Every other known
     * helper is allowed for every type, and EXT and UNSPEC programs may call anything known.
     */
    public static boolean helperAllowed(int id, ProgramType type) {
        String name = helperName(id);
        if (name == null)
            return false;
        if (type == ProgramType.EXT || type == ProgramType.UNSPEC)
            return true;
        if (name.startsWith("xdp_"))
            return type == ProgramType.XDP;
        if (TRACE_HELPERS.contains(name))
            return TRACE_TYPES.contains(type);
        if (name.startsWith("skb_") || SKB_HELPERS.contains(name))
            return SKB_TYPES.contains(type);
        return true;
    }

    /**
     * The seq_file helpers write an iterator's output: the kernel's tracing_prog_func_proto
     * offers them only to programs with expected attach type BPF_TRACE_ITER.
     */
    private static boolean iterHelperAllowed(String name, ProgramType type, Optional<AttachType> attach) {
        if (!name.startsWith("seq_") || type == ProgramType.EXT || type == ProgramType.UNSPEC)
            return true;
        return type == ProgramType.TRACING && attach.orElse(null) == AttachType.TRACE_ITER;
    }

    /** Verifies {@code insns} and throws the rejection, if any; returns the acceptance otherwise. */
    public static VerifierResult require(List<Instruction> insns, ProgramType type) {
        return verify(insns, type).orThrow();
    }

    /**
     * Verifies a linked program. Never throws for any instruction list: every outcome is a
     * {@link VerifierResult}.
     */
    public static VerifierResult verify(List<Instruction> insns, ProgramType type) {
        return verify(insns, type, EmulatorHelpers::implemented);
    }

    /** Verifies a linked program whose helper calls may reach only the ids {@code implemented} accepts. */
    static VerifierResult verify(List<Instruction> insns, ProgramType type, IntPredicate implemented) {
        return verify(insns, type, Optional.empty(), implemented);
    }

    /**
     * Verifies a linked program of {@code type} with expected attach type {@code attach},
     * which decides some context fields (xdp's egress_ifindex, sockopt's writable fields).
     */
    public static VerifierResult verify(List<Instruction> insns, ProgramType type, Optional<AttachType> attach) {
        return verify(insns, type, attach, EmulatorHelpers::implemented);
    }

    static VerifierResult verify(List<Instruction> insns, ProgramType type, Optional<AttachType> attach,
                                 IntPredicate implemented) {
        return new Run(insns, type, attach, implemented).run();
    }

    /** One verification: the program by slot, and the log so far. */
    private static final class Run {
        private final ProgramType type;
        private final Optional<AttachType> attach;
        private final List<Instruction> insns;
        private final IntPredicate implemented;
        private final Instruction[] at;    // by slot; null in the second half of an ld_imm64
        private final int n;
        private final StringBuilder log = new StringBuilder();

        Run(List<Instruction> insns, ProgramType type, Optional<AttachType> attach, IntPredicate implemented) {
            this.type = type;
            this.attach = attach;
            this.insns = insns;
            this.implemented = implemented;
            int slots = 0;
            for (Instruction i : insns)
                slots += i.width();
            n = slots;
            at = new Instruction[n];
            int s = 0;
            for (Instruction i : insns) {
                at[s] = i;
                s += i.width();
            }
        }

        private static final class Reject extends Exception {
            final int insn;

            Reject(int insn, String message) {
                super(message, null, false, false);
                this.insn = insn;
            }
        }

        VerifierResult run() {
            try {
                check();
                return new VerifierResult(true, -1, null, log + "verification ok: " + n + " insns\n", n);
            } catch (Reject r) {
                String error = "insn " + r.insn + ": " + r.getMessage();
                log.append(error).append('\n');
                return new VerifierResult(false, r.insn, error, log.toString(), n);
            }
        }

        private String line(int slot) {
            Instruction i = at[slot];
            String text;
            try {
                text = Disassembler.format(i);
            } catch (RuntimeException e) {
                text = "?";
            }
            return String.format("%d: (%02x) %s%n", slot, i.opcode(), text);
        }

        private int target(int slot) {
            Instruction i = at[slot];
            long t = (long) slot + 1 + (i.isLocalCall() || i.isLoadImm64() || i.opcode() == Opcodes.JA32_INSN ? i.imm() : i.offset());
            return t < Integer.MIN_VALUE || t > Integer.MAX_VALUE ? -1 : (int) t;
        }

        private static boolean isFuncAddress(Instruction i) {
            return i.isLoadImm64() && i.src() == Opcodes.PSEUDO_FUNC;
        }

        private void check() throws Reject {
            if (n == 0)
                throw new Reject(0, "empty program: last insn is not an exit or jmp");
            // 1. encodings
            for (int s = 0; s < n; s++) {
                Instruction i = at[s];
                if (i == null)
                    continue;
                String why = Vm.check(i);
                if (why == null)
                    continue;
                if (why.startsWith("invalid dst register r") || why.startsWith("invalid src register r")) {
                    String reg = why.substring("invalid dst register r".length());
                    throw new Reject(s, "R" + reg.substring(0, reg.indexOf(' ')) + " is invalid");
                }
                String bad = String.format("invalid instruction: opcode 0x%02x", i.opcode());
                if (why.startsWith(bad))
                    throw new Reject(s, String.format("invalid opcode 0x%02x", i.opcode()) + why.substring(bad.length()));
                throw new Reject(s, why);
            }
            // 2. subprograms: slot 0, local call targets, function addresses
            boolean[] start = new boolean[n];
            start[0] = true;
            for (int s = 0; s < n; s++) {
                Instruction i = at[s];
                if (i == null || !(i.isLocalCall() || isFuncAddress(i)))
                    continue;
                int t = target(s);
                if (t < 0 || t >= n)
                    throw new Reject(s, "call to invalid destination: insn " + t + " is outside the program (0-" + (n - 1) + ")");
                if (at[t] == null)
                    throw new Reject(s, "call into the middle of ldimm64 insn " + (t - 1));
                start[t] = true;
            }
            int[] subprog = new int[n];
            int current = 0;
            for (int s = 0; s < n; s++) {
                if (start[s])
                    current = s;
                subprog[s] = current;
            }
            // 3. jumps stay inside their subprogram and land on an instruction; subprograms end in exit or goto
            for (int s = 0; s < n; s++) {
                Instruction i = at[s];
                if (i == null || !i.isJump())
                    continue;
                int t = target(s);
                if (t < 0 || t >= n || subprog[t] != subprog[s])
                    throw new Reject(s, "jump out of range from insn " + s + " to " + t);
                if (at[t] == null)
                    throw new Reject(s, "jump into the middle of ldimm64 insn " + (t - 1));
            }
            for (int s = 0; s < n; s++) {
                if (s + 1 < n && !start[s + 1])
                    continue;
                Instruction last = at[s];
                if (last == null || !(last.isExit() || last.opcode() == Opcodes.JA_INSN || last.opcode() == Opcodes.JA32_INSN))
                    throw new Reject(s, "last insn is not an exit or jmp");
            }
            // 4. reachability from slot 0, into called subprograms
            boolean[] seen = new boolean[n];
            var work = new ArrayDeque<Integer>();
            seen[0] = true;
            work.push(0);
            while (!work.isEmpty()) {
                int s = work.pop();
                for (int t : successors(s, true))
                    if (!seen[t]) {
                        seen[t] = true;
                        work.push(t);
                    }
            }
            for (int s = 0; s < n; s++)
                if (at[s] != null && !seen[s])
                    throw new Reject(s, "unreachable insn " + s);
            // 5. registers and stack, per subprogram
            dataflow(start, subprog);
            // 6. context field accesses, as the type's *_is_valid_access allows them
            var layout = ContextLayout.of(type, attach);
            if (layout.isPresent()) {
                ContextRewrite.Refusal refusal = ContextRewrite.run(insns, layout.get()).refusal();
                if (refusal != null) {
                    for (int k = 0; k <= refusal.slot() && k < n; k++)
                        if (at[k] != null)
                            log.append(line(k));
                    throw new Reject(refusal.slot(), refusal.message());
                }
            }
            for (int s = 0; s < n; s++)
                if (at[s] != null)
                    log.append(line(s));
        }

        /** A {@code call 0xbad2310}: the linker's stand-in for an instruction whose CO-RE relocation failed. */
        private static boolean isCorePoison(Instruction i) {
            return i.isHelperCall() && i.imm() == Opcodes.CORE_POISON_HELPER;
        }

        /** Where control goes after slot {@code s}; with {@code intoCalls}, also into called functions. */
        private int[] successors(int s, boolean intoCalls) {
            Instruction i = at[s];
            int next = s + i.width();
            if (i.isExit())
                return new int[0];
            if (!intoCalls && isCorePoison(i))
                return new int[0]; // a run that reaches it faults: the path ends there (it still reaches what follows)
            if (i.isJump())
                return i.isConditionalJump() ? new int[] {next, target(s)} : new int[] {target(s)};
            if (intoCalls && (i.isLocalCall() || isFuncAddress(i)))
                return new int[] {next, target(s)};
            return new int[] {next};
        }

        // ---- dataflow: which registers are set on every path, and which hold a constant or r10 + constant

        private static final class State {
            int init;                       // bit r: register r is set
            final byte[] kind = new byte[11];
            final long[] val = new long[11];

            State copy() {
                State c = new State();
                c.init = init;
                System.arraycopy(kind, 0, c.kind, 0, 11);
                System.arraycopy(val, 0, c.val, 0, 11);
                return c;
            }

            /** Meets {@code o} into this; true when this changed. */
            boolean meet(State o) {
                boolean changed = false;
                int i2 = init & o.init;
                if (i2 != init) {
                    init = i2;
                    changed = true;
                }
                for (int r = 0; r < 11; r++)
                    if (kind[r] != UNKNOWN && (kind[r] != o.kind[r] || val[r] != o.val[r])) {
                        kind[r] = UNKNOWN;
                        val[r] = 0;
                        changed = true;
                    }
                return changed;
            }

            void set(int r, int k, long v) {
                init |= 1 << r;
                kind[r] = (byte) k;
                val[r] = v;
            }

            void clobber() {
                for (int r = 1; r <= 5; r++) {
                    init &= ~(1 << r);
                    kind[r] = UNKNOWN;
                    val[r] = 0;
                }
                set(0, UNKNOWN, 0);
            }
        }

        private void dataflow(boolean[] start, int[] subprog) throws Reject {
            State[] in = new State[n];
            var work = new ArrayDeque<Integer>();
            boolean[] queued = new boolean[n];
            for (int s = 0; s < n; s++) {
                if (!start[s])
                    continue;
                State e = new State();
                e.set(10, FP, 0);
                e.set(1, UNKNOWN, 0);
                if (s != 0)
                    for (int r = 2; r <= 5; r++)
                        e.set(r, UNKNOWN, 0);
                in[s] = e;
                work.add(s);
                queued[s] = true;
            }
            while (!work.isEmpty()) {
                int s = work.poll();
                queued[s] = false;
                State out = in[s].copy();
                try {
                    transfer(s, out, subprog[s] == 0);
                } catch (Reject r) {
                    for (int k = 0; k < r.insn; k++)
                        if (at[k] != null && in[k] != null)
                            log.append(line(k));
                    log.append(line(r.insn));
                    throw r;
                }
                for (int t : successors(s, false)) {
                    boolean changed;
                    if (in[t] == null) {
                        in[t] = out.copy();
                        changed = true;
                    } else {
                        changed = in[t].meet(out);
                    }
                    if (changed && !queued[t]) {
                        queued[t] = true;
                        work.add(t);
                    }
                }
            }
        }

        private void read(State st, int s, int r) throws Reject {
            if ((st.init & 1 << r) == 0)
                throw new Reject(s, "R" + r + " !read_ok");
        }

        private void write(State st, int s, int r, int k, long v) throws Reject {
            if (r == 10)
                throw new Reject(s, "frame pointer is read only");
            st.set(r, k, v);
        }

        private void stack(State st, int s, int r, int off, int size) throws Reject {
            if (st.kind[r] != FP)
                return;
            long o = st.val[r] + off;
            if (o < -STACK_SIZE || o + size > 0)
                throw new Reject(s, "invalid stack off=" + o + " size=" + size);
            if (o % size != 0)
                throw new Reject(s, "misaligned stack access off " + o + " size " + size);
        }

        private static int size(int code) {
            switch (Opcodes.size(code)) {
                case Opcodes.B: return 1;
                case Opcodes.H: return 2;
                case Opcodes.W: return 4;
                default: return 8;
            }
        }

        /** Checks slot {@code s} against {@code st} and turns {@code st} into the state after it. */
        private void transfer(int s, State st, boolean main) throws Reject {
            Instruction i = at[s];
            int code = i.opcode();
            int d = i.dst();
            int x = i.src();
            int off = i.offset();
            int op = Opcodes.operation(code);
            boolean srcX = Opcodes.source(code) == Opcodes.X;
            switch (Opcodes.instructionClass(code)) {
                case Opcodes.ALU:
                case Opcodes.ALU64: {
                    boolean is64 = Opcodes.instructionClass(code) == Opcodes.ALU64;
                    long mask = is64 ? -1L : 0xffffffffL;
                    if (op == Opcodes.MOV) {
                        if (!srcX) {
                            write(st, s, d, CONST, i.constant() & mask);
                        } else {
                            read(st, s, x);
                            int k = st.kind[x];
                            long v = st.val[x];
                            if (off != 0 || (!is64 && k != CONST))
                                write(st, s, d, UNKNOWN, 0);
                            else
                                write(st, s, d, k, k == UNKNOWN ? 0 : v & (k == CONST ? mask : -1L));
                        }
                        return;
                    }
                    if (op == Opcodes.NEG || op == Opcodes.END) {
                        read(st, s, d);
                        write(st, s, d, UNKNOWN, 0);
                        return;
                    }
                    if (srcX)
                        read(st, s, x);
                    read(st, s, d);
                    if (op == Opcodes.DIV || op == Opcodes.MOD) {
                        boolean zero = srcX ? st.kind[x] == CONST && (st.val[x] & mask) == 0 : (i.imm() & mask) == 0;
                        if (zero)
                            throw new Reject(s, "div by zero");
                    }
                    int kd = st.kind[d];
                    long vd = st.val[d];
                    int ks = srcX ? st.kind[x] : CONST;
                    long vs = srcX ? st.val[x] : i.constant();
                    if (is64 && (op == Opcodes.ADD || op == Opcodes.SUB) && ks == CONST && (kd == CONST || kd == FP))
                        write(st, s, d, kd, op == Opcodes.ADD ? vd + vs : vd - vs);
                    else if (is64 && op == Opcodes.ADD && kd == CONST && ks == FP)
                        write(st, s, d, FP, vd + st.val[x]);
                    else
                        write(st, s, d, UNKNOWN, 0);
                    return;
                }
                case Opcodes.JMP:
                case Opcodes.JMP32:
                    if (i.isExit()) {
                        if (main)
                            read(st, s, 0);
                        return;
                    }
                    if (i.isCall() || i.isCallx()) {
                        if (i.isCallx())
                            read(st, s, d);
                        else if (isCorePoison(i)) {
                            // A poisoned CO-RE instruction: the kernel refuses it only if reachable,
                            // which its dead-branch pruning decides; this verifier does not prune,
                            // so it accepts the call (ending the path: successors) and the VM
                            // faults if a run reaches it.
                            return;
                        } else if (i.isHelperCall()) {
                            String name = helperName(i.imm());
                            if (name == null)
                                throw new Reject(s, "invalid func unknown#" + i.imm());
                            if (!helperAllowed(i.imm(), type) || !iterHelperAllowed(name, type, attach))
                                throw new Reject(s, "unknown func bpf_" + name + "#" + i.imm());
                            if (!implemented.test(i.imm()))
                                throw new Reject(s, "helper bpf_" + name + "#" + i.imm() + " is not implemented by the emulator");
                        }
                        st.clobber();
                        return;
                    }
                    if (op != Opcodes.JA) {
                        read(st, s, d);
                        if (srcX)
                            read(st, s, x);
                    }
                    return;
                case Opcodes.LD:
                    if (i.isLoadImm64()) {
                        write(st, s, d, i.src() == 0 ? CONST : UNKNOWN, i.src() == 0 ? i.constant() : 0);
                        return;
                    }
                    // ld_abs / ld_ind: the skb is r6; the kernel clobbers r1-r5 and sets r0
                    read(st, s, 6);
                    if (Opcodes.mode(code) == Opcodes.IND)
                        read(st, s, x);
                    st.clobber();
                    return;
                case Opcodes.LDX:
                    read(st, s, x);
                    stack(st, s, x, off, size(code));
                    write(st, s, d, UNKNOWN, 0);
                    return;
                case Opcodes.ST:
                    read(st, s, d);
                    stack(st, s, d, off, size(code));
                    return;
                default: { // STX
                    if (Opcodes.mode(code) == Opcodes.MEM) {
                        read(st, s, x);
                        read(st, s, d);
                        stack(st, s, d, off, size(code));
                        return;
                    }
                    int kind = i.imm();
                    if (kind == Opcodes.LOAD_ACQ) {
                        read(st, s, x);
                        stack(st, s, x, off, size(code));
                        write(st, s, d, UNKNOWN, 0);
                        return;
                    }
                    read(st, s, x);
                    read(st, s, d);
                    stack(st, s, d, off, size(code));
                    if (kind == Opcodes.CMPXCHG) {
                        read(st, s, 0);
                        write(st, s, 0, UNKNOWN, 0);
                    } else if (kind != Opcodes.STORE_REL && (kind & Opcodes.FETCH) != 0) {
                        write(st, s, x, UNKNOWN, 0);
                    }
                    return;
                }
            }
        }
    }
}
