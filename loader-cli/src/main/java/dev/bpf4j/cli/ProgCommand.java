package dev.bpf4j.cli;

import picocli.CommandLine.Command;

/** {@code bpf4j prog ...}: commands on the programs of an object, loaded into a backend. */
@Command(name = "prog", description = "Load an object and run its programs.", mixinStandardHelpOptions = true,
        subcommands = {RunCommand.class})
final class ProgCommand {
}
