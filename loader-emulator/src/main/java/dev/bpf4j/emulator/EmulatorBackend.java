package dev.bpf4j.emulator;

import dev.bpf4j.backend.Backend;
import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.Capabilities;
import dev.bpf4j.backend.Hook;
import dev.bpf4j.backend.Link;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.ProgramType;

import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The emulator kernel as a {@link Backend}: the default one, registered in
 * {@code META-INF/services/dev.bpf4j.backend.Backend}. All objects loaded into one backend share
 * one emulated kernel (per byte order): its memory, CPUs and fd table, so that they can
 * use each other's maps. Maps: the kernel's array, hash, per-CPU, LRU, LPM trie, map-in-map, prog
 * array, queue, stack, bloom filter, ring buffer, perf event array and redirect (devmap,
 * cpumap, xskmap) types ({@code capabilities().mapTypes()}), and the internal
 * .data/.rodata/.bss/.kconfig maps; test runs: see {@link #TEST_RUN_TYPES}. Programs attach
 * to the emulated machine's hooks ({@link dev.bpf4j.backend.ProgramHandle#attach}), which
 * {@link #fire} runs; map element iterators run with {@link dev.bpf4j.backend.ProgramHandle#iterate}.
 *
 * <pre>{@code
 * try (LoadedObject obj = Bpf4j.open(Path.of("xdp_parser.o")).load(new EmulatorBackend())) {
 *     int verdict = obj.program("xdp_parser").testRun(TestRun.ofData(packet)).retval();
 * }
 * }</pre>
 */
public final class EmulatorBackend implements Backend {
    private final EmulatorConfig config;
    /** The kernels of this backend, one per byte order, made on first use. */
    private final Map<ByteOrder, EmulatorKernel> kernels = new ConcurrentHashMap<>();
    /** The machine's attach points: one set for the backend, whatever the byte order of the programs. */
    private final Hooks hooks = new Hooks();

    /** The emulator with {@link EmulatorConfig#defaults()}. */
    public EmulatorBackend() {
        this(EmulatorConfig.defaults());
    }

    /** The emulator as {@code config} describes the machine. */
    public EmulatorBackend(EmulatorConfig config) {
        this.config = java.util.Objects.requireNonNull(config, "config");
    }

    /**
     * The program types with test runs: those the kernel's BPF_PROG_TEST_RUN runs
     * (socket_filter, sched_cls, sched_act, cgroup_skb, xdp, raw_tracepoint, syscall) and,
     * on a caller-supplied context, some it cannot (kprobe, tracepoint, perf_event,
     * cgroup_sockopt).
     */
    static final Set<ProgramType> TEST_RUN_TYPES = Set.of(ProgramType.SOCKET_FILTER, ProgramType.SCHED_CLS,
            ProgramType.SCHED_ACT, ProgramType.CGROUP_SKB, ProgramType.XDP, ProgramType.CGROUP_SOCKOPT,
            ProgramType.RAW_TRACEPOINT, ProgramType.SYSCALL, ProgramType.KPROBE, ProgramType.TRACEPOINT,
            ProgramType.PERF_EVENT);

    private static final Capabilities CAPABILITIES = new Capabilities(true, true, false, true,
            EmulatorObject.MAP_TYPES, EmulatorBackend.TEST_RUN_TYPES);


    @Override
    public String name() {
        return "emulator";
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public LoadedObject load(LoadPlan plan) {
        return load(plan, Map.of());
    }

    /**
     * Loads {@code plan}; the maps named in {@code reuse} must be maps of objects loaded in
     * this backend with the same byte order, and match the plan's definitions.
     */
    @Override
    public LoadedObject load(LoadPlan plan, Map<String, MapHandle> reuse) {
        EmulatorKernel kernel = kernels.computeIfAbsent(plan.spec().byteOrder(), o -> new EmulatorKernel(o, config, hooks));
        return new EmulatorObject(kernel, plan, reuse);
    }

    /**
     * Fires {@code hook} as the event it stands for would (a setsockopt call, a packet
     * leaving the interface): runs the program of each link attached to it, in attach
     * order, each on {@code input} as {@link dev.bpf4j.backend.ProgramHandle#testRun} would,
     * and returns their results in that order; empty when nothing is attached. Each link's
     * program is read once per firing, so a concurrent {@link Link#update} makes a firing
     * run the old or the new program, never none (see {@link Hooks}).
     *
     * <pre>{@code
     * var backend = new EmulatorBackend();
     * try (LoadedObject obj = Bpf4j.open(path).load(backend);
     *      Link link = obj.program("on_setsockopt").attach(Hook.of("cgroup/setsockopt"))) {
     *     List<TestRunResult> r = backend.fire(Hook.of("cgroup/setsockopt"), new TestRun(optval, sockopt, 1));
     * }
     * }</pre>
     *
     * @throws BackendException as the programs' test runs do ({@code -EINVAL} for an input the
     *                          program type cannot take, {@code -EFAULT} for a fault)
     */
    public List<TestRunResult> fire(Hook hook, TestRun input) {
        java.util.Objects.requireNonNull(hook, "hook");
        java.util.Objects.requireNonNull(input, "input");
        return hooks.fire(hook, input);
    }

    /** The links attached to {@code hook} now, in attach order (the order {@link #fire} runs them). */
    public List<Link> attached(Hook hook) {
        return hooks.attached(java.util.Objects.requireNonNull(hook, "hook"));
    }
}
