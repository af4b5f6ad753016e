package dev.bpf4j.cli;

import dev.bpf4j.emulator.Verifier;
import dev.bpf4j.emulator.VerifierResult;
import dev.bpf4j.loader.KernelConfig;
import dev.bpf4j.loader.LinkOptions;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.SpecReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code bpf4j object verify FILE [--kconfig F] [--kernel-version A.B.C]}: links the object
 * as libbpf would (with the running kernel's configuration unless told otherwise) and runs the emulator's verifier
 * on every autoloaded program: {@code "name: ok (N insns)"}, or the program's name and the
 * verifier log. Exit status 1 when any program is rejected.
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Link the object and run the emulator's verifier on every program; print 'name: ok (N insns)' or the verifier log.")
final class VerifyCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "BPF ELF object")
    Path file;

    @Option(names = "--kconfig", paramLabel = "FILE", description = "kernel config for __kconfig externs (default: the running kernel's)")
    Path kconfig;

    @Option(names = "--kernel-version", paramLabel = "A.B.C", description = "LINUX_KERNEL_VERSION (default: the running kernel's)")
    String kernelVersion;

    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() throws Exception {
        LoadPlan plan = Linker.link(SpecReader.read(file), options());
        PrintWriter out = command.commandLine().getOut();
        boolean rejected = false;
        for (LinkedProgram p : plan.programs()) {
            VerifierResult r = Verifier.verify(p.instructions(), p.spec().type());
            if (r.ok()) {
                out.printf("%s: ok (%d insns)%n", p.name(), r.slots());
            } else {
                rejected = true;
                out.printf("%s: rejected%n", p.name());
                out.print(r.log());
            }
        }
        out.flush();
        return rejected ? 1 : 0;
    }

    private LinkOptions options() {
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
