package dev.bpf4j.upgrade;

import dev.bpf4j.asm.MapAccess;
import dev.bpf4j.backend.Backend;
import dev.bpf4j.backend.Capabilities;
import dev.bpf4j.backend.Link;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.loader.AttachType;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.ProgramSpec;
import dev.bpf4j.loader.SectionTable;
import dev.bpf4j.loader.SectionTable.MapTraceTarget;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Every check of an upgrade that can be made before anything changes, and the decisions
 * taken from them: which migration map stands for which map, where each tracer and
 * iterator goes, in which order the hook links are swapped.
 */
final class UpgradePlanner {
    static final String OLD_PREFIX = "old_";
    static final String NEW_PREFIX = "new_";

    /** The plan, and the links it was made from (links are not data, so they stay out of the record). */
    record Planned(UpgradePlan plan, List<Link> hookLinks, List<Link> traceLinks) {
    }

    private UpgradePlanner() {
    }

    static Planned plan(Backend backend, LoadedObject old, LoadPlan newPlan, LoadPlan migPlan) {
        Capabilities caps = backend.capabilities();
        if (!caps.mapTracing())
            throw UpgradeException.refused("backend '" + backend.name()
                    + "' does not report map tracing (map_trace links, map iterators, map reuse)");
        if (!caps.attach())
            throw UpgradeException.refused("backend '" + backend.name() + "' cannot attach programs to hooks");
        if (old.isClosed())
            throw UpgradeException.refused("the old object is closed");
        String mig = "migration object '" + migPlan.spec().name() + "'";
        String neu = "new object '" + newPlan.spec().name() + "'";

        // Migration maps old_X / new_X stand for X of the old / new object, definitions equal.
        Map<String, String> reused = new LinkedHashMap<>();
        Set<String> oldStandIns = new LinkedHashSet<>();
        Set<String> newStandIns = new LinkedHashSet<>();
        for (MapSpec m : migPlan.maps()) {
            if (m.name().startsWith(OLD_PREFIX)) {
                String x = m.name().substring(OLD_PREFIX.length());
                MapHandle h = old.findMap(x).orElseThrow(() -> UpgradeException.refused(mig + ": map '" + m.name()
                        + "' stands for map '" + x + "' of the old object, which has no such map; its maps: "
                        + old.maps().stream().map(MapHandle::name).toList()));
                requireSame(mig, m, "old", h.spec());
                reused.put(m.name(), x + " (old)");
                oldStandIns.add(m.name());
            } else if (m.name().startsWith(NEW_PREFIX)) {
                String x = m.name().substring(NEW_PREFIX.length());
                MapSpec n = newPlan.map(x).orElseThrow(() -> UpgradeException.refused(mig + ": map '" + m.name()
                        + "' stands for map '" + x + "' of the " + neu + ", which has no such map; its maps: "
                        + newPlan.maps().stream().map(MapSpec::name).toList()));
                requireSame(mig, m, "new", n);
                reused.put(m.name(), x + " (new)");
                newStandIns.add(m.name());
            }
        }

        // Migration programs: copy-on-write tracers of old_ maps, and map element iterators.
        List<UpgradePlan.MapTracer> tracers = new ArrayList<>();
        List<LinkedProgram> iterators = new ArrayList<>();
        for (LinkedProgram p : migPlan.programs()) {
            Optional<MapTraceTarget> t = traceTarget(mig, p.spec());
            if (t.isPresent()) {
                String target = t.get().mapName();
                if (migPlan.map(target).isEmpty())
                    throw UpgradeException.refused(mig + ": program '" + p.name() + "' (section '" + p.spec().sectionName()
                            + "') traces map '" + target + "', which the object does not define");
                if (!oldStandIns.contains(target))
                    throw UpgradeException.refused(mig + ": program '" + p.name() + "' (section '" + p.spec().sectionName()
                            + "') traces map '" + target + "', which is not an old_ map: copy-on-write tracers"
                            + " attach to the old object's maps, named old_<map> in the migration object");
                tracers.add(new UpgradePlan.MapTracer(p.name(), target.substring(OLD_PREFIX.length()), t.get().op()));
            } else if (isMapIterator(p.spec())) {
                iterators.add(p);
            } else {
                throw UpgradeException.refused(mig + ": program '" + p.name() + "' (section '" + p.spec().sectionName()
                        + "') is neither a map_trace/old_<map>/UPDATE_ELEM or DELETE_ELEM tracer nor an"
                        + " iter/bpf_map_elem iterator");
            }
        }

        // Delete tracers go on first. Between two attachments an update that is not traced
        // yet is still copied by the bulk copy that follows, but a delete not traced would
        // leave behind, in the new map, what an already traced update put there.
        tracers.sort(java.util.Comparator.comparing(t -> t.op() == MapTraceTarget.Operation.DELETE_ELEM ? 0 : 1));

        Map<String, MapAccess> migAccess = new LinkedHashMap<>();
        for (LinkedProgram p : migPlan.programs())
            migAccess.put(p.name(), MapAccess.of(p.instructions()));
        refuseLoops(mig, tracers, migAccess);

        // Iterators run over the old maps whose update tracer writes a new_ map they write too.
        List<UpgradePlan.BulkCopy> copies = new ArrayList<>();
        Set<String> usedIterators = new HashSet<>();
        Set<String> tracedForUpdate = new LinkedHashSet<>();
        for (UpgradePlan.MapTracer t : tracers)
            if (t.op() == MapTraceTarget.Operation.UPDATE_ELEM)
                tracedForUpdate.add(t.map());
        for (String x : tracedForUpdate) {
            Set<String> migrated = new LinkedHashSet<>();
            for (UpgradePlan.MapTracer t : tracers)
                if (t.map().equals(x) && t.op() == MapTraceTarget.Operation.UPDATE_ELEM)
                    for (String w : migAccess.get(t.program()).writes())
                        if (newStandIns.contains(w))
                            migrated.add(w);
            if (migrated.isEmpty())
                throw UpgradeException.refused(mig + ": the UPDATE_ELEM tracer of old map '" + x
                        + "' writes no new_ map, so it migrates nothing");
            boolean found = false;
            for (LinkedProgram it : iterators)
                if (migAccess.get(it.name()).writes().stream().anyMatch(migrated::contains)) {
                    copies.add(new UpgradePlan.BulkCopy(it.name(), x));
                    usedIterators.add(it.name());
                    found = true;
                }
            if (!found)
                throw UpgradeException.refused(mig + ": no iter/bpf_map_elem program writes " + migrated
                        + " as the tracer of old map '" + x + "' does, so the entries '" + x
                        + "' holds already would never reach the new version");
        }
        for (LinkedProgram it : iterators)
            if (!usedIterators.contains(it.name()))
                throw UpgradeException.refused(mig + ": iterator '" + it.name() + "' writes no new_ map that an"
                        + " UPDATE_ELEM tracer writes, so no old map to copy is known for it");

        // The new object's own tracers, attached to its own maps as a skeleton would.
        List<UpgradePlan.MapTracer> newTracers = new ArrayList<>();
        for (LinkedProgram p : newPlan.programs()) {
            Optional<MapTraceTarget> t = traceTarget(neu, p.spec());
            if (t.isEmpty())
                continue;
            if (newPlan.map(t.get().mapName()).isEmpty())
                throw UpgradeException.refused(neu + ": program '" + p.name() + "' (section '" + p.spec().sectionName()
                        + "') traces map '" + t.get().mapName() + "', which the object does not define");
            newTracers.add(new UpgradePlan.MapTracer(p.name(), t.get().mapName(), t.get().op()));
        }

        // Every old link needs a namesake that can take its place.
        List<Link> hookLinks = new ArrayList<>();
        List<Link> traceLinks = new ArrayList<>();
        Set<String> linked = new LinkedHashSet<>();
        for (Link l : old.links()) {
            if (!l.isAttached())
                continue;
            ProgramSpec was = l.program().spec();
            String name = l.program().name();
            LinkedProgram now = newPlan.program(name).orElseThrow(() -> UpgradeException.refused("old program '"
                    + name + "' (linked to " + l.target() + ") has no namesake in the " + neu + "; its programs: "
                    + newPlan.programs().stream().map(LinkedProgram::name).toList()));
            if (now.spec().type() != was.type() || !now.spec().expectedAttachType().equals(was.expectedAttachType()))
                throw UpgradeException.refused("program '" + name + "' is " + describe(was) + " in the old object but "
                        + describe(now.spec()) + " in the " + neu + ", so link " + l.target() + " cannot take it");
            linked.add(name);
            if (was.expectedAttachType().orElse(null) == AttachType.TRACE_MAP) {
                if (newTracers.stream().noneMatch(t -> t.program().equals(name)))
                    throw UpgradeException.refused("old map tracer '" + name + "' is linked to " + l.target()
                            + ", but its namesake in the " + neu + " names no map_trace/<map>/<op> section,"
                            + " so which new map it should trace is unknown");
                traceLinks.add(l);
            } else {
                hookLinks.add(l);
            }
        }

        // Swap order from the new programs' map accesses; writes include what the new
        // object's tracers write in turn when a program's write triggers them.
        Map<String, Set<String>> reads = new LinkedHashMap<>();
        Map<String, Set<String>> writes = new LinkedHashMap<>();
        for (LinkedProgram p : newPlan.programs()) {
            MapAccess a = MapAccess.of(p.instructions());
            reads.put(p.name(), a.reads());
            writes.put(p.name(), new LinkedHashSet<>(a.writes()));
        }
        for (boolean grew = true; grew; ) {
            grew = false;
            for (Set<String> w : writes.values())
                for (UpgradePlan.MapTracer t : newTracers)
                    if (w.contains(t.map()) && w.addAll(writes.get(t.program())))
                        grew = true;
        }
        // Only maps whose state the migration carries over constrain the order: for any
        // other map the new version starts empty whatever the order, so a reader-first
        // order would protect nothing there (and shared counters would make false cycles).
        Set<String> carried = new LinkedHashSet<>();
        for (MapAccess a : migAccess.values())
            for (String w : a.writes())
                if (newStandIns.contains(w))
                    carried.add(w.substring(NEW_PREFIX.length()));
        for (boolean grew = true; grew; ) {
            grew = false;
            for (UpgradePlan.MapTracer t : newTracers)
                if (carried.contains(t.map()) && carried.addAll(writes.get(t.program())))
                    grew = true;
        }
        Map<String, Set<String>> carriedReads = new LinkedHashMap<>();
        reads.forEach((prog, r) -> {
            Set<String> c = new LinkedHashSet<>(r);
            c.retainAll(carried);
            carriedReads.put(prog, c);
        });
        List<String> swapped = new ArrayList<>();
        for (Link l : hookLinks)
            swapped.add(l.program().name());
        SwapOrder order = SwapOrder.of(swapped, carriedReads, writes);

        List<String> unattached = new ArrayList<>();
        for (LinkedProgram p : newPlan.programs())
            if (!linked.contains(p.name()) && newTracers.stream().noneMatch(t -> t.program().equals(p.name())))
                unattached.add(p.name());
        return new Planned(new UpgradePlan(reused, newTracers, tracers, copies, order.order(), order.dependencies(),
                unattached), hookLinks, traceLinks);
    }

