package dev.bpf4j.cli;

import dev.bpf4j.asm.InstructionFormatException;
import dev.bpf4j.emulator.Helpers;
import dev.bpf4j.emulator.Vm;
import dev.bpf4j.emulator.VmFault;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bpf4j vm ...}: run raw instructions in the emulator's VM. */
@Command(name = "vm", description = "Run raw BPF instructions in the emulator.", mixinStandardHelpOptions = true,
        subcommands = {VmCommand.Exec.class})
final class VmCommand {

    /**
     * {@code bpf4j vm exec [MEMORY_HEX]}: the plugin protocol of the bpf_conformance runner.
     * The program is one line of hex on standard input (bytes may be separated by spaces),
     * the memory the optional argument; r0 is printed in hex without prefix, as ubpf's
     * plugin does ({@code 2a}); a fault goes to stderr with exit status 1.
     *
     * <pre>
     * echo "b7 00 00 00 2a 00 00 00 95 00 00 00 00 00 00 00" | bpf4j vm exec     # 2a
     * </pre>
     */
    @Command(name = "exec", mixinStandardHelpOptions = true,
            description = {"Run little-endian raw instructions read as one line of hex from standard input, with r1 = a copy of"
                    + " MEMORY_HEX (0 when empty) and r2 = its length, and print r0 in hex.",
                    "Helper 5 returns its argument and ends the program when that is 0, as in the bpf_conformance suite."})
    static final class Exec implements Callable<Integer> {
        @Parameters(paramLabel = "MEMORY_HEX", arity = "0..1", description = "the input memory, hex bytes (spaces allowed)")
        String memory = "";

        @Option(names = "--program", paramLabel = "HEX", description = "the program, instead of reading it from standard input")
        String program;

        @Option(names = "--budget", paramLabel = "N", description = "instructions the run may execute (default ${DEFAULT-VALUE})")
        long budget = Vm.DEFAULT_BUDGET;

        @Spec
        picocli.CommandLine.Model.CommandSpec command;

        @Override
        public Integer call() throws Exception {
            String code = program;
            if (code == null) {
                // One line, as the runner writes it; the reader is not closed so stdin stays usable.
                code = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII)).readLine();
                if (code == null)
                    throw new Main.UsageException("vm exec: no program on standard input");
            }
            byte[] bytes = Hex.parse(code, "vm exec: the program");
            byte[] mem = Hex.parse(memory, "vm exec: the memory");
            if (budget < 1)
                throw new Main.UsageException("vm exec: --budget must be at least 1");
            try {
                var vm = new Vm(dev.bpf4j.asm.Instructions.decode(bytes, ByteOrder.LITTLE_ENDIAN), ByteOrder.LITTLE_ENDIAN,
                        Helpers.CONFORMANCE, dev.bpf4j.emulator.ConstantResolver.AS_WRITTEN, budget);
                command.commandLine().getOut().println(Long.toHexString(vm.run(mem)));
                return 0;
            } catch (VmFault | InstructionFormatException e) {
                command.commandLine().getErr().println("bpf4j: vm exec: " + e.getMessage());
                return 1;
            }
        }
    }
}
