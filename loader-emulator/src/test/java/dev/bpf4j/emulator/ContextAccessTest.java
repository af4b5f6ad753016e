package dev.bpf4j.emulator;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.backend.BackendException;
import dev.bpf4j.loader.ProgramType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;

import static dev.bpf4j.emulator.Asm.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Context field accesses per program type, checked at load as the kernel's
 * {@code *_is_valid_access} functions check them, and the rewrite of u32 pointer loads.
 */
class ContextAccessTest {

    /** A program that reads (r) or writes (w, STX and ST) {@code size} bytes at {@code off} of its context. */
    static Instruction[][] accesses(String kind, int off, int size) {
        if (kind.equals("r"))
            return new Instruction[][] {{ldx(size, 2, 1, off), mov(0, 0), exit()}};
        return new Instruction[][] {
                {mov(2, 0), stx(size, 1, 2, off), mov(0, 0), exit()},
                {st(size, 1, off, 0), mov(0, 0), exit()}};
    }

    @ParameterizedTest(name = "{0}: {1} off={2} size={3} -> {4}")
    @CsvSource({
            // socket_filter: sk_filter_is_valid_access
            "socket, r, 0, 4, true", "socket, r, 0, 1, true", "socket, r, 2, 2, true", "socket, r, 1, 2, false",
            "socket, r, 0, 8, false", "socket, r, 76, 4, false", "socket, r, 80, 4, false", "socket, r, 140, 4, false",
            "socket, r, 72, 4, false", "socket, r, 88, 4, false", "socket, r, 92, 4, false", "socket, r, 152, 8, false",
            "socket, r, 160, 4, false", "socket, r, 184, 8, false", "socket, r, 168, 8, true", "socket, r, 168, 4, false",
            "socket, r, 144, 8, false", "socket, r, 180, 1, false", "socket, r, 181, 1, false", "socket, r, 192, 4, false",
            "socket, r, -4, 4, false", "socket, r, 164, 4, true", "socket, r, 176, 4, true", "socket, r, 68, 4, true",
            "socket, w, 48, 4, true", "socket, w, 64, 4, true", "socket, w, 48, 8, true", "socket, w, 64, 8, false",
            "socket, w, 49, 1, true", "socket, w, 8, 4, false", "socket, w, 0, 4, false", "socket, w, 32, 4, false",
            // sched_cls / sched_act: tc_cls_act_is_valid_access
            "tc, r, 76, 4, true", "tc, r, 80, 4, true", "tc, r, 140, 4, true", "tc, r, 76, 2, false", "tc, r, 76, 8, false",
            "tc, r, 78, 2, false", "tc, r, 72, 4, true", "tc, r, 88, 4, false", "tc, r, 136, 4, false",
            "tc, r, 180, 1, true", "tc, r, 180, 2, false", "tc, r, 152, 8, true", "tc, r, 152, 4, false",
            "tc, r, 160, 4, true", "tc, r, 184, 8, true", "tc, r, 48, 8, true",
            "tc, w, 8, 4, true", "tc, w, 8, 2, false", "tc, w, 44, 4, true", "tc, w, 32, 4, true", "tc, w, 72, 4, true",
            "tc, w, 12, 4, true", "tc, w, 152, 8, true", "tc, w, 0, 4, false", "tc, w, 68, 4, false", "tc, w, 76, 4, false",
            "tc, w, 36, 4, false", "tc, w, 184, 8, false", "tc, w, 168, 8, false", "tc, w, 180, 1, false",
            "action, r, 76, 4, true", "action, w, 8, 4, true", "action, w, 40, 4, false",
            // cgroup_skb: cg_skb_is_valid_access
            "cgroup_skb/ingress, r, 76, 4, true", "cgroup_skb/ingress, r, 80, 4, true", "cgroup_skb/ingress, r, 140, 4, false",
            "cgroup_skb/ingress, r, 72, 4, false", "cgroup_skb/ingress, r, 160, 4, false", "cgroup_skb/ingress, r, 88, 4, true",
            "cgroup_skb/ingress, r, 92, 4, true", "cgroup_skb/ingress, r, 92, 2, false", "cgroup_skb/ingress, r, 100, 4, true",
            "cgroup_skb/ingress, r, 128, 4, true", "cgroup_skb/ingress, r, 100, 8, false", "cgroup_skb/ingress, r, 132, 2, true",
            "cgroup_skb/ingress, r, 180, 1, false", "cgroup_skb/egress, r, 184, 8, true",
            "cgroup_skb/ingress, w, 8, 4, true", "cgroup_skb/ingress, w, 32, 4, true", "cgroup_skb/ingress, w, 48, 4, true",
            "cgroup_skb/ingress, w, 152, 8, true", "cgroup_skb/ingress, w, 44, 4, false", "cgroup_skb/ingress, w, 72, 4, false",
            "cgroup_skb/ingress, w, 12, 4, false",
            // xdp: xdp_is_valid_access
            "xdp, r, 0, 4, true", "xdp, r, 4, 4, true", "xdp, r, 8, 4, true", "xdp, r, 12, 4, true", "xdp, r, 16, 4, true",
            "xdp, r, 20, 4, false", "xdp, r, 12, 1, false", "xdp, r, 12, 2, false", "xdp, r, 0, 8, false",
            "xdp, r, 24, 4, false", "xdp, r, 2, 2, false", "xdp, w, 12, 4, false", "xdp, w, 0, 4, false",
            "xdp/devmap, r, 20, 4, true",
            // cgroup_sockopt: cg_sockopt_is_valid_access
            "cgroup/getsockopt, r, 0, 8, true", "cgroup/getsockopt, r, 8, 8, true", "cgroup/getsockopt, r, 16, 8, true",
            "cgroup/getsockopt, r, 8, 4, false", "cgroup/getsockopt, r, 24, 4, true", "cgroup/getsockopt, r, 24, 2, false",
            "cgroup/getsockopt, r, 36, 4, true", "cgroup/getsockopt, w, 36, 4, true", "cgroup/getsockopt, w, 24, 4, false",
            "cgroup/getsockopt, w, 28, 4, false", "cgroup/getsockopt, w, 32, 4, true", "cgroup/getsockopt, w, 32, 2, false",
            "cgroup/getsockopt, w, 8, 8, false", "cgroup/getsockopt, r, 40, 4, false",
            "cgroup/setsockopt, r, 36, 4, false", "cgroup/setsockopt, w, 36, 4, false", "cgroup/setsockopt, w, 24, 4, true",
            "cgroup/setsockopt, w, 28, 4, true", "cgroup/setsockopt, w, 32, 4, true",
            // tracing: kprobe_, tp_, raw_tp_, pe_prog_is_valid_access
            "kprobe/foo, r, 0, 8, true", "kprobe/foo, r, 160, 8, true", "kprobe/foo, r, 164, 4, true",
            "kprobe/foo, r, 168, 1, false", "kprobe/foo, r, 4, 8, false", "kprobe/foo, r, 1, 1, true",
            "kprobe/foo, w, 0, 8, false",
            "tracepoint/a/b, r, 0, 8, false", "tracepoint/a/b, r, 4, 4, false", "tracepoint/a/b, r, 8, 8, true",
            "tracepoint/a/b, r, 8188, 4, true", "tracepoint/a/b, r, 8192, 4, false", "tracepoint/a/b, w, 8, 4, false",
            "raw_tracepoint/x, r, 0, 8, true", "raw_tracepoint/x, r, 88, 8, true", "raw_tracepoint/x, r, 96, 8, false",
            "raw_tracepoint/x, r, 4, 4, true", "raw_tracepoint/x, w, 0, 8, false",
            "perf_event, r, 0, 8, true", "perf_event, r, 0, 4, false", "perf_event, r, 168, 8, true",
            "perf_event, r, 168, 4, true", "perf_event, r, 176, 1, true", "perf_event, r, 184, 8, false",
            "perf_event, w, 168, 8, false",
            // syscall: syscall_prog_is_valid_access
            "syscall, r, 0, 8, true", "syscall, w, 0, 8, true", "syscall, w, 32760, 4, true", "syscall, r, 32767, 1, true",
            "syscall, w, 3, 2, false",
    })
    void accessIsAllowedAsTheKernelAllowsIt(String section, String kind, int off, int size, boolean allowed) {
        for (Instruction[] program : accesses(kind, off, size)) {
            VerifierResult r = verify(section, program);
            assertEquals(allowed, r.ok(), section + " " + kind + " off=" + off + " size=" + size + ": " + r.log());
            if (!allowed)
                assertTrue(r.error().contains("invalid bpf_context access off=" + off + " size=" + size), r.error());
        }
    }