    /**
     * The backend would refuse to attach a tracer that can, through old maps and the other
     * tracers, change the map it traces (-ELOOP): refused here, before anything changes,
     * naming the chain.
     */
    private static void refuseLoops(String mig, List<UpgradePlan.MapTracer> tracers, Map<String, MapAccess> access) {
        for (UpgradePlan.MapTracer t : tracers) {
            List<String> chain = loop(t, t.map(), tracers, access, new ArrayList<>(), new HashSet<>());
            if (chain != null)
                throw UpgradeException.refused(mig + ": the copy-on-write tracers would trigger themselves without end: "
                        + String.join(", ", chain) + ", which '" + t.program() + "' traces; a tracer must write new_ maps,"
                        + " not old_ ones");
        }
    }

    private static List<String> loop(UpgradePlan.MapTracer t, String traced, List<UpgradePlan.MapTracer> tracers,
                                     Map<String, MapAccess> access, List<String> chain, Set<String> seen) {
        if (!seen.add(t.program()))
            return null;
        for (String w : access.get(t.program()).writes()) {
            if (!w.startsWith(OLD_PREFIX))
                continue;
            String m = w.substring(OLD_PREFIX.length());
            List<String> here = new ArrayList<>(chain);
            here.add("'" + t.program() + "' (" + t.op() + " of old map '" + t.map() + "') writes " + w);
            if (m.equals(traced))
                return here;
            for (UpgradePlan.MapTracer next : tracers)
                if (next.map().equals(m)) {
                    List<String> found = loop(next, traced, tracers, access, here, seen);
                    if (found != null)
                        return found;
                }
        }
        return null;
    }

