package dev.bpf4j.cli;

import picocli.CommandLine.Command;

/** {@code bpf4j object ...}: commands on object files: inspect, dump, template, verify (no kernel involved). */
@Command(name = "object", description = "Inspect BPF object files.", mixinStandardHelpOptions = true,
        subcommands = {InspectCommand.class, DumpCommand.class, TemplateCommand.class, VerifyCommand.class})
final class ObjectCommand {
}
