package dev.bpf4j.cli;

import dev.bpf4j.backend.Link;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.emulator.EmulatorBackend;
import dev.bpf4j.loader.LinkOptions;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.ObjectSpec;
import dev.bpf4j.loader.SpecReader;
import dev.bpf4j.upgrade.StatefulUpgrade;
import dev.bpf4j.upgrade.StepReport;
import dev.bpf4j.upgrade.UpgradeEvent;
import dev.bpf4j.upgrade.UpgradeException;
import dev.bpf4j.upgrade.UpgradeResult;
import dev.bpf4j.upgrade.UpgradeStep;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code bpf4j upgrade OLD.o NEW.o --migration MIG.o [--update MAP:KEY=VALUE]... [--json]}:
 * loads OLD into the emulator and attaches it as its skeleton would (programs to the hooks
 * their sections name, map_trace programs to their maps), sets the elements {@code --update}
 * gives, then upgrades it to NEW with the migration object's
 * tracers and iterators ({@link StatefulUpgrade}), printing each step, and prints the new
 * object's maps.
 *
 * <pre>
 * bpf4j upgrade dynencap_old.o dynencap_new.o --migration dynencap_migration.o
 * bpf4j upgrade dynencap_old.o dynencap_new.o --migration dynencap_migration.o --json
 * bpf4j upgrade dynencap_old.o dynencap_new.o --migration dynencap_migration.o --update dynencap_map:07000000=0a0000010a000002
 * </pre>
 */
@Command(name = "upgrade", mixinStandardHelpOptions = true,
        description = {"Upgrade a loaded, attached object to a new version without losing map updates (seed 000):",
                "load OLD into the emulator and attach it, then load NEW unattached, attach MIG's copy-on-write",
                "tracers to OLD's maps, bulk-copy them with MIG's iterators, swap the programs hook by hook",
                "(readers first) and unload MIG and OLD. A failing step rolls back to OLD."})
final class UpgradeCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "OLD", description = "the version running now (BPF ELF object)")
    Path oldFile;

    @Parameters(index = "1", paramLabel = "NEW", description = "the version to run")
    Path newFile;

    @Option(names = "--migration", required = true, paramLabel = "MIG",
            description = "the migration object: maps old_<name>/new_<name>, map_trace/old_<name>/... tracers, iter/bpf_map_elem iterators")
    Path migrationFile;

    @Option(names = "--json", description = "print one JSON object (format documented in README.md)")
    boolean json;

    @Option(names = "--update", paramLabel = "MAP:KEY=VALUE",
            description = "before the upgrade, set an element of OLD's map MAP (key and value as hex bytes in the object's byte order); repeatable")
    List<String> updates = new ArrayList<>();

    @Mixin
    LinkOptionsMixin linkOptions;

    @Spec
    picocli.CommandLine.Model.CommandSpec command;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = command.commandLine().getOut();
        ObjectSpec oldSpec = SpecReader.read(oldFile);
        ObjectSpec newSpec = SpecReader.read(newFile);
        ObjectSpec migSpec = SpecReader.read(migrationFile);
        LinkOptions options = linkOptions.toLinkOptions();
        EmulatorBackend backend = new EmulatorBackend();
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("old", oldFile.toString());
        report.put("new", newFile.toString());
        report.put("migration", migrationFile.toString());
        LoadedObject old = backend.load(Linker.link(oldSpec, options));
        List<Object> steps = new ArrayList<>();
        try {
            List<String> attached = new ArrayList<>();
            for (Link l : old.attachHooks())
                attached.add(l.program().name() + " -> " + l.target());
            for (Link l : old.attachMapTracers())
                attached.add(l.program().name() + " -> " + l.target());
            report.put("attached", attached);
            for (String u : updates)
                update(old, u);
            if (!json) {
                out.println("loaded " + oldFile + " into the emulator");
                for (String a : attached)
                    out.println("  attached " + a);
            }
            UpgradeResult r;
            try {
                r = StatefulUpgrade.of(backend, old, newSpec, migSpec).linkOptions(options)
                        .listener(e -> onEvent(e, out, steps)).run();
            } catch (UpgradeException e) {
                if (json) {
                    Map<String, Object> error = new LinkedHashMap<>();
                    error.put("step", e.step().name());
                    error.put("outcome", e.outcome().name());
                    error.put("message", e.getMessage());
                    error.put("rollback_problems", new ArrayList<Object>(e.rollbackProblems()));
                    report.put("steps", steps);
                    report.put("error", error);
                    out.print(Json.write(report));
                    out.flush();
                }
                e.newObject().ifPresent(LoadedObject::close);
                throw e;
            }
            try (LoadedObject now = r.newObject()) {
                if (json) {
                    report.put("steps", steps);
                    report.put("swap_order", new ArrayList<Object>(r.swapOrder()));
                    report.put("maps", MapDump.json(now));
                    out.print(Json.write(report));
                } else {
                    out.println("upgraded to " + newFile + "; swapped " + String.join(", ", r.swapOrder()));
                    MapDump.print(out, now, newSpec);
                }
            }
        } finally {
            old.close();        // a no-op after a successful upgrade, which unloaded it
        }
        out.flush();
        return 0;
    }

    // MAP:KEY=VALUE; the map's own checks answer wrong sizes with its errno.
    private static void update(LoadedObject old, String spec) {
        int colon = spec.indexOf(':');
        int eq = spec.indexOf('=', colon + 1);
        if (colon <= 0 || eq < 0)
            throw new Main.UsageException("--update: '" + spec + "' is not MAP:KEY=VALUE");
        String map = spec.substring(0, colon);
        old.map(map).update(Hex.parse(spec.substring(colon + 1, eq), "--update " + map + " key"),
                Hex.parse(spec.substring(eq + 1), "--update " + map + " value"));
    }

    private void onEvent(UpgradeEvent e, PrintWriter out, List<Object> steps) {
        if (e instanceof UpgradeEvent.StepStarted s) {
            if (!json)
                out.println("[" + (s.step().ordinal() + 1) + "/" + (UpgradeStep.values().length - 1) + "] " + s.step().title());
        } else if (e instanceof UpgradeEvent.Action a) {
            if (!json)
                out.println("      " + a.description());
        } else if (e instanceof UpgradeEvent.StepFinished f) {
            StepReport r = f.report();
            if (!json)
                out.printf(Locale.ROOT, "      done in %.3f ms%n", r.elapsed().toNanos() / 1e6);
            Map<String, Object> step = new LinkedHashMap<>();
            step.put("step", r.step().name());
            step.put("title", r.step().title());
            step.put("elapsed_ns", r.elapsed().toNanos());
            step.put("actions", new ArrayList<Object>(r.actions()));
            steps.add(step);
        } else if (e instanceof UpgradeEvent.RollbackStarted s) {
            if (!json)
                out.println("!! " + s.failedStep().title() + " failed: " + s.cause() + "; rolling back");
        } else if (e instanceof UpgradeEvent.RollbackFinished f) {
            if (!json) {
                for (String a : f.actions())
                    out.println("      undone: " + a);
                for (String p : f.problems())
                    out.println("      NOT undone: " + p);
            }
            Map<String, Object> step = new LinkedHashMap<>();
            step.put("step", UpgradeStep.ROLLBACK.name());
            step.put("title", UpgradeStep.ROLLBACK.title());
            step.put("actions", new ArrayList<Object>(f.actions()));
            step.put("problems", new ArrayList<Object>(f.problems()));
            steps.add(step);
        }
        out.flush();
    }
}
