package dev.bpf4j.cli;

import dev.bpf4j.Bpf4j;
import dev.bpf4j.backend.Backend;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code bpf4j prog run FILE --program NAME [--data HEX | --data-file F | --pcap F] [--ctx HEX]
 * [--repeat N] [--json] [--dump-maps] [--no-attach] [--btf F] [--kconfig F] [--kernel-version V]}: loads the object into the emulator and
 * test-runs one program, as BPF_PROG_TEST_RUN does; with {@code --pcap}, once per packet, then
 * a summary of the return values and the maps. Before the runs, the object's
 * {@code map_trace/<map>/<op>} programs are linked to their maps, as a skeleton's
 * auto-attach would ({@code --no-attach} leaves them unlinked), so that their effects show
 * in the maps.
 *
 * <pre>
 * bpf4j prog run xdp_parser.o --program xdp_parser --pcap sample.pcap
 * bpf4j prog run xdp_parser.o --program xdp_parser --data 00112233... --json
 * bpf4j prog run core_local.o --program core_fields --ctx 0000... --btf core_target.o --dump-maps
 * </pre>
 */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Load FILE into the emulator and test-run a program, as BPF_PROG_TEST_RUN does.",
                "With --pcap it runs once per packet, prints each verdict, a count per return value and the maps."})
final class RunCommand implements Callable<Integer> {
    @Parameters(paramLabel = "FILE", description = "BPF ELF object")
    Path file;

    @Option(names = "--program", required = true, paramLabel = "NAME", description = "the program to run")
    String program;

    @ArgGroup(exclusive = true)
    Input input;

    static final class Input {
        @Option(names = "--data", paramLabel = "HEX", description = "the packet (data_in), hex bytes")
        String hex;

        @Option(names = "--data-file", paramLabel = "F", description = "the packet, read from a file")
        Path file;

        @Option(names = "--pcap", paramLabel = "F", description = "run once per packet of a pcap or pcapng capture (Ethernet)")
        Path pcap;
    }

    @Option(names = "--ctx", paramLabel = "HEX", description = "the context (ctx_in), e.g. a struct xdp_md, hex bytes")
    String ctx;

    @Option(names = "--repeat", paramLabel = "N", description = "runs per input, as BPF_PROG_TEST_RUN's repeat (default ${DEFAULT-VALUE})")
    int repeat = 1;

    @Option(names = "--json", description = "print one JSON object (format documented in README.md)")
    boolean json;

    @Option(names = "--dump-maps", description = "print the maps after the runs (always done with --pcap)")
    boolean dumpMaps;

    @Option(names = "--no-attach", description = "do not link the object's map_trace programs to their maps before the runs")
    boolean noAttach;

    @Mixin
    LinkOptionsMixin link;

    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() throws Exception {
        if (repeat < 1)
            throw new Main.UsageException("--repeat must be at least 1, got " + repeat);
        byte[] ctxIn = ctx == null ? null : Hex.parse(ctx, "--ctx");
        List<byte[]> packets = packets();
        PrintWriter out = command.commandLine().getOut();
        Bpf4j.OpenObject open = Bpf4j.open(file).withLinkOptions(link.toLinkOptions());
        Backend backend = Bpf4j.defaultBackend();
        try (LoadedObject obj = open.load(backend)) {
            // As a skeleton's auto-attach would, so the tracers' effects show in the maps.
            if (!noAttach && backend.capabilities().mapTracing())
                obj.attachMapTracers();
            ProgramHandle prog = obj.findProgram(program).orElseThrow(() -> new Main.UsageException(
                    file + ": no program '" + program + "'; programs: " + obj.programs().stream().map(ProgramHandle::name).toList()));
            var results = new ArrayList<TestRunResult>();
            for (byte[] p : packets)
                results.add(prog.testRun(new TestRun(p, ctxIn, repeat)));
            if (json) {
                out.print(Json.write(jsonReport(results, obj)));
            } else {
                if (input != null && input.pcap != null)
                    printPackets(out, prog, packets, results);
                else
                    printRun(out, prog, results.get(0));
                if (dumpMaps || (input != null && input.pcap != null))
                    MapDump.print(out, obj, open.spec());
            }
        }
        out.flush();
        return 0;
    }

    /** The inputs: one packet (possibly none, for types without data), or the frames of a capture. */
    private List<byte[]> packets() throws java.io.IOException {
        var list = new ArrayList<byte[]>();
        if (input == null)
            list.add(null);
        else if (input.hex != null)
            list.add(Hex.parse(input.hex, "--data"));
        else if (input.file != null)
            list.add(Files.readAllBytes(input.file));
        else {
            List<byte[]> frames = Pcap.frames(input.pcap.toString(), Files.readAllBytes(input.pcap));
            if (frames.isEmpty())
                throw new Main.UsageException(input.pcap + ": the capture holds no packets");
            list.addAll(frames);
        }
        return list;
    }

    private static void printRun(PrintWriter out, ProgramHandle prog, TestRunResult r) {
        out.println("retval: " + Verdicts.describe(prog.type(), r.retval()));
        out.println("duration: " + r.durationNs() + " ns");
        if (r.dataOut() != null)
            out.println("data_out: " + HexFormat.of().formatHex(r.dataOut()));
        if (r.ctxOut() != null)
            out.println("ctx_out: " + HexFormat.of().formatHex(r.ctxOut()));
        printExtras(out, r, "");
    }

    private static void printExtras(PrintWriter out, TestRunResult r, String indent) {
        for (String line : r.trace())
            out.println(indent + "trace: " + line);
        for (TestRunResult.Redirect d : r.redirects())
            out.println(indent + "redirect: bpf_" + d.helper() + (d.map() == null ? "" : " map " + d.map()) + " target " + d.target()
                    + (d.flags() == 0 ? "" : " flags 0x" + Long.toHexString(d.flags())));
        for (TestRunResult.OutputRecord o : r.records())
            out.println(indent + "output: " + o.map() + " cpu " + o.cpu() + ": " + HexFormat.of().formatHex(o.data()));
    }

    private void printPackets(PrintWriter out, ProgramHandle prog, List<byte[]> packets, List<TestRunResult> results) {
        out.printf("%s program '%s': %d packets from %s%n", prog.type().libbpfName(), prog.name(), packets.size(),
                input.pcap.getFileName());
        out.printf("%6s %6s  %s%n", "packet", "length", "retval");
        Map<Integer, Integer> counts = new TreeMap<>();
        for (int i = 0; i < results.size(); i++) {
            TestRunResult r = results.get(i);
            out.printf("%6d %6d  %s%n", i + 1, packets.get(i).length, Verdicts.describe(prog.type(), r.retval()));
            printExtras(out, r, "               ");
            counts.merge(r.retval(), 1, Integer::sum);
        }
        out.println("summary:");
        counts.forEach((retval, n) -> out.printf("  %-20s %d%n", Verdicts.describe(prog.type(), retval), n));
    }

    private static Map<String, Object> jsonReport(List<TestRunResult> results, LoadedObject obj) {
        var runs = new ArrayList<Object>();
        for (TestRunResult r : results) {
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("retval", r.retval());
            run.put("data_out", r.dataOut() == null ? null : HexFormat.of().formatHex(r.dataOut()));
            run.put("duration_ns", r.durationNs());
            if (r.ctxOut() != null)
                run.put("ctx_out", HexFormat.of().formatHex(r.ctxOut()));
            if (!r.trace().isEmpty())
                run.put("trace", new ArrayList<Object>(r.trace()));
            runs.add(run);
        }
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("runs", runs);
        report.put("maps", MapDump.json(obj));
        return report;
    }
}
