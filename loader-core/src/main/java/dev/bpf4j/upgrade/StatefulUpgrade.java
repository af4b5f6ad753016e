package dev.bpf4j.upgrade;

import dev.bpf4j.backend.Backend;
import dev.bpf4j.backend.Link;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.loader.LinkException;
import dev.bpf4j.loader.LinkOptions;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.ObjectSpec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Upgrades a running, stateful BPF object to a new version without losing an update, as
 * seed 000 proposes: the new version may change its maps' layout, type and capacity.
 *
 * <ol>
 * <li>{@link UpgradeStep#LOAD_NEW}: load the new object, unattached (its own
 *     {@code map_trace} programs are attached to its own maps, as a skeleton would);</li>
 * <li>{@link UpgradeStep#ATTACH_TRACERS}: load the migration object over the old and new
 *     maps and attach its copy-on-write tracers to the old maps, so that from now on every
 *     change of an old map is migrated into the new maps;</li>
 * <li>{@link UpgradeStep#BULK_COPY}: run its iterators over the old maps, copying what they
 *     held before;</li>
 * <li>{@link UpgradeStep#SWAP}: replace the program of each of the old object's hook links
 *     ({@link Link#update}, atomic), readers before the writers of what they read;</li>
 * <li>{@link UpgradeStep#UNLOAD}: close the migration links and object, then the old object.</li>
 * </ol>
 *
 * <p>The migration object follows one convention: its map {@code old_X} is the old
 * object's map {@code X} and {@code new_X} the new object's map {@code X} (their
 * definitions must be equal); its tracers are {@code SEC("map_trace/old_X/UPDATE_ELEM")} or
 * {@code DELETE_ELEM}, attached to the old map with updates from user space traced too; its
 * {@code SEC("iter/bpf_map_elem")} programs run over each old map whose update tracer
 * writes a {@code new_} map that the iterator writes too. The backend serialises an
 * iterator's visit of an element against traced changes of that element (the emulator
 * holds the map's lock for both), so that a change racing with the bulk copy is never
 * overwritten by the copy of the value it replaced: seed 000's spin lock.
 *
 * <p>The swap order is computed from the new programs' {@link dev.bpf4j.asm.MapAccess}: a
 * program is swapped before every program that writes a map it reads, counting writes
 * made by the map tracers a write triggers, and counting only the maps whose state the
 * migration carries over (written by its tracers or iterators, or by tracers of those);
 * for any other map the new version starts empty whatever the order. A cycle is refused.
 *
 * <p>Everything that can be checked before a change is checked first ({@link #plan()}), with
 * an {@link UpgradeException} naming the map or program at fault. A later failure, a
 * listener's exception included, rolls back: links get their old programs back, the
 * migration and new objects are closed, and the old object serves as before.
 *
 * <p>The swap relies on {@link Link#update} returning only once no firing still runs the
 * replaced program (the emulator waits for them, as the kernel's RCU grace period would):
 * otherwise a write of an old program still running could reach an old map after its
 * tracer was detached. A rollback gives the hooks back to the old programs; what a new
 * writer, already swapped in, wrote in the meantime stays in the new maps (which are
 * dropped) and does not reach the old ones: there is no reverse migration. With readers
 * swapped before writers, that window is the end of the swap step only.
 *
 * <p>Programs of the new object that no old link runs stay unattached: where they should
 * run is the caller's decision, made on {@link UpgradeResult#newObject()}.
 *
 * <pre>{@code
 * LoadedObject old = backend.load(Linker.link(SpecReader.read(Path.of("dynencap_old.o"))));
 * old.program("dynencap_setsockopt").attach(Hook.of("cgroup/setsockopt"));
 * old.program("dynencap_egress").attach(Hook.of("tc/egress", 1));
 * ...                                            // the hooks fire, the map fills
 * UpgradeResult r = StatefulUpgrade.of(backend, old,
 *                 SpecReader.read(Path.of("dynencap_new.o")), SpecReader.read(Path.of("dynencap_migration.o")))
 *         .listener(e -> System.out.println(e))
 *         .run();                                // UpgradeException: refused or rolled back, old still serving
 * LoadedObject serving = r.newObject();          // old is closed; the hooks run the new programs
 * }</pre>
 */
public final class StatefulUpgrade {
    private final Backend backend;
    private final LoadedObject old;
    private final ObjectSpec newSpec;
    private final ObjectSpec migrationSpec;
    private final LinkOptions options;
    private final UpgradeListener listener;
    // Plans linked already (tests build them instruction by instruction); null: link the specs.
    private final LoadPlan linkedNew;
    private final LoadPlan linkedMigration;

    private StatefulUpgrade(Backend backend, LoadedObject old, ObjectSpec newSpec, ObjectSpec migrationSpec,
                            LinkOptions options, UpgradeListener listener) {
        this(backend, old, newSpec, migrationSpec, options, listener, null, null);
    }

    private StatefulUpgrade(Backend backend, LoadedObject old, ObjectSpec newSpec, ObjectSpec migrationSpec,
                            LinkOptions options, UpgradeListener listener, LoadPlan linkedNew, LoadPlan linkedMigration) {
        this.linkedNew = linkedNew;
        this.linkedMigration = linkedMigration;
        this.backend = Objects.requireNonNull(backend, "backend");
        this.old = Objects.requireNonNull(old, "old object");
        this.newSpec = Objects.requireNonNull(newSpec, "new object spec");
        this.migrationSpec = Objects.requireNonNull(migrationSpec, "migration object spec");
        this.options = options;
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * An upgrade of {@code oldObject}, loaded in {@code backend}, to {@code newSpec}, its maps
     * migrated by {@code migrationSpec}. Nothing happens until {@link #run()}.
     */
    public static StatefulUpgrade of(Backend backend, LoadedObject oldObject, ObjectSpec newSpec, ObjectSpec migrationSpec) {
        return new StatefulUpgrade(backend, oldObject, newSpec, migrationSpec, null, UpgradeListener.NONE);
    }

    /** This upgrade, linking the new and migration objects with {@code linkOptions} (default {@link LinkOptions#defaults()}). */
    public StatefulUpgrade linkOptions(LinkOptions linkOptions) {
        return new StatefulUpgrade(backend, old, newSpec, migrationSpec, Objects.requireNonNull(linkOptions), listener,
                linkedNew, linkedMigration);
    }

    /** This upgrade, reporting to {@code l}. */
    public StatefulUpgrade listener(UpgradeListener l) {
        return new StatefulUpgrade(backend, old, newSpec, migrationSpec, options, l, linkedNew, linkedMigration);
    }

    /** An upgrade to plans linked already. */
    static StatefulUpgrade ofPlans(Backend backend, LoadedObject oldObject, LoadPlan newPlan, LoadPlan migrationPlan) {
        return new StatefulUpgrade(backend, oldObject, newPlan.spec(), migrationPlan.spec(), null, UpgradeListener.NONE,
                newPlan, migrationPlan);
    }

    /**
     * Links the new and migration objects and checks everything that can be checked without
     * changing anything.
     *
     * @throws UpgradeException ({@link UpgradeException.Outcome#NOTHING_CHANGED}) naming what does not fit
     */
    public UpgradePlan plan() {
        return prepare().planned().plan();
    }

    private record Prepared(LoadPlan newPlan, LoadPlan migPlan, UpgradePlanner.Planned planned) {
    }

    private Prepared prepare() {
        LinkOptions o = options != null ? options : LinkOptions.defaults();
        LoadPlan newPlan = linkedNew != null ? linkedNew : link("new object", newSpec, o);
        LoadPlan migPlan = linkedMigration != null ? linkedMigration : link("migration object", migrationSpec, o);
        return new Prepared(newPlan, migPlan, UpgradePlanner.plan(backend, old, newPlan, migPlan));
    }

    private static LoadPlan link(String what, ObjectSpec spec, LinkOptions o) {
        try {
            return Linker.link(spec, o);
        } catch (LinkException e) {
            throw UpgradeException.refused(what + " '" + spec.name() + "': " + e.getMessage());
        }
    }

    /**
     * Runs the upgrade.
     *
     * @return the new object, now serving, and what each step did
     * @throws UpgradeException naming the failed step; {@link UpgradeException#outcome()} says
     *                          whether the old version serves as before
     */
    public UpgradeResult run() {
        return new Execution().run();
    }

    /** One run: the state the steps share, and the journal that undoes them. */
    private final class Execution {
        private final Journal journal = new Journal();
        private final List<StepReport> reports = new ArrayList<>();
        private final List<String> swapped = new ArrayList<>();
        private UpgradeStep current = UpgradeStep.VALIDATE;
        private List<String> actions = new ArrayList<>();
        private long started;
        private boolean committed;
        private LoadedObject newObj;

        UpgradeResult run() {
            try {
                begin(UpgradeStep.VALIDATE);
                Prepared p = prepare();
                UpgradePlan plan = p.planned().plan();
                act("swap order " + plan.swapOrder() + ", " + plan.tracers().size() + " tracer(s), "
                        + plan.copies().size() + " bulk cop" + (plan.copies().size() == 1 ? "y" : "ies"));
                end();

                begin(UpgradeStep.LOAD_NEW);
                LoadedObject n = backend.load(p.newPlan());
                newObj = n;
                journal.push("close the new object", n::close);
                act("loaded new object '" + newSpec.name() + "' (" + n.programs().size() + " programs, "
                        + n.maps().size() + " maps), unattached");
                for (UpgradePlan.MapTracer t : plan.newTracers()) {
                    Link l = n.program(t.program()).attachMapTrace(n.map(t.map()), t.op(), false);
                    journal.push("detach new tracer " + t.program(), l::close);
                    act("attached new tracer " + t.program() + " to its map '" + t.map() + "' " + t.op());
                }
                end();

                begin(UpgradeStep.ATTACH_TRACERS);
                Map<String, MapHandle> reuse = new LinkedHashMap<>();
                for (String m : plan.reusedMaps().keySet())
                    reuse.put(m, m.startsWith(UpgradePlanner.OLD_PREFIX)
                            ? old.map(m.substring(UpgradePlanner.OLD_PREFIX.length()))
                            : n.map(m.substring(UpgradePlanner.NEW_PREFIX.length())));
                LoadedObject mig = backend.load(p.migPlan(), reuse);
                journal.push("close the migration object", mig::close);
                act("loaded migration object '" + migrationSpec.name() + "' over " + reuse.keySet());
                List<Link> migLinks = new ArrayList<>();
                for (UpgradePlan.MapTracer t : plan.tracers()) {
                    Link l = mig.program(t.program()).attachMapTrace(old.map(t.map()), t.op(), true);
                    migLinks.add(l);
                    journal.push("detach migration tracer " + t.program(), l::close);
                    act("attached " + t.program() + " to old map '" + t.map() + "' " + t.op());
                }
                end();

                begin(UpgradeStep.BULK_COPY);
                for (UpgradePlan.BulkCopy c : plan.copies()) {
                    MapHandle from = old.map(c.oldMap());
                    String before = entryCount(from);
                    byte[] out = mig.program(c.iterator()).iterate(from);
                    act("ran " + c.iterator() + " over old map '" + c.oldMap() + "' (" + before + " entries"
                            + (out.length > 0 ? ", " + out.length + " bytes of output" : "") + ")");
                }
                end();

                begin(UpgradeStep.SWAP);
                for (String name : plan.swapOrder()) {
                    ProgramHandle replacement = n.program(name);
                    for (Link l : p.planned().hookLinks()) {
                        if (!l.program().name().equals(name))
                            continue;
                        ProgramHandle was = l.program();
                        l.update(replacement);
                        journal.push("give " + l.target() + " back to old " + name, () -> l.update(was));
                        act("swapped " + l.target() + " to new " + name);
                    }
                    swapped.add(name);
                }
                end();

                begin(UpgradeStep.UNLOAD);
                for (Link l : migLinks)
                    l.close();
                mig.close();
                act("closed the migration object and its " + migLinks.size() + " link(s)");
                for (Link l : p.planned().traceLinks())
                    act("old tracer " + l.program().name() + " on " + l.target() + " ends with the old object");
                // From here on nothing can be undone: the old programs and maps go away.
                committed = true;
                journal.commit();
                old.close();
                act("closed the old object");
                end();
                return new UpgradeResult(n, reports, swapped, plan);
            } catch (UpgradeException e) {
                if (e.outcome() == UpgradeException.Outcome.NOTHING_CHANGED && journal.isEmpty())
                    throw e;
                throw fail(e);
            } catch (RuntimeException e) {
                throw fail(e);
            }
        }

        // For the report only: a map that cannot list its keys is still copied.
        private static String entryCount(MapHandle m) {
            try {
                return Integer.toString(m.keys().size());
            } catch (RuntimeException e) {
                return "?";
            }
        }

        private void begin(UpgradeStep s) {
            current = s;
            actions = new ArrayList<>();
            started = System.nanoTime();
            listener.on(new UpgradeEvent.StepStarted(s));
        }

        private void act(String what) {
            actions.add(what);
            listener.on(new UpgradeEvent.Action(current, what));
        }

        private void end() {
            StepReport r = new StepReport(current, Duration.ofNanos(System.nanoTime() - started), actions);
            reports.add(r);
            listener.on(new UpgradeEvent.StepFinished(r));
        }

        private UpgradeException fail(RuntimeException cause) {
            String what = "upgrade failed at " + current + " (" + current.title() + "): " + cause.getMessage();
            if (committed)
                return new UpgradeException(current, UpgradeException.Outcome.COMPLETED, what
                        + "; the upgrade had completed: the new version serves and the old one is unloaded",
                        List.of(), cause, newObj);
            if (journal.isEmpty())
                return new UpgradeException(current, UpgradeException.Outcome.NOTHING_CHANGED,
                        what + "; nothing had changed", List.of(), cause, null);
            quietly(new UpgradeEvent.RollbackStarted(current, String.valueOf(cause.getMessage())), cause);
            List<String> undone = new ArrayList<>();
            List<String> problems = journal.rollBack(undone);
            quietly(new UpgradeEvent.RollbackFinished(current, undone, problems), cause);
            if (problems.isEmpty())
                return new UpgradeException(current, UpgradeException.Outcome.ROLLED_BACK,
                        what + "; rolled back, the old version still serves", List.of(), cause, null);
            return new UpgradeException(current, UpgradeException.Outcome.ROLLBACK_FAILED,
                    what + "; rollback incomplete: " + String.join("; ", problems), problems, cause, null);
        }

        // The rollback must run whatever a listener does with its report.
        private void quietly(UpgradeEvent e, RuntimeException cause) {
            try {
                listener.on(e);
            } catch (RuntimeException ignored) {
                cause.addSuppressed(ignored);
            }
        }
    }
}
