package dev.bpf4j.upgrade;

import dev.bpf4j.backend.Backend;
import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.Capabilities;
import dev.bpf4j.backend.Hook;
import dev.bpf4j.backend.Link;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.backend.UpdateFlag;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.ProgramSpec;
import dev.bpf4j.loader.ProgramType;
import dev.bpf4j.loader.SectionTable.MapTraceTarget;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * A backend that runs nothing and records everything: objects, links, updates and
 * iterations, with a switch to make any operation fail. What {@link StatefulUpgrade} asks of
 * a backend, and nothing more, so that its steps and rollback can be checked one by one.
 */
final class FakeBackend implements Backend {
    final List<String> log = new ArrayList<>();
    final List<FakeObject> objects = new ArrayList<>();
    final List<FakeLink> links = new ArrayList<>();
    private final Capabilities caps;
    /** Operations (as logged) that throw instead of happening. */
    Predicate<String> failing = op -> false;

    FakeBackend(boolean mapTracing, boolean attach) {
        caps = new Capabilities(true, mapTracing, false, attach, Set.of(), Set.of());
    }

    FakeBackend() {
        this(true, true);
    }

    private void op(String what) {
        if (failing.test(what))
            throw new BackendException(-BackendException.EINVAL, "injected failure: " + what);
        log.add(what);
    }

    @Override
    public String name() {
        return "fake";
    }

    @Override
    public Capabilities capabilities() {
        return caps;
    }

    @Override
    public LoadedObject load(LoadPlan plan) {
        return load(plan, Map.of());
    }

    @Override
    public LoadedObject load(LoadPlan plan, Map<String, MapHandle> reuse) {
        op("load " + plan.spec().name() + (reuse.isEmpty() ? "" : " reusing " + reuse.keySet()));
        FakeObject o = new FakeObject(plan.spec().name());
        for (MapSpec m : plan.maps())
            o.maps.put(m.name(), reuse.containsKey(m.name()) ? reuse.get(m.name()) : new FakeMap(o, m));
        for (LinkedProgram p : plan.programs())
            o.programs.put(p.name(), new FakeProgram(o, p.spec()));
        objects.add(o);
        return o;
    }

    FakeObject object(String name) {
        return objects.stream().filter(o -> o.name.equals(name)).reduce((a, b) -> b).orElseThrow();
    }

    final class FakeObject implements LoadedObject {
        final String name;
        final Map<String, MapHandle> maps = new LinkedHashMap<>();
        final Map<String, FakeProgram> programs = new LinkedHashMap<>();
        boolean closed;

        FakeObject(String name) {
            this.name = name;
        }

        @Override
        public Optional<MapHandle> findMap(String n) {
            return Optional.ofNullable(maps.get(n));
        }

        @Override
        public Optional<ProgramHandle> findProgram(String n) {
            return Optional.ofNullable(programs.get(n));
        }

        @Override
        public List<MapHandle> maps() {
            return List.copyOf(maps.values());
        }

        @Override
        public List<ProgramHandle> programs() {
            return List.copyOf(programs.values());
        }

        @Override
        public List<Link> links() {
            return links.stream().filter(l -> l.isAttached() && l.program.owner == this).map(l -> (Link) l).toList();
        }

        @Override
        public boolean isClosed() {
            return closed;
        }

        @Override
        public void close() {
            if (closed)
                return;
            op("close " + name);
            List<Link> running = links();
            closed = true;
            for (Link l : running)
                l.close();
        }

        @Override
        public String toString() {
            return name;
        }
    }

    final class FakeProgram implements ProgramHandle {
        final FakeObject owner;
        final ProgramSpec spec;

        FakeProgram(FakeObject owner, ProgramSpec spec) {
            this.owner = owner;
            this.spec = spec;
        }

        @Override
        public String name() {
            return spec.name();
        }

        @Override
        public ProgramType type() {
            return spec.type();
        }

        @Override
        public ProgramSpec spec() {
            return spec;
        }

        @Override
        public TestRunResult testRun(TestRun request) {
            throw new BackendException(-BackendException.ENOTSUPP, "fake");
        }

        @Override
        public Link attach(Hook hook) {
            op("attach " + this + " to " + hook.point());
            FakeLink l = new FakeLink(this, hook.point());
            links.add(l);
            return l;
        }

        @Override
        public Link attachMapTrace(MapHandle map, MapTraceTarget.Operation op, boolean fromUserSpace) {
            op("trace " + map.name() + " " + op + (fromUserSpace ? " +user" : "") + " with " + this);
            FakeLink l = new FakeLink(this, "map '" + map.name() + "' " + op);
            links.add(l);
            return l;
        }

        @Override
        public byte[] iterate(MapHandle map) {
            op("iterate " + map.name() + " with " + this);
            return new byte[0];
        }

        @Override
        public String toString() {
            return owner.name + ":" + name();
        }
    }

    final class FakeLink implements Link {
        volatile FakeProgram program;
        final String target;
        boolean closed;

        FakeLink(FakeProgram program, String target) {
            this.program = program;
            this.target = target;
        }

        @Override
        public ProgramHandle program() {
            return program;
        }

        @Override
        public String target() {
            return target;
        }

        @Override
        public void update(ProgramHandle replacement) {
            op("update " + target + " to " + replacement);
            if (closed)
                throw new BackendException(-BackendException.ENOLINK, "link to " + target + " was closed");
            program = (FakeProgram) replacement;
        }

        @Override
        public boolean isAttached() {
            return !closed && !program.owner.closed;
        }

        @Override
        public void close() {
            if (closed)
                return;
            op("detach " + program + " from " + target);
            closed = true;
        }

        @Override
        public String toString() {
            return target + " -> " + program;
        }
    }

    /** A map that holds its entries: enough for keys(), which the bulk copy reports. */
    static final class FakeMap implements MapHandle {
        private final MapSpec spec;
        private final Map<ByteBuffer, byte[]> entries = new LinkedHashMap<>();
        final FakeObject owner;

        FakeMap(FakeObject owner, MapSpec spec) {
            this.owner = owner;
            this.spec = spec;
        }

        @Override
        public String name() {
            return spec.name();
        }

        @Override
        public MapSpec spec() {
            return spec;
        }

        @Override
        public ByteOrder byteOrder() {
            return ByteOrder.LITTLE_ENDIAN;
        }

        @Override
        public Optional<byte[]> lookup(byte[] key) {
            return Optional.ofNullable(entries.get(ByteBuffer.wrap(key)));
        }

        @Override
        public void update(byte[] key, byte[] value, UpdateFlag flag) {
            entries.put(ByteBuffer.wrap(key.clone()), value.clone());
        }

        @Override
        public void delete(byte[] key) {
            entries.remove(ByteBuffer.wrap(key));
        }

        @Override
        public List<byte[]> keys() {
            return entries.keySet().stream().map(ByteBuffer::array).toList();
        }
    }
}
