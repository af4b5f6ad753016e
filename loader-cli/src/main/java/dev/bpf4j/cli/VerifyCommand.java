package dev.bpf4j.cli;

import dev.bpf4j.emulator.Verifier;
import dev.bpf4j.emulator.VerifierResult;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.SpecReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

    @Mixin
    LinkOptionsMixin link;

    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() throws Exception {
        LoadPlan plan = Linker.link(SpecReader.read(file), link.toLinkOptions());
        PrintWriter out = command.commandLine().getOut();
        boolean rejected = false;
        for (LinkedProgram p : plan.programs()) {
            VerifierResult r = Verifier.verify(p.instructions(), p.spec().type(), p.spec().expectedAttachType());
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

}
