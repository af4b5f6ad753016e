package dev.bpf4j.emulator;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.asm.Reference;
import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.Link;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.MapType;
import dev.bpf4j.loader.ProgramType;

import dev.bpf4j.loader.ExternSpec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One object loaded into the emulator kernel: an address space ({@link Memory}) holding
 * its maps' values, the maps, and the programs with their references bound. Closing it
 * unmaps everything and makes every handle fail with {@code -EBADF}.
 *
 * <p>Runs execute on emulated CPUs ({@link Cpu}), at most {@link EmulatorConfig#cpus()} at
 * once; maps lock themselves, so user space and programs on several CPUs may use them at
 * the same time. The helpers are those of {@link EmulatorHelpers}.
 */
final class EmulatorObject implements LoadedObject {
    final EmulatorKernel kernel;
    final Memory memory;
    final EmulatorConfig config;
    private final String name;
    private final Map<String, EmulatorMap> maps = new LinkedHashMap<>();
    /** The maps of other objects this one uses in place of creating its own (load with reuse). */
    private final Set<EmulatorMap> reused = new HashSet<>();
    private final Map<String, EmulatorProgram> programs = new LinkedHashMap<>();
    private final Map<EmulatorProgram, Integer> programFds = new ConcurrentHashMap<>();
    /** The next fd: unique in the JVM, as a process's fds are, so that an fd of another object is not mistaken for one of this. */
    private static final AtomicInteger NEXT_FD = new AtomicInteger(3);
    private final Map<String, Region> ksyms = new HashMap<>();
    private final List<MapSpec> planMaps;
    private final Map<String, ExternSpec> externs = new HashMap<>();
    private volatile boolean closed;

    /**
     * Loads {@code plan} into {@code kernel}; the maps named in {@code reuse} are taken from
     * other objects of the kernel instead of being created (see {@link EmulatorBackend#load(LoadPlan, Map)}).
     */
    EmulatorObject(EmulatorKernel kernel, LoadPlan plan, Map<String, MapHandle> reuse) {
        this.kernel = kernel;
        this.name = plan.spec().name();
        this.config = kernel.config;
        this.memory = kernel.memory;
        this.planMaps = plan.maps();
        for (ExternSpec e : plan.spec().externs())
            externs.put(e.name(), e);
        for (String n : reuse.keySet())
            if (plan.maps().stream().noneMatch(m -> m.name().equals(n)))
                throw new BackendException(-BackendException.EINVAL, "object '" + name + "': cannot reuse a map for '" + n
                        + "', which it does not define; maps: " + plan.maps().stream().map(MapSpec::name).toList());
        try {
            for (MapSpec m : plan.maps()) {
                MapHandle given = reuse.get(m.name());
                EmulatorMap map = given == null ? createMap(m) : reuse(m, given);
                maps.put(m.name(), map);
                if (given == null)
                    kernel.register(map.fd, map);
            }
            loadPrograms(plan);
            for (MapSpec m : plan.maps())
                if (!reused.contains(maps.get(m.name())))
                    fillSlots(maps.get(m.name()));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** libbpf's reuse check (map_is_reuse_compat): the existing map must be what the plan defines. */
    private EmulatorMap reuse(MapSpec wanted, MapHandle given) {
        if (!(given instanceof EmulatorMap m) || m.owner.kernel != kernel)
            throw new BackendException(-BackendException.EINVAL, "object '" + name + "': map '" + wanted.name()
                    + "' cannot reuse " + given + ": it is not a map of this emulator backend"
                    + (given instanceof EmulatorMap ? " (other byte order)" : ""));
        MapSpec have = m.spec;
        String diff = have.type() != wanted.type() ? "type " + have.type().libbpfName() + " vs " + wanted.type().libbpfName()
                : have.keySize() != wanted.keySize() ? "key size " + have.keySize() + " vs " + wanted.keySize()
                : have.valueSize() != wanted.valueSize() ? "value size " + have.valueSize() + " vs " + wanted.valueSize()
                : have.maxEntries() != wanted.maxEntries() ? "max entries " + have.maxEntries() + " vs " + wanted.maxEntries()
                : have.flags() != wanted.flags() ? String.format("flags 0x%x vs 0x%x", have.flags(), wanted.flags())
                : null;
        if (diff != null)
            throw new BackendException(-BackendException.EINVAL, "object '" + name + "': map '" + wanted.name()
                    + "' cannot reuse " + m + " of object '" + m.owner.name + "': " + diff);
        if (!m.retain())
            throw new BackendException(-BackendException.EBADF, "object '" + name + "': map '" + wanted.name()
                    + "' cannot reuse " + m + ": its object was closed");
        reused.add(m);
        return m;
    }

    private void loadPrograms(LoadPlan plan) {
        HelperTable helpers = EmulatorHelpers.forObject(this);
        for (LinkedProgram p : plan.programs()) {
            if (!p.spec().autoload())
                continue;
            // As BPF_PROG_LOAD does: the verifier's rejection is -EACCES with its log.
            VerifierResult verdict = Verifier.verify(p.instructions(), p.spec().type(), p.spec().expectedAttachType(),
                    helpers::has);
            if (!verdict.ok())
                throw new BackendException(-BackendException.EACCES, "program '" + p.name() + "': verifier rejected it: "
                        + verdict.error() + "\n" + verdict.log(), new VerifierException(verdict));
            List<Instruction> insns = p.instructions();
            // Context accesses were checked by the verifier; u32 packet pointer loads now go to hidden slots.
            ContextLayout layout = ContextLayout.of(p.spec().type(), p.spec().expectedAttachType()).orElse(null);
            int maxCtxOffset = 0;
            if (layout != null) {
                ContextRewrite.Result rewritten = ContextRewrite.run(insns, layout);
                insns = rewritten.instructions();
                maxCtxOffset = rewritten.maxCtxOffset();
            }
            Vm vm;
            try {
                vm = new Vm(insns, memory.byteOrder(), helpers, this::resolve, config.budget());
            } catch (VmFault | IllegalArgumentException e) {
                throw new BackendException(-BackendException.EINVAL, "program '" + p.name() + "': " + e.getMessage(), e);
            }
            EmulatorProgram program = new EmulatorProgram(this, p, vm, layout, maxCtxOffset);
            programs.put(p.name(), program);
            int fd = nextFd();
            programFds.put(program, fd);
            kernel.register(fd, program);
        }
    }

    static int nextFd() {
        return NEXT_FD.getAndIncrement();
    }

    /** The fd of {@code p}, a program of this object. */
    int fdOf(EmulatorProgram p) {
        return programFds.get(p);
    }

    /** The map or program whose fd is {@code fd} in the kernel, or null. */
    Object byFd(int fd) {
        return kernel.byFd(fd);
    }

    /**
     * The BTF {@code .values = { [i] = &target }} initialisers of a prog array or map of
     * maps, put in as libbpf does after creating the maps and loading the programs.
     */
    private void fillSlots(EmulatorMap map) {
        for (var slot : map.spec.initialSlots()) {
            int fd;
            if (map.spec.type() == MapType.PROG_ARRAY) {
                EmulatorProgram p = programs.get(slot.target());
                if (p == null)
                    throw new BackendException(-BackendException.EINVAL, "map '" + map.name() + "': slot [" + slot.index()
                            + "] names program '" + slot.target() + "', which is not loaded");
                fd = fdOf(p);
            } else {
                EmulatorMap inner = maps.get(slot.target());
                if (inner == null)
                    throw new BackendException(-BackendException.EINVAL, "map '" + map.name() + "': slot [" + slot.index()
                            + "] names unknown map '" + slot.target() + "'");
                fd = inner.fd;
            }
            byte[] key = map.spec.keySize() == 4 ? map.u32Bytes(slot.index()) : null;
            if (key == null)
                throw new BackendException(-BackendException.EINVAL, "map '" + map.name() + "': initial slots need 4-byte keys");
            int e = map.update(key, map.u32Bytes(fd), 0, null);
            if (e != 0)
                throw new BackendException(e, "map '" + map.name() + "': slot [" + slot.index() + "] = '" + slot.target()
                        + "' refused");
        }
    }

    /** The ring buffer whose data region holds {@code address}, or null. */
    RingBufMap ringBufferAt(long address) {
        return kernel.ringBufferAt(address);
    }

    /** BPF_MAP_CREATE: the kernel's checks ({@link MapChecks}), then the map. */
    private EmulatorMap createMap(MapSpec m) {
        if (m.type() == MapType.PERF_EVENT_ARRAY && m.maxEntries() == 0) // libbpf: one slot per CPU
            m = new MapSpec(m.name(), m.kind(), m.type(), m.keySize(), m.valueSize(), config.cpus(), m.flags(), m.numaNode(),
                    m.pinning(), m.mapExtra(), m.sectionName(), m.sectionOffset(), m.keyType(), m.valueType(), m.innerMap(),
                    m.initialData(), m.initialSlots());
        MapChecks.check(m, config.cpus());
        return switch (m.type()) {
            case ARRAY, PERCPU_ARRAY -> new ArrayMap(this, m);
            case HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH -> new BpfHashMap(this, m);
            case HASH_OF_MAPS -> new HashOfMapsMap(this, m);
            case PROG_ARRAY, ARRAY_OF_MAPS -> new FdArrayMap(this, m);
            case PERF_EVENT_ARRAY -> new PerfEventArrayMap(this, m);
            case LPM_TRIE -> new LpmTrieMap(this, m);
            case QUEUE, STACK -> new QueueStackMap(this, m);
            case BLOOM_FILTER -> new BloomFilterMap(this, m);
            case RINGBUF -> new RingBufMap(this, m);
            case DEVMAP, CPUMAP, XSKMAP -> new DeviceMap(this, m);
            case DEVMAP_HASH -> new DevmapHashMap(this, m);
            default -> throw new BackendException(-BackendException.ENOTSUPP, "map '" + m.name() + "': type "
                    + m.type().libbpfName() + " is not supported by the emulator (" + MAP_TYPES + ")");
        };
    }

    /** The map types {@link #createMap} knows. */
    static final Set<MapType> MAP_TYPES = Collections.unmodifiableSet(EnumSet.of(
            MapType.ARRAY, MapType.PERCPU_ARRAY, MapType.HASH,
            MapType.PERCPU_HASH, MapType.LRU_HASH, MapType.LRU_PERCPU_HASH,
            MapType.LPM_TRIE, MapType.PROG_ARRAY, MapType.ARRAY_OF_MAPS,
            MapType.HASH_OF_MAPS, MapType.QUEUE, MapType.STACK,
            MapType.BLOOM_FILTER, MapType.RINGBUF, MapType.PERF_EVENT_ARRAY,
            MapType.DEVMAP, MapType.DEVMAP_HASH, MapType.CPUMAP,
            MapType.XSKMAP));

    /**
     * The value of an ld_imm64 that names something: a map handle (src 1, or src 5 by index
     * into the object's maps, libbpf's fd_array), an address in a map value (src 2, or src 6
     * by index), a kernel variable (a {@code __ksym} extern, src 0 or src 3).
     */
    long resolve(Instruction insn) {
        Reference ref = insn.reference();
        switch (insn.src()) {
            case Opcodes.PSEUDO_MAP_FD:
                if (ref instanceof Reference.Map m)
                    return mapNamed(m.name()).handle.base();
                break;
            case Opcodes.PSEUDO_MAP_VALUE:
                if (ref instanceof Reference.MapValue v)
                    return mapNamed(v.map()).valueAddress(v.offset());
                break;
            case Opcodes.PSEUDO_MAP_IDX:
                if (ref == null)
                    return mapAtIndex(insn.imm()).handle.base();
                break;
            case Opcodes.PSEUDO_MAP_IDX_VALUE:
                if (ref == null)
                    return mapAtIndex(insn.imm()).valueAddress(insn.imm2());
                break;
            case 0:
            case Opcodes.PSEUDO_BTF_ID:
                if (ref instanceof Reference.Extern e)
                    return ksym(e.name());
                break;
            default:
                break;
        }
        throw new BackendException(-BackendException.EINVAL, "ld_imm64 with pseudo source " + insn.src()
                + (ref == null ? " and no reference" : " and reference " + ref) + " cannot be bound by the emulator");
    }

    private EmulatorMap mapAtIndex(int index) {
        if (index < 0 || index >= planMaps.size())
            throw new BackendException(-BackendException.EINVAL, "ld_imm64 map index " + index + " is outside the object's "
                    + planMaps.size() + " maps");
        return maps.get(planMaps.get(index).name());
    }

    /** The address of kernel variable {@code n}: a read-only copy of the configured bytes; 0 for an unknown weak extern, as libbpf. */
    private long ksym(String n) {
        Region r = ksyms.get(n);
        if (r != null)
            return r.base();
        byte[] bytes = config.ksyms().get(n);
        if (bytes != null) {
            r = memory.map("ksym " + n, bytes.clone(), false);
            ksyms.put(n, r);
            return r.base();
        }
        ExternSpec e = externs.get(n);
        if (e != null && e.weak())
            return 0;
        throw new BackendException(-BackendException.ENOENT, "extern (ksym) '" + n + "': not found in the emulator kernel"
                + " (give its bytes in EmulatorConfig.ksyms, or declare it __weak)");
    }

    EmulatorMap mapNamed(String n) {
        EmulatorMap m = maps.get(n);
        if (m == null)
            throw new BackendException(-BackendException.EINVAL, "reference to unknown map '" + n + "'");
        return m;
    }

    /** The map whose handle is at {@code address} (what an ld_imm64 src 1 loaded), or a fault naming the helper. */
    EmulatorMap mapAt(long address, int helper, VmState s) {
        return kernel.mapAt(address, helper, s);
    }

    // ---- CPUs

    /** Takes a free CPU of the kernel, waiting while all are busy. */
    Cpu acquireCpu() {
        checkOpen();
        return kernel.acquireCpu();
    }

    void releaseCpu(Cpu cpu) {
        kernel.releaseCpu(cpu);
    }

    // ---- LoadedObject

    void checkOpen() {
        if (closed)
            throw new BackendException(-BackendException.EBADF, "object '" + name + "' was closed");
    }

    @Override
    public synchronized Optional<MapHandle> findMap(String n) {
        checkOpen();
        return Optional.ofNullable(maps.get(n));
    }

    @Override
    public synchronized Optional<ProgramHandle> findProgram(String n) {
        checkOpen();
        return Optional.ofNullable(programs.get(n));
    }

    @Override
    public synchronized List<MapHandle> maps() {
        checkOpen();
        return new ArrayList<>(maps.values());
    }

    @Override
    public synchronized List<ProgramHandle> programs() {
        checkOpen();
        return new ArrayList<>(programs.values());
    }

    @Override
    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public List<Link> links() {
        checkOpen();
        return kernel.linksOf(this);
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed)
                return;
            closed = true;
        }
        // Links first, so that no hook or tracer runs a program whose maps are going.
        kernel.closeLinksOf(this);
        for (var e : programFds.entrySet())
            kernel.unregister(e.getValue(), e.getKey());
        for (EmulatorMap m : maps.values())
            m.release(); // the last user takes the map out of the kernel
        for (Region r : ksyms.values())
            memory.unmap(r);
    }

    @Override
    public String toString() {
        return "emulator object '" + name + "' (" + maps.size() + " maps, " + programs.size() + " programs)";
    }
}
