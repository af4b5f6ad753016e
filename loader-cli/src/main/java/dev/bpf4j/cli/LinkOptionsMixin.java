package dev.bpf4j.cli;

import dev.bpf4j.btf.KernelBtf;
import dev.bpf4j.loader.KernelConfig;
import dev.bpf4j.loader.LinkException;
import dev.bpf4j.loader.LinkOptions;
import dev.bpf4j.loader.TargetBtf;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The options of commands that link: where {@code __kconfig} externs get their values, and
 * the BTF that CO-RE relocations adapt the programs to ({@code --btf}; by default the running
 * kernel's, parsed at most once per command however many objects it links).
 */
final class LinkOptionsMixin {
    @Option(names = "--kconfig", paramLabel = "FILE", description = "kernel config for __kconfig externs (default: the running kernel's)")
    Path kconfig;

    @Option(names = "--kernel-version", paramLabel = "A.B.C", description = "LINUX_KERNEL_VERSION (default: the running kernel's)")
    String kernelVersion;

    @Option(names = "--btf", paramLabel = "FILE",
            description = "BTF for CO-RE relocations: raw BTF (as /sys/kernel/btf/vmlinux) or an ELF object with a .BTF section"
                    + " (default: the running kernel's /sys/kernel/btf/vmlinux)")
    Path btf;

    /** The command's options, made once: every link of one command shares the kernel BTF it parsed. */
    private LinkOptions options;

    LinkOptions toLinkOptions() {
        if (options == null)
            options = withKernelConfig(LinkOptions.defaults().withTargetBtf(targetBtf()));
        return options;
    }

    private LinkOptions withKernelConfig(LinkOptions base) {
        if (kconfig == null && kernelVersion == null)
            return base;
        int version = kernelVersion == null ? KernelConfig.system().kernelVersion() : parseVersion(kernelVersion);
        return base.withKernelConfig(kconfig == null ? KernelConfig.parse("", version) : KernelConfig.of(kconfig, version));
    }

    /**
     * {@code --btf FILE}, checked now rather than when the first CO-RE relocation needs it, so
     * that a wrong file is reported whatever the object holds; or the running kernel.
     */
    private TargetBtf targetBtf() {
        if (btf == null)
            return TargetBtf.runningKernel(new KernelBtf());
        if (!Files.exists(btf))
            throw new Main.UsageException("--btf " + btf + ": no such file");
        if (!Files.isRegularFile(btf))
            throw new Main.UsageException("--btf " + btf + ": not a regular file");
        TargetBtf target = TargetBtf.file(btf);
        try {
            target.resolve();
        } catch (LinkException e) {
            throw new Main.UsageException("--btf: " + e.getMessage());
        }
        return target;
    }

    private static int parseVersion(String text) {
        String[] parts = text.split("\\.");
        try {
            return KernelConfig.version(Integer.parseInt(parts[0]), parts.length > 1 ? Integer.parseInt(parts[1]) : 0,
                    parts.length > 2 ? Integer.parseInt(parts[2]) : 0);
        } catch (NumberFormatException e) {
            throw new Main.UsageException("--kernel-version: '" + text + "' is not A.B.C");
        }
    }
}
