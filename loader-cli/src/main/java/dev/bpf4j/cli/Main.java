package dev.bpf4j.cli;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.elf.ObjectFormatException;
import dev.bpf4j.loader.LinkException;
import dev.bpf4j.loader.TemplateException;
import dev.bpf4j.upgrade.UpgradeException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;

/**
 * The {@code bpf4j} command.
 *
 * <pre>
 * bpf4j object inspect prog.o [--json]
 * bpf4j object dump prog.o [--program NAME]
 * bpf4j object template prog.o [--set NAME=VALUE]... [--get NAME]... [-o OUT]
 * bpf4j prog run prog.o --program NAME [--data HEX | --data-file F | --pcap F] [--ctx HEX] [--repeat N] [--json] [--dump-maps] [--no-attach]
 * bpf4j upgrade OLD.o NEW.o --migration MIG.o [--json]
 * echo PROGRAM_HEX | bpf4j vm exec [MEMORY_HEX]
 * bpf4j btf dump FILE|--kernel [--format raw|c|json]
 * </pre>
 */
@Command(name = "bpf4j", mixinStandardHelpOptions = true, version = "bpf4j 0.1.0",
        description = "Read, inspect and run BPF ELF objects.",
        subcommands = {ObjectCommand.class, ProgCommand.class, VmCommand.class, UpgradeCommand.class, BtfCommand.class})
public final class Main {

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command with the given streams; returns the exit status. */
    static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setOut(out);
        cmd.setErr(err);
        // Bad input is the user's problem to fix, not ours to debug: one line, exit 1, no trace.
        cmd.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            commandLine.getErr().println("bpf4j: " + describe(e));
            return 1;
        });
        return cmd.execute(args);
    }

    private static String describe(Exception e) {
        if (e instanceof ObjectFormatException || e instanceof TemplateException || e instanceof UsageException
                || e instanceof Pcap.FormatException || e instanceof BackendException || e instanceof LinkException
                || e instanceof UpgradeException || e instanceof dev.bpf4j.btf.BtfFormatException)
            return e.getMessage();
        if (e instanceof NoSuchFileException n)
            return n.getFile() + ": no such file";
        if (e instanceof IOException)
            return e.getMessage() == null ? e.toString() : e.getMessage();
        return e.toString();
    }

    /** A command used wrongly (e.g. a program name the object lacks). */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
