package dev.bpf4j.cli;

import dev.bpf4j.loader.KernelConfig;
import dev.bpf4j.loader.LinkOptions;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The options of commands that link: where {@code __kconfig} externs get their values. */
final class LinkOptionsMixin {
    @Option(names = "--kconfig", paramLabel = "FILE", description = "kernel config for __kconfig externs (default: the running kernel's)")
    Path kconfig;

    @Option(names = "--kernel-version", paramLabel = "A.B.C", description = "LINUX_KERNEL_VERSION (default: the running kernel's)")
    String kernelVersion;

    LinkOptions toLinkOptions() {
        if (kconfig == null && kernelVersion == null)
            return LinkOptions.defaults();
        int version = kernelVersion == null ? KernelConfig.system().kernelVersion() : parseVersion(kernelVersion);
        return new LinkOptions(kconfig == null ? KernelConfig.parse("", version) : KernelConfig.of(kconfig, version));
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
