package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.backend.UpdateFlag;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.SectionTable.MapTraceTarget;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A map of the emulator kernel. Values live in {@link Memory} regions, so the pointer
 * that {@code bpf_map_lookup_elem} returns is a real address a program can load from and
 * store to. Each map also owns a small read-only "handle" region whose base address is
 * what an ld_imm64 with src 1 (BPF_PSEUDO_MAP_FD) loads: helpers find the map from it.
 *
 * <p>Each map locks itself ({@link #lock}): user space and programs on several emulated
 * CPUs may use different maps, and read the same one, at the same time. Errors are negative
 * errno values, as in the kernel. Every change, from user space ({@link MapHandle}) or a
 * program (helpers), whatever its kind (update, delete, push, pop, eviction, ring buffer
 * reserve and submit), ends in {@link #updated} or {@link #deleted}: the one place a
 * {@link MapObserver} (map tracing) sees it.
 *
 * <p>The operations take the caller's {@link VmState} ({@code s}); {@code null} means user
 * space (the bpf syscall), whose semantics differ for per-CPU maps (all CPUs' values at
 * once) and LRU maps (a syscall lookup does not count as a use).
 */
abstract class EmulatorMap implements MapHandle {
    /** BPF_F_LOCK: accepted and ignored (no spin locks yet). */
    static final long F_LOCK = 4;

    final EmulatorObject owner;
    final MapSpec spec;
    final Region handle;
    /** Bytes between the starts of consecutive values: the value size rounded up to 8, as in the kernel. */
    final int stride;
    /** The map's "file descriptor", unique in the JVM: what prog arrays and maps of maps hold. */
    final int fd;
    /** Held while the map changes (and while a hash map's index is read). */
    final Object lock = new Object();
    private volatile MapObserver observer = MapObserver.NONE;
    /** The map tracing links attached to this map (empty for almost every map). */
    final MapTracers tracers = new MapTracers(this);
    /** The regions this map mapped, unmapped when its last user goes. */
    private final List<Region> mapped = new ArrayList<>();
    /** The objects using the map: its creator and those that {@linkplain EmulatorBackend#load reuse} it. */
    private int users = 1;

    EmulatorMap(EmulatorObject owner, MapSpec spec) {
        this.owner = owner;
        this.spec = spec;
        this.stride = (int) MapChecks.round8(spec.valueSize());
        this.fd = EmulatorObject.nextFd();
        this.handle = map("map " + spec.name(), new byte[8], false);
    }

    /** Maps a region of this map in the kernel's memory; it goes when the map does. */
    final Region map(String name, byte[] bytes, boolean writable) {
        Region r = owner.memory.map(name, bytes, writable);
        synchronized (mapped) {
            mapped.add(r);
        }
        return r;
    }

    /** One more object uses the map (it reuses it); false when the map is already gone. */
    final synchronized boolean retain() {
        if (users == 0)
            return false;
        users++;
        return true;
    }

    /** Whether some object still uses the map (its regions are mapped). */
    final synchronized boolean alive() {
        return users > 0;
    }

    /** One object fewer uses the map; the last one takes it out of the kernel's tables and unmaps its regions. */
    final synchronized void release() {
        if (users == 0 || --users > 0)
            return;
        owner.kernel.unregister(fd, this);
        synchronized (mapped) {
            for (Region r : mapped)
                owner.memory.unmap(r);
        }
    }

    // ---- the kernel's operations; s == null: the bpf syscall

    /** What bpf_map_lookup_elem returns to a program on {@code s}'s CPU: a value address, or 0. */
    abstract long lookupAddress(byte[] key, VmState s);

    /** Returns 0 or a negative errno. From user space, {@code value} has {@link #userValueSize()} bytes. */
    abstract int update(byte[] key, byte[] value, long flags, VmState s);

    /** Returns 0 or a negative errno. */
    int delete(byte[] key, VmState s) {
        return -BackendException.EINVAL;
    }

    /**
     * The address of {@code key}'s value on {@code cpu} now, without counting a use, or 0:
     * whether a pointer a program got from a lookup still belongs to that element.
     */
    long elementAddress(byte[] key, int cpu) {
        return lookupAddress(key, null);
    }

    /**
     * The key of the element whose value is at {@code address}, which a lookup of
     * {@code lookupKey} returned: the same key, except in maps whose lookup matches other
     * keys (an LPM trie's longest prefix).
     */
    byte[] elementKey(long address, byte[] lookupKey) {
        return lookupKey;
    }

    /** The keys in BPF_MAP_GET_NEXT_KEY order; throws the kernel's errno for maps without keys. */
    abstract List<byte[]> keyList();

    /** The value of {@code key} as BPF_MAP_LOOKUP_ELEM copies it out, or null when absent. */
    byte[] userLookup(byte[] key) {
        synchronized (lock) {
            long a = lookupAddress(key, null);
            return a == 0 ? null : owner.memory.read(a, spec.valueSize(), -1);
        }
    }

    /** BPF_MAP_LOOKUP_AND_DELETE_ELEM: the value, or null when absent; throws for maps without it. */
    byte[] userLookupAndDelete(byte[] key) {
        throw new BackendException(-BackendException.ENOTSUPP, this + ": no lookup-and-delete for this map type");
    }

    /** bpf_map_push_elem; queue, stack and bloom filter only. */
    int push(byte[] value, long flags, VmState s) {
        return -BackendException.EINVAL;
    }

    /** bpf_map_pop_elem ({@code remove}) and bpf_map_peek_elem: fills {@code out}; queue and stack only. */
    int pop(byte[] out, boolean remove, VmState s) {
        return -BackendException.EINVAL;
    }

    /** The address of the first value plus {@code offset}, for BPF_PSEUDO_MAP_VALUE; arrays only. */
    long valueAddress(int offset) {
        throw new BackendException(-BackendException.EINVAL, "map '" + spec.name() + "' (" + spec.type().libbpfName()
                + ") has no direct value access (BPF_PSEUDO_MAP_VALUE)");
    }

    /** Whether user space may not change it (a frozen .rodata or .kconfig map). */
    boolean frozen() {
        return false;
    }

    /** Whether each CPU has its own value. */
    boolean perCpu() {
        return false;
    }

    static int checkFlags(long flags) {
        long f = flags & ~F_LOCK;
        return f > UpdateFlag.EXIST.value() || f < 0 ? -BackendException.EINVAL : 0;
    }

    int cpus() {
        return owner.config.cpus();
    }

    // ---- the observer: every change ends here

    void observe(MapObserver o) {
        observer = o == null ? MapObserver.NONE : o;
    }

    /** Whether an observer wants old values (computing them costs a copy). */
    final boolean observed() {
        return observer != MapObserver.NONE;
    }

    /**
     * Reports a change; callers hold {@link #lock}. {@code s} is the run that made it, null
     * for user space. Updates of a key ({@link MapObserver.Change#UPDATE_ELEM}) also run
     * the map's update tracers, here, under the lock: what serialises them against the
     * element iterator of a stateful upgrade's bulk copy.
     */
    final void updated(MapObserver.Change change, byte[] key, byte[] oldValue, byte[] newValue, long flags, VmState s) {
        MapObserver o = observer;
        if (o != MapObserver.NONE)
            o.onUpdate(this, change, copy(key), copy(oldValue), copy(newValue), flags, s);
        if (change != MapObserver.Change.UPDATE_ELEM)
            return;
        if (s != null && s.pointers != null)
            s.pointers.updated(this, key);
        tracers.fire(MapTraceTarget.Operation.UPDATE_ELEM, key, newValue, flags, s);
    }

    /** Reports a removal; callers hold {@link #lock}. As {@link #updated}, for the delete tracers. */
    final void deleted(MapObserver.Change change, byte[] key, byte[] oldValue, VmState s) {
        MapObserver o = observer;
        if (o != MapObserver.NONE)
            o.onDelete(this, change, copy(key), copy(oldValue), s);
        if (change != MapObserver.Change.DELETE_ELEM)
            return;
        tracers.fire(MapTraceTarget.Operation.DELETE_ELEM, key, null, 0, s);
    }

    private static byte[] copy(byte[] b) {
        return b == null ? null : b.clone();
    }

    private final java.util.Map<Integer, Region> scratch = new java.util.HashMap<>();

    /**
     * A read-only region of one key, for the callbacks of bpf_for_each_map_elem on
     * {@code s}'s CPU at its call depth (so nested iterations do not share one).
     */
    Region keyScratch(VmState s) {
        synchronized (lock) {
            return scratch.computeIfAbsent(s.cpu() * VmState.MAX_FRAMES + s.depth,
                    i -> map("key of " + spec.name() + " cpu" + s.cpu(), new byte[Math.max(1, spec.keySize())], false));
        }
    }

    // ---- helpers for subclasses

    long u32(byte[] key) {
        return MapHandleCodec.u32(key, owner.memory.byteOrder());
    }

    byte[] u32Bytes(long n) {
        return ByteBuffer.allocate(4).order(owner.memory.byteOrder()).putInt((int) n).array();
    }

    BackendException error(int errno, String what) {
        return new BackendException(errno, what + " of " + this);
    }

    // ---- MapHandle

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
        return owner.memory.byteOrder();
    }

    @Override
    public int fd() {
        return fd;
    }

    @Override
    public int userValueSize() {
        return perCpu() ? stride * cpus() : spec.valueSize();
    }

    @Override
    public Optional<byte[]> lookup(byte[] key) {
        owner.checkOpen();
        checkKey(key);
        if ((spec.flags() & MapChecks.F_WRONLY) != 0)
            throw error(-BackendException.EPERM, "lookup (BPF_F_WRONLY)");
        return Optional.ofNullable(userLookup(key == null ? new byte[0] : key));
    }

    @Override
    public void update(byte[] key, byte[] value, UpdateFlag flag) {
        owner.checkOpen();
        checkKey(key);
        if (value == null || value.length != userValueSize())
            throw new BackendException(-BackendException.EINVAL, "map '" + name() + "': value of "
                    + (value == null ? "null" : value.length + " bytes") + ", expected " + userValueSize());
        if (frozen() || (spec.flags() & MapChecks.F_RDONLY) != 0)
            throw new BackendException(-BackendException.EPERM, "map '" + name() + "' is read-only to user space"
                    + (frozen() ? " (frozen)" : " (BPF_F_RDONLY)"));
        int e = update(key == null ? new byte[0] : key, value.clone(), flag.value(), null);
        if (e != 0)
            throw error(e, "update with " + flag);
    }

    @Override
    public void delete(byte[] key) {
        owner.checkOpen();
        checkKey(key);
        if (frozen() || (spec.flags() & MapChecks.F_RDONLY) != 0)
            throw new BackendException(-BackendException.EPERM, "map '" + name() + "' is read-only to user space");
        int e = delete(key == null ? new byte[0] : key, null);
        if (e != 0)
            throw error(e, "delete");
    }

    @Override
    public Optional<byte[]> lookupAndDelete(byte[] key) {
        owner.checkOpen();
        checkKey(key);
        if (frozen() || (spec.flags() & (MapChecks.F_RDONLY | MapChecks.F_WRONLY)) != 0)
            throw new BackendException(-BackendException.EPERM, "map '" + name() + "': lookup-and-delete needs read and write access");
        return Optional.ofNullable(userLookupAndDelete(key == null ? new byte[0] : key));
    }

    @Override
    public List<byte[]> keys() {
        owner.checkOpen();
        synchronized (lock) {
            return new ArrayList<>(keyList());
        }
    }

    @Override
    public List<TestRunResult.OutputRecord> consume() {
        owner.checkOpen();
        throw error(-BackendException.EINVAL, "consume (ring buffers and perf event arrays only)");
    }

    void checkKey(byte[] key) {
        int n = key == null ? 0 : key.length;
        if (n != spec.keySize() || (key == null && spec.keySize() != 0))
            throw new BackendException(-BackendException.EINVAL, "map '" + name() + "': key of "
                    + (key == null ? "null" : key.length + " bytes") + ", expected " + spec.keySize());
    }

    @Override
    public String toString() {
        return spec.type().libbpfName() + " map '" + name() + "'";
    }
}