    private static Optional<MapTraceTarget> traceTarget(String where, ProgramSpec p) {
        try {
            return SectionTable.mapTrace(p.sectionName());
        } catch (IllegalArgumentException e) {
            throw UpgradeException.refused(where + ": program '" + p.name() + "': " + e.getMessage());
        }
    }

    static boolean isMapIterator(ProgramSpec p) {
        return p.expectedAttachType().orElse(null) == AttachType.TRACE_ITER && "bpf_map_elem".equals(p.attachTarget());
    }

    private static String describe(ProgramSpec p) {
        return p.type().libbpfName() + p.expectedAttachType().map(a -> "/" + a.name().toLowerCase()).orElse("");
    }

    // The kernel's bpf_map__reuse_fd checks these; the emulator too. Named both ways so the
    // user sees which side to fix.
    private static void requireSame(String mig, MapSpec stand, String side, MapSpec real) {
        List<String> diff = new ArrayList<>();
        if (stand.type() != real.type())
            diff.add("type " + stand.type().libbpfName() + " vs " + real.type().libbpfName());
        if (stand.keySize() != real.keySize())
            diff.add("key size " + stand.keySize() + " vs " + real.keySize());
        if (stand.valueSize() != real.valueSize())
            diff.add("value size " + stand.valueSize() + " vs " + real.valueSize());
        if (stand.maxEntries() != real.maxEntries())
            diff.add("max_entries " + stand.maxEntries() + " vs " + real.maxEntries());
        if (stand.flags() != real.flags())
            diff.add("flags 0x" + Integer.toHexString(stand.flags()) + " vs 0x" + Integer.toHexString(real.flags()));
        if (!diff.isEmpty())
            throw UpgradeException.refused(mig + ": map '" + stand.name() + "' does not match map '" + real.name()
                    + "' of the " + side + " object: " + String.join(", ", diff));
    }
}
