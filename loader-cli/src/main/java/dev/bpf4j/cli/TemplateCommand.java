package dev.bpf4j.cli;

import dev.bpf4j.loader.ObjectTemplate;
import dev.bpf4j.loader.SpecReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code bpf4j object template FILE [--set NAME=VALUE]... [--get NAME]... [-o OUT]}: read and set
 * global variables in the object's data sections, and write the object back out.
 */
@Command(name = "template", mixinStandardHelpOptions = true,
        description = {"Read or set the object's global and static variables (.data, .rodata) and write the object out,"
                + " with no compiler involved.",
                "Without --set or --get, lists every variable with its value.",
                "VALUE: integers in decimal or 0x hex (range-checked); enum values by name or number; char arrays as"
                        + " \"quoted\" (escapes \\\" \\\\ \\n \\t \\r \\0 \\xHH) or bare text; other types (structs, arrays)"
                        + " as 0x0102... or hex:0102..., exactly their size. hex:... is accepted for every type."})
final class TemplateCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "BPF ELF object")
    Path file;

    @Option(names = "--set", paramLabel = "NAME=VALUE", description = "set a variable (repeatable, applied in order)")
    List<String> sets = new ArrayList<>();

    @Option(names = "--get", paramLabel = "NAME", description = "print a variable's value, after the --set options (repeatable)")
    List<String> gets = new ArrayList<>();

    @Option(names = {"-o", "--output"}, paramLabel = "OUT", description = "write the object, with the values set, to OUT")
    Path output;

    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() throws Exception {
        ObjectTemplate template = ObjectTemplate.of(SpecReader.read(file));
        if (!sets.isEmpty() && output == null)
            throw new Main.UsageException(file.getFileName() + ": --set needs -o OUT: the input file is never changed in place");
        for (String assignment : sets) {
            int eq = assignment.indexOf('=');
            if (eq <= 0)
                throw new Main.UsageException("--set '" + assignment + "': expected NAME=VALUE");
            template.variable(assignment.substring(0, eq)).parse(assignment.substring(eq + 1));
        }
        PrintWriter out = command.commandLine().getOut();
        for (String name : gets)
            out.println(template.variable(name).text());
        if (output != null)
            Files.write(output, template.toBytes());
        else if (gets.isEmpty())
            list(out, template);
        out.flush();
        return 0;
    }

    /** One line per variable: name, section+offset, type, value; .bss and kconfig say why they cannot be set. */
    private static void list(PrintWriter out, ObjectTemplate template) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[]{"NAME", "SECTION", "OFFSET", "TYPE", "VALUE"});
        for (ObjectTemplate.Variable v : template.variables()) {
            String value;
            if (v.spec().extern())
                value = "(kconfig extern: set by the loader)";
            else if (!v.isSettable())
                value = v.text() + "  (" + v.spec().section() + ": zero at load, not settable)";
            else
                value = v.text();
            rows.add(new String[]{v.name(), v.spec().section(), Long.toString(v.spec().offset()), v.typeName(), value});
        }
        int[] width = new int[4];
        for (String[] r : rows)
            for (int i = 0; i < width.length; i++)
                width[i] = Math.max(width[i], r[i].length());
        for (String[] r : rows)
            out.printf("%-" + width[0] + "s  %-" + width[1] + "s  %" + width[2] + "s  %-" + width[3] + "s  %s%n",
                    r[0], r[1], r[2], r[3], r[4]);
    }
}
