package dev.bpf4j.loader;

import dev.bpf4j.btf.KernelBtf;

import java.util.Objects;

/**
 * What linking may depend on outside the object: the kernel configuration that
 * {@code __kconfig} externs read, and the BTF that CO-RE relocations adapt the programs to.
 * Each is read only if the object needs it.
 *
 * <pre>{@code
 * LinkOptions opts = new LinkOptions(KernelConfig.of(Path.of("config-6.1"), KernelConfig.version(6, 1, 0)));
 * LoadPlan plan = Linker.link(spec, opts.withTargetBtf(TargetBtf.file(Path.of("vmlinux-6.1.btf"))));
 * }</pre>
 */
public record LinkOptions(KernelConfig kernelConfig, TargetBtf targetBtf) {
    public LinkOptions {
        Objects.requireNonNull(kernelConfig, "kernelConfig");
        Objects.requireNonNull(targetBtf, "targetBtf");
    }

    /** The given kernel configuration; CO-RE against the running kernel (a private BTF cache). */
    public LinkOptions(KernelConfig kernelConfig) {
        this(kernelConfig, TargetBtf.runningKernel(new KernelBtf()));
    }

    /** The running system's kernel configuration and kernel BTF, each read only if the object needs it. */
    public static LinkOptions defaults() {
        return new LinkOptions(KernelConfig.system());
    }

    public LinkOptions withTargetBtf(TargetBtf target) {
        return new LinkOptions(kernelConfig, target);
    }

    public LinkOptions withKernelConfig(KernelConfig config) {
        return new LinkOptions(config, targetBtf);
    }
}
