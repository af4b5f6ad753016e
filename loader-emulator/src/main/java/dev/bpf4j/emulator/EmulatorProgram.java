package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.Hook;
import dev.bpf4j.backend.Link;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.loader.SectionTable.MapTraceTarget;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.loader.AttachType;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.ProgramSpec;
import dev.bpf4j.loader.ProgramType;

/**
 * A program loaded into the emulator: its final instructions (context accesses checked
 * and rewritten for its {@link ContextLayout}, see {@link ContextRewrite}) decoded into a
 * {@link Vm} whose map references are bound to the object's maps.
 *
 * <p>Test runs mirror BPF_PROG_TEST_RUN per type; each context class sets its run up:
 * {@link SkbContext} (socket_filter, sched_cls, sched_act, cgroup_skb), {@link XdpContext},
 * {@link SockoptContext} (emulator only), {@link CallerContext} (syscall, raw_tracepoint,
 * and, emulator only, kprobe, tracepoint, perf_event). Other types: {@code -ENOTSUPP}.
 * Each run takes a free {@link Cpu} and reuses its packet and context regions.
 */
final class EmulatorProgram implements ProgramHandle {
    private final EmulatorObject owner;
    private final LinkedProgram linked;
    private final Vm vm;
    private final ContextLayout layout;
    private final int maxCtxOffset;

    /**
     * @param layout       the context layout the program was checked against, or null
     * @param maxCtxOffset one past the furthest context byte the program accesses
     */
    EmulatorProgram(EmulatorObject owner, LinkedProgram linked, Vm vm, ContextLayout layout, int maxCtxOffset) {
        this.owner = owner;
        this.linked = linked;
        this.vm = vm;
        this.layout = layout;
        this.maxCtxOffset = maxCtxOffset;
    }

    EmulatorProgram(EmulatorObject owner, LinkedProgram linked, Vm vm) {
        this(owner, linked, vm, null, 0);
    }

    @Override
    public String name() {
        return linked.name();
    }

    @Override
    public ProgramType type() {
        return linked.spec().type();
    }

    @Override
    public ProgramSpec spec() {
        return linked.spec();
    }

    /** The linked program: final instructions with their map references. */
    LinkedProgram linked() {
        return linked;
    }

    /** The object the program belongs to. */
    EmulatorObject owner() {
        return owner;
    }

    /** The expected attach type, or null. */
    AttachType attachType() {
        return linked.spec().expectedAttachType().orElse(null);
    }

    /** The expected attach type's libbpf name, or "no attach type", for messages. */
    String attachTypeName() {
        AttachType a = attachType();
        return a == null ? "no attach type" : a.libbpfName();
    }

    /** The decoded program: what a tail call into this program continues in. */
    Vm vm() {
        return vm;
    }

    /** The program's fd: the value that puts it into a prog array (see {@link FdArrayMap}). */
    @Override
    public int fd() {
        return owner.fdOf(this);
    }

    ContextLayout layout() {
        return layout;
    }

    int maxCtxOffset() {
        return maxCtxOffset;
    }

    Memory memory() {
        return owner.memory;
    }

    @Override
    public TestRunResult testRun(TestRun request) {
        ProgramType t = type();
        if (layout == null || !EmulatorBackend.TEST_RUN_TYPES.contains(t))
            throw new BackendException(-BackendException.ENOTSUPP, "program '" + name() + "': test runs of "
                    + t.libbpfName() + " programs are not supported by the emulator");
        Cpu cpu = owner.acquireCpu();
        try {
            switch (t) {
                case XDP:
                    return XdpContext.testRun(this, request, cpu);
                case CGROUP_SOCKOPT:
                    return SockoptContext.testRun(this, request, cpu);
                case SOCKET_FILTER:
                case SCHED_CLS:
                case SCHED_ACT:
                case CGROUP_SKB:
                    return SkbContext.testRun(this, request, cpu);
                default:
                    return CallerContext.testRun(this, request, cpu);
            }
        } finally {
            owner.releaseCpu(cpu);
        }
    }

    /**
     * Links this map tracer to {@code map}; see {@link MapTraceLink} for the checks
     * ({@code -EINVAL}, {@code -EBADF}, {@code -ELOOP}).
     */
    @Override
    public Link attachMapTrace(MapHandle map, MapTraceTarget.Operation op, boolean fromUserSpace) {
        return MapTraceLink.attach(this, map, op, fromUserSpace);
    }

    /**
     * Links this program to {@code hook}; see {@link Hooks} ({@code -EINVAL} when the hook
     * does not take programs of this type and attach type, {@code -EBUSY} for a second XDP
     * program on one interface, {@code -EBADF} after the object was closed).
     *
     * <pre>{@code
     * try (Link l = obj.program("egress_a").attach(Hook.of("tc/egress"))) {
     *     backend.fire(Hook.of("tc/egress"), TestRun.ofData(frame));   // runs egress_a
     * }
     * }</pre>
     */
    @Override
    public Link attach(Hook hook) {
        java.util.Objects.requireNonNull(hook, "hook");
        return owner.kernel.hooks.attach(this, hook);
    }

    /**
     * Runs this {@code iter/bpf_map_elem} program over every element of {@code map} and
     * returns its {@code bpf_seq_write}/{@code bpf_seq_printf} output; see
     * {@link MapIterator}. Each element's visit holds the map's lock, which serialises it
     * against the map's updates and their tracers (the stateful upgrade's bulk copy).
     *
     * <pre>{@code
     * String dump = new String(obj.program("dump_kv").iterate(obj.map("kv")));   // "1=10\n2=20\nend\n"
     * }</pre>
     *
     * @throws BackendException {@code -EINVAL} for a program that is not a map element
     *                          iterator or a map of another backend or without iterator,
     *                          {@code -E2BIG}/{@code -EAGAIN} as the kernel's read() of the iterator
     */
    @Override
    public byte[] iterate(MapHandle map) {
        java.util.Objects.requireNonNull(map, "map");
        return owner.kernel.iterators.iterate(this, map);
    }

    /** r0 of the last repeat and the mean time per repeat. */
    record Outcome(long r0, long durationNs) {
    }

    /**
     * Runs the program {@code repeat} times (0 counts as 1) on {@code cpu} with r1 =
     * {@code ctx}, recording into {@code run}; {@code ldAbsPacket} is what ld_abs/ld_ind
     * read (skb types), or null. A fault is {@code -EFAULT} with the {@link VmFault} as cause.
     */
    Outcome execute(Cpu cpu, long ctx, int repeat, KernelRun run, Region ldAbsPacket) {
        VmState state = cpu.state;
        state.kernelRun = run;
        state.setPacket(ldAbsPacket);
        int n = Math.max(1, repeat);
        long r0 = 0;
        long start = System.nanoTime();
        try {
            for (int i = 0; i < n; i++) {
                run.startRepeat();
                state.setRegister(1, ctx);
                r0 = vm.run(state);
            }
        } catch (VmFault f) {
            throw new BackendException(-BackendException.EFAULT, "program '" + name() + "' faulted: " + f.getMessage(), f);
        } finally {
            state.kernelRun = null;
            state.setPacket(null);
        }
        return new Outcome(r0, (System.nanoTime() - start) / n);
    }

    @Override
    public String toString() {
        return type().libbpfName() + " program '" + name() + "'";
    }
}