    @Test
    void theKernelsMessagesAndTheLog() {
        VerifierResult r = verify("tc", mov(0, 0), ldx(2, 2, 1, 76), exit());
        assertFalse(r.ok());
        assertEquals(1, r.insn());
        assertTrue(r.error().startsWith("insn 1: invalid bpf_context access off=76 size=2"), r.error());
        assertTrue(r.log().startsWith("0: (b7) r0 = 0\n1: (69) r2 = *(u16 *)(r1 + 76)\n"), r.log());

        r = verify("tc", movx(2, 1), add(2, 8), ldx(4, 0, 2, 0), exit());
        assertEquals("insn 2: dereference of modified ctx ptr R2 off=0 disallowed", r.error());
        r = verify("tc", movx(2, 1), add(2, 8), st(4, 2, 0, 1), mov(0, 0), exit());
        assertEquals("insn 2: dereference of modified ctx ptr R2 off=0 disallowed", r.error());
        r = verify("tc", mov(3, 4), movx(2, 1), Instruction.of(Opcodes.ALU64 | Opcodes.ADD | Opcodes.X, 2, 3, 0, 0),
                ldx(4, 0, 2, 0), exit());
        assertEquals("insn 3: dereference of modified ctx ptr R2 off=0 disallowed", r.error());
        assertTrue(verify("tc", movx(2, 1), add(2, 0), ldx(4, 0, 2, 0), exit()).ok()); // + 0 is no change
        r = verify("tc", mov(2, 1), atomicAdd(4, 1, 2, 48), mov(0, 0), exit());
        assertEquals("insn 1: BPF_ATOMIC stores into R1 ctx is not allowed", r.error());
        r = verify("tc", Instruction.of(Opcodes.STX | Opcodes.ATOMIC | Opcodes.W, 0, 1, 48, Opcodes.LOAD_ACQ), exit());
        assertEquals("insn 0: BPF_ATOMIC loads from R1 ctx is not allowed", r.error());
        // r2 is the context on one path and the stack on the other
        r = verify("tc", movx(2, 1), jeq(1, 0, 1), movx(2, 10), ldx(4, 0, 2, -8), exit());
        assertTrue(r.error().startsWith("insn 3: same insn cannot be used with different pointers"), r.error());
        // sign-extending load of a packet pointer; of an integer field it is fine
        r = verify("tc", ldxsx(4, 0, 1, 76), exit());
        assertTrue(r.error().contains("invalid bpf_context access off=76 size=4"), r.error());
        assertTrue(verify("tc", ldxsx(2, 0, 1, 0), exit()).ok());
    }

