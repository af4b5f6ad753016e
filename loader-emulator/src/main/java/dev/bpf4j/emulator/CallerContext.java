package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.loader.ProgramType;

import java.util.Arrays;
import java.util.List;

/**
 * Contexts the caller supplies whole: the tracing types ({@code kprobe}: {@code struct
 * pt_regs}; {@code tracepoint}: the tracepoint's record; {@code raw_tracepoint}: u64
 * arguments; {@code perf_event}: {@code struct bpf_perf_event_data}) and {@code syscall}
 * (any bytes the caller passes to BPF_PROG_TEST_RUN).
 *
 * <p>Field access, as the kernel's {@code *_is_valid_access}: every one of them checks
 * {@code off % size == 0} and the bounds below; the tracing types are read-only.
 * <ul>
 * <li>kprobe: any width inside {@code struct pt_regs} (168 bytes, x86_64);</li>
 * <li>tracepoint: any width from byte 8 (the first 8 are the kernel's) to 8192
 *     ({@code PERF_MAX_TRACE_SIZE});</li>
 * <li>raw_tracepoint: any width inside 12 u64 arguments (96 bytes, {@code MAX_BPF_FUNC_ARGS});</li>
 * <li>perf_event: 8-byte loads of {@code regs} (168 bytes), loads of any width of
 *     {@code sample_period} and {@code addr};</li>
 * <li>syscall: loads and stores of any width below 65535.</li>
 * </ul>
 *
 * <p>Test runs: no data_in ({@code -EINVAL}). raw_tracepoint and syscall follow
 * {@code bpf_prog_test_run_raw_tp} and {@code _syscall}: the ctx must cover every byte
 * the program reads ({@code max_ctx_offset}) and be at most 96 (raw_tp) or 65535
 * (syscall) bytes, no repeat ({@code -EINVAL}); without ctx_in r1 is NULL; a syscall
 * program's ctx comes back as ctx_out, as the kernel copies it back into ctx_in. The kernel
 * cannot test-run kprobe, tracepoint and perf_event programs (its BPF_PROG_TEST_RUN
 * answers {@code -ENOTSUPP}); the emulator runs them on the caller's ctx: for kprobe and
 * perf_event at most the struct's size, zero-padded to it; for tracepoints as given, at
 * least up to the furthest byte the program reads; repeat is allowed, no ctx_out.
 */
final class CallerContext {
    /** sizeof(struct pt_regs) on x86_64. */
    static final int PT_REGS = 168;
    /** sizeof(struct bpf_perf_event_data) on x86_64. */
    static final int PERF_EVENT_DATA = PT_REGS + 16;
    /** MAX_BPF_FUNC_ARGS u64 arguments. */
    static final int RAW_TP_ARGS = 12 * 8;
    /** PERF_MAX_TRACE_SIZE. */
    static final int TRACE_SIZE = 8192;
    /** U16_MAX: the largest syscall ctx. */
    static final int SYSCALL_MAX = 65535;

    private CallerContext() {
    }

    static ContextLayout layout(ProgramType type) {
        switch (type) {
            case KPROBE:
                return new ContextLayout("struct pt_regs", PT_REGS,
                        List.of(ContextField.read("regs", 0, PT_REGS, ContextField.ANY)));
            case TRACEPOINT:
                return new ContextLayout("the tracepoint record", TRACE_SIZE,
                        List.of(ContextField.read("fields", 8, TRACE_SIZE - 8, ContextField.ANY)));
            case RAW_TRACEPOINT:
                return new ContextLayout("struct bpf_raw_tracepoint_args", RAW_TP_ARGS,
                        List.of(ContextField.read("args", 0, RAW_TP_ARGS, ContextField.ANY)));
            case PERF_EVENT:
                return new ContextLayout("struct bpf_perf_event_data", PERF_EVENT_DATA, List.of(
                        ContextField.read("regs", 0, PT_REGS, 8),
                        ContextField.read("sample_period", PT_REGS, 8, ContextField.ANY),
                        ContextField.read("addr", PT_REGS + 8, 8, ContextField.ANY)));
            case SYSCALL:
                return new ContextLayout("the syscall context", SYSCALL_MAX,
                        List.of(new ContextField("bytes", 0, SYSCALL_MAX, ContextField.ANY, ContextField.ANY, false)));
            default:
                throw new IllegalArgumentException(type + " has no caller-supplied context");
        }
    }

    static TestRunResult testRun(EmulatorProgram program, TestRun request, Cpu cpu) {
        ProgramType type = program.type();
        String who = "program '" + program.name() + "': ";
        if (request.dataIn() != null)
            throw new BackendException(-BackendException.EINVAL, who + type.libbpfName() + " test runs take no data_in");
        byte[] ctxIn = request.ctxIn();
        int len = ctxIn == null ? 0 : ctxIn.length;
        boolean kernelRules = type == ProgramType.RAW_TRACEPOINT || type == ProgramType.SYSCALL;
        if (kernelRules && request.repeat() > 1)
            throw new BackendException(-BackendException.EINVAL, who + type.libbpfName() + " test runs take no repeat");
        int max = switch (type) {
            case KPROBE -> PT_REGS;
            case PERF_EVENT -> PERF_EVENT_DATA;
            case RAW_TRACEPOINT -> RAW_TP_ARGS;
            case TRACEPOINT -> TRACE_SIZE;
            default -> SYSCALL_MAX;
        };
        if (len > max)
            throw new BackendException(-BackendException.EINVAL, who + "ctx_in of " + len + " bytes is more than the "
                    + max + " of " + program.layout().struct());
        boolean padded = type == ProgramType.KPROBE || type == ProgramType.PERF_EVENT;
        if (!padded && len < program.maxCtxOffset())
            throw new BackendException(-BackendException.EINVAL, who + "ctx_in of " + len + " bytes does not cover the "
                    + program.maxCtxOffset() + " bytes the program reads");
        byte[] bytes = padded ? Arrays.copyOf(ctxIn == null ? new byte[0] : ctxIn, max) : ctxIn;
        Memory memory = program.memory();
        long r1 = 0;
        Region ctx = null;
        if (bytes != null) {
            ctx = cpu.ctx = cpu.ctx == null ? memory.map("ctx cpu" + cpu.index, bytes, true) : memory.remap(cpu.ctx, bytes);
            r1 = ctx.base();
        }
        KernelRun run = new KernelRun(program);
        EmulatorProgram.Outcome out = program.execute(cpu, r1, request.repeat(), run, null);
        byte[] ctxOut = type == ProgramType.SYSCALL && ctx != null ? ctx.bytes().clone() : null;
        return new TestRunResult((int) out.r0(), null, ctxOut, out.durationNs(), run.trace, run.redirects, run.records);
    }
}
