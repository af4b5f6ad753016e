package dev.bpf4j.linux;

import dev.bpf4j.backend.Backend;
import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.Capabilities;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.btf.BtfFeatures;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.MapType;
import dev.bpf4j.loader.ProgramType;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The running Linux kernel as a {@link Backend}, through the bpf(2) system call (called with
 * JNA; nothing else in bpf4j touches native code). Registered for {@link java.util.ServiceLoader}
 * under the name {@code "linux"}; the emulator stays the default backend, so pick this one
 * explicitly. Loading needs root (or CAP_BPF and friends); without it, or without bpf(2), the
 * first load fails with one {@link BackendException} that says what is missing.
 *
 * <pre>{@code
 * var linux = new LinuxBackend();
 * if (linux.unavailable().isEmpty()) {
 *     try (LoadedObject obj = Bpf4j.open(Path.of("xdp_parser.o")).load(linux)) {
 *         TestRunResult r = obj.program("xdp_parser").testRun(TestRun.ofData(frame));
 *     }
 * }
 * }</pre>
 *
 * <p>The kernel's features (which BTF kinds it accepts) are probed once, on first use, and
 * kept for the backend's life, as libbpf caches its feature probes.
 */
public final class LinuxBackend implements Backend {
    /** The program types BPF_PROG_TEST_RUN runs (Linux 6.x). */
    static final Set<ProgramType> TEST_RUN_TYPES = Set.copyOf(EnumSet.of(ProgramType.SOCKET_FILTER, ProgramType.SCHED_CLS,
            ProgramType.SCHED_ACT, ProgramType.CGROUP_SKB, ProgramType.XDP, ProgramType.LWT_IN, ProgramType.LWT_OUT,
            ProgramType.LWT_XMIT, ProgramType.LWT_SEG6LOCAL, ProgramType.FLOW_DISSECTOR, ProgramType.SK_LOOKUP,
            ProgramType.RAW_TRACEPOINT, ProgramType.TRACING, ProgramType.SYSCALL, ProgramType.NETFILTER));

    private static final Capabilities CAPABILITIES = new Capabilities(true, false, true, false,
            EnumSet.complementOf(EnumSet.of(MapType.UNSPEC)), TEST_RUN_TYPES);

    private final SysSource source;
    private final Path pinRoot;
    private volatile Kernel kernel;

    /** What a loaded kernel session needs, made once: the calls, the probed features, the CPU count. */
    private record Kernel(Bpf bpf, KernelFeatures features, int cpus, AttachTargets attachTargets) {
    }

    /** Where the system calls come from: the machine, or (tests) a stand-in. */
    interface SysSource {
        Sys open();
    }

    /** The backend of this machine's kernel, pinning under {@code /sys/fs/bpf}. Touches nothing until first used. */
    public LinuxBackend() {
        this(PinRoot.DEFAULT);
    }

    /**
     * The backend of this machine's kernel, pinning maps declared with
     * {@code __uint(pinning, LIBBPF_PIN_BY_NAME)} at {@code <pinRoot>/<map name>} (libbpf's
     * {@code pin_root_path}); a map already pinned there is reused when its definition matches.
     *
     * <pre>{@code
     * var linux = new LinuxBackend(Path.of("/sys/fs/bpf/myapp"));
     * }</pre>
     */
    public LinuxBackend(Path pinRoot) {
        this(NativeSys::open, pinRoot);
    }

    LinuxBackend(SysSource source) {
        this(source, PinRoot.DEFAULT);
    }

    LinuxBackend(SysSource source, Path pinRoot) {
        this.source = Objects.requireNonNull(source, "source");
        this.pinRoot = Objects.requireNonNull(pinRoot, "pinRoot");
    }

    /** Where maps are pinned by name. */
    public Path pinRoot() {
        return pinRoot;
    }

    @Override
    public String name() {
        return "linux";
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    /**
     * Why this backend cannot be used here (not Linux, an unknown architecture, no bpf(2), no
     * privilege), or empty when it can.
     */
    public Optional<String> unavailable() {
        try {
            kernel();
            return Optional.empty();
        } catch (BackendException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** The BTF features of the running kernel, probed on first use. */
    public BtfFeatures btfFeatures() {
        return kernel().features().btfFeatures();
    }

    /** Whether the running kernel loads BTF at all. */
    public boolean kernelLoadsBtf() {
        return kernel().features().btf();
    }

    @Override
    public LoadedObject load(LoadPlan plan) {
        Objects.requireNonNull(plan, "plan");
        Kernel k = kernel();
        return ObjectLoader.load(k.bpf(), k.features(), k.cpus(), k.attachTargets(), pinRoot, plan);
    }

    private Kernel kernel() {
        Kernel k = kernel;
        if (k != null)
            return k;
        synchronized (this) {
            if (kernel == null) {
                Bpf bpf = new Bpf(source.open());
                kernel = new Kernel(bpf, KernelFeatures.probe(bpf), PossibleCpus.read(), new AttachTargets());
            }
            return kernel;
        }
    }
}
