package dev.bpf4j.loader;

import java.util.Objects;

/**
 * What linking may depend on outside the object: today the kernel configuration that
 * {@code __kconfig} externs read.
 *
 * <pre>{@code
 * LinkOptions opts = new LinkOptions(KernelConfig.of(Path.of("config-6.1"), KernelConfig.version(6, 1, 0)));
 * LoadPlan plan = Linker.link(spec, opts);
 * }</pre>
 */
public record LinkOptions(KernelConfig kernelConfig) {
    public LinkOptions {
        Objects.requireNonNull(kernelConfig);
    }

    /** The running system's kernel configuration, read only if the object has kconfig externs. */
    public static LinkOptions defaults() {
        return new LinkOptions(KernelConfig.system());
    }
}