    @Test
    void contextPointersAreFollowedThroughCopiesSpillsAndCalls() {
        // spilled and filled back: still the context
        assertFalse(verify("xdp", stx(8, 10, 1, -8), ldx(8, 3, 10, -8), ldx(2, 0, 3, 12), exit()).ok());
        // passed to a subprogram in r1: its accesses are checked too
        Instruction local = Instruction.of(Opcodes.CALL_INSN, 0, Opcodes.PSEUDO_CALL, 0, 1);
        assertFalse(verify("xdp", local, exit(), ldx(2, 0, 1, 12), exit()).ok());
        assertTrue(verify("xdp", local, exit(), ldx(4, 0, 1, 12), exit()).ok());
        // a helper call clobbers r1-r5: r1 is no longer the context afterwards (and not readable)
        assertTrue(verify("xdp", movx(6, 1), call(7), ldx(4, 0, 6, 12), exit()).ok());
    }

    @Test
    void pointerLoadsAreRewrittenToHiddenSlotsAndTheRestIsUntouched() {
        ContextLayout tc = ContextLayout.of(ProgramType.SCHED_CLS, Optional.empty()).orElseThrow();
        var program = List.of(
                movx(6, 1),
                stx(8, 10, 6, -8),
                ldx(4, 2, 6, 80),       // data_end
                ldx(8, 7, 10, -8),
                ldx(4, 3, 7, 76),       // data
                ldx(4, 4, 7, 140),      // data_meta
                ldx(1, 5, 7, 1),        // a byte of len: untouched
                ldx(4, 5, 2, 0),        // through a packet pointer: untouched
                mov(0, 0), exit());
        var r = ContextRewrite.run(program, tc);
        assertEquals(null, r.refusal());
        assertEquals(ldx(8, 2, 6, 200), r.instructions().get(2));
        assertEquals(ldx(8, 3, 7, 192), r.instructions().get(4));
        assertEquals(ldx(8, 4, 7, 208), r.instructions().get(5));
        assertEquals(ldx(1, 5, 7, 1), r.instructions().get(6));
        assertEquals(ldx(4, 5, 2, 0), r.instructions().get(7));
        assertEquals(144, r.maxCtxOffset());
        ContextLayout xdp = ContextLayout.of(ProgramType.XDP, Optional.empty()).orElseThrow();
        assertEquals(24, xdp.slotOf("data"));
        assertEquals(32, xdp.slotOf("data_end"));
        assertEquals(40, xdp.slotOf("data_meta"));
        assertEquals(48, xdp.regionSize());
        assertEquals(-1, ContextLayout.of(ProgramType.CGROUP_SKB, Optional.empty()).orElseThrow().slotOf("data_meta"));
    }

    @Test
    void typesWithoutAModelledContextAreNotChecked() {
        assertTrue(ContextLayout.of(ProgramType.CGROUP_SOCK, Optional.empty()).isEmpty());
        assertTrue(verify("cgroup/sock", ldx(8, 2, 1, 1000), mov(0, 0), exit()).ok());
    }

    @Test
    void loadingARefusedProgramIsEaccesWithTheVerifierLog() {
        BackendException e = assertThrows(BackendException.class,
                () -> Asm.load(ByteOrder.LITTLE_ENDIAN, "xdp", List.of(st(4, 1, 12, 0), mov(0, 2), exit())));
        assertEquals(-BackendException.EACCES, e.errno());
        assertTrue(e.getMessage().contains("invalid bpf_context access off=12 size=4"), e.getMessage());
        assertNotNull(e.getCause());
    }
}
