package dev.bpf4j.cli;

import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.BtfCDump;
import dev.bpf4j.btf.BtfFormatException;
import dev.bpf4j.btf.BtfJsonDump;
import dev.bpf4j.btf.BtfRawDump;
import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.ElfReader;
import dev.bpf4j.elf.Section;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code bpf4j btf dump FILE|--kernel [--format raw|c|json]}: the BTF of an object (its
 * {@code .BTF} section) or a raw BTF file, printed as {@code bpftool btf dump file X [format c]}
 * and {@code bpftool -j btf dump file X} print it.
 */
@Command(name = "btf", description = "Inspect BTF type information.", mixinStandardHelpOptions = true,
        subcommands = {BtfCommand.Dump.class})
final class BtfCommand {

    /** The kernel's own BTF, as libbpf and bpftool find it. */
    static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    @Command(name = "dump", mixinStandardHelpOptions = true,
            description = "Print BTF types: raw (as bpftool btf dump), c (a compilable header, as bpftool ... format c) or json (as bpftool -j btf dump).")
    static final class Dump implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", arity = "0..1",
                description = "BPF ELF object (its .BTF section) or raw BTF file, e.g. /sys/kernel/btf/vmlinux")
        Path file;

        @Option(names = "--kernel", description = "the running kernel's BTF, " + "/sys/kernel/btf/vmlinux")
        boolean kernel;

        @Option(names = "--format", paramLabel = "raw|c|json", defaultValue = "raw",
                description = "raw (default), c or json")
        String format;

        @Spec
        picocli.CommandLine.Model.CommandSpec command;

        @Override
        public Integer call() throws Exception {
            if (kernel == (file != null))
                throw new Main.UsageException("btf dump: give either FILE or --kernel");
            if (!format.equals("raw") && !format.equals("c") && !format.equals("json"))
                throw new Main.UsageException("btf dump: unknown --format '" + format + "': expected raw, c or json");
            Path source = kernel ? VMLINUX : file;
            if (kernel && !Files.isReadable(VMLINUX))
                throw new Main.UsageException(VMLINUX + " is not readable: this kernel exposes no BTF (CONFIG_DEBUG_INFO_BTF) or access is denied");
            Btf btf = read(source);
            PrintWriter out = command.commandLine().getOut();
            try {
                switch (format) {
                    // built whole first: a type C cannot express fails the dump before any of it is printed
                    case "c" -> out.print(BtfCDump.toString(btf));
                    case "json" -> BtfJsonDump.write(btf, out);
                    default -> BtfRawDump.write(btf, out);
                }
            } catch (BtfFormatException e) {
                throw new BtfFormatException(source + ": " + e.getMessage());
            }
            out.flush();
            return 0;
        }

        /** The BTF of an ELF object's {@code .BTF} section, or of a file that is BTF itself. */
        static Btf read(Path path) throws java.io.IOException {
            byte[] bytes = Files.readAllBytes(path);
            String name = path.getFileName() == null ? path.toString() : path.getFileName().toString();
            try {
                if (bytes.length >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F') {
                    ElfFile elf = ElfReader.read(name, bytes);
                    Section section = elf.section(".BTF").orElseThrow(() ->
                            new Main.UsageException(name + ": the object has no .BTF section (compile with clang -g)"));
                    return Btf.parse(elf.contents(section));
                }
                return Btf.parse(bytes);
            } catch (BtfFormatException e) {
                throw new BtfFormatException(name + ": " + e.getMessage());
            }
        }
    }
}
