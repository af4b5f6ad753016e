package dev.bpf4j.cli;

import dev.bpf4j.asm.Disassembler;
import dev.bpf4j.loader.ObjectSpec;
import dev.bpf4j.loader.ProgramSpec;
import dev.bpf4j.loader.SpecReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code bpf4j object dump FILE [--program NAME]}: disassembly of the unrelocated programs. */
@Command(name = "dump", mixinStandardHelpOptions = true,
        description = "Print the disassembly of the object's programs and subprograms, before relocation.")
final class DumpCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "BPF ELF object")
    Path file;

    @Option(names = "--program", paramLabel = "NAME", description = "only this program (or subprogram)")
    String program;

    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() throws Exception {
        ObjectSpec spec = SpecReader.read(file);
        List<ProgramSpec> all = new ArrayList<>(spec.programs());
        all.addAll(spec.subprograms());
        List<ProgramSpec> selected = program == null ? all
                : all.stream().filter(p -> p.name().equals(program)).toList();
        if (selected.isEmpty())
            throw new Main.UsageException(file.getFileName() + ": no program named '" + program + "'; programs: "
                    + all.stream().map(ProgramSpec::name).toList());
        PrintWriter out = command.commandLine().getOut();
        boolean first = true;
        for (ProgramSpec p : selected) {
            if (!first)
                out.println();
            first = false;
            out.printf("%s <%s> (section '%s', %s, %d insns):%n", p.isSubprogram() ? "subprogram" : "program",
                    p.name(), p.sectionName(), p.isSubprogram() ? "subprogram" : p.type().libbpfName(), p.slotCount());
            out.print(Disassembler.listing(p.instructions()));
        }
        out.flush();
        return 0;
    }
}
