package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;

import dev.bpf4j.backend.Link;

import java.nio.ByteOrder;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One emulated kernel: the address space, the CPUs and the file descriptor table that the
 * objects loaded into one {@link EmulatorBackend} share, as the processes of a machine
 * share its kernel. Sharing is what lets an object use another's maps (map reuse, map
 * tracing across objects, prog arrays holding programs of other objects): their values
 * are addresses in the same {@link Memory}.
 *
 * <p>One kernel per byte order: a bpfel and a bpfeb object cannot share memory.
 */
final class EmulatorKernel {
    final Memory memory;
    final EmulatorConfig config;
    /** The free CPUs: a run takes one for its duration. */
    private final BlockingQueue<Cpu> cpus;
    /** Maps and programs by their fd, for prog arrays and maps of maps. */
    private final Map<Integer, Object> byFd = new ConcurrentHashMap<>();
    /** Maps by the base address of their handle region (what an ld_imm64 src 1 loads). */
    private final Map<Long, EmulatorMap> byHandle = new ConcurrentHashMap<>();
    /** Ring buffers by the base address of their data region, for bpf_ringbuf_submit/discard. */
    private final Map<Long, RingBufMap> ringBuffers = new ConcurrentHashMap<>();

    /**
     * The states of map tracers that user space's map updates fire. They are not CPUs from
     * {@link #cpus}: a tracer runs while the traced map's lock is held, and taking a CPU
     * there could wait for a run that holds the CPU and waits for that lock.
     */
    private final ConcurrentLinkedQueue<VmState> syscallStates = new ConcurrentLinkedQueue<>();
    private final AtomicInteger syscallStatesMade = new AtomicInteger();
    /** Held while map tracing links are attached or swapped, so that two cannot close a cycle together. */
    final Object traceGraph = new Object();

    /** The live links of all objects, in attach order. */
    private final Set<EmulatorLink> links = Collections.synchronizedSet(new LinkedHashSet<>());

    /** The machine's attach points, shared by the kernels of one backend. */
    final Hooks hooks;
    /** The map element iterators run in this kernel, with their per-CPU regions. */
    final MapIterator iterators;

    /** A kernel with hooks of its own (tests that load one object). */
    EmulatorKernel(ByteOrder order, EmulatorConfig config) {
        this(order, config, new Hooks());
    }

    /** A kernel of a backend whose attach points are {@code hooks}. */
    EmulatorKernel(ByteOrder order, EmulatorConfig config, Hooks hooks) {
        this.memory = new Memory(order);
        this.config = config;
        this.hooks = hooks;
        this.iterators = new MapIterator(memory);
        this.cpus = new ArrayBlockingQueue<>(config.cpus());
        for (int i = 0; i < config.cpus(); i++)
            cpus.add(new Cpu(memory, i, config.randomSeed()));
    }

    // ---- the fd table

    void register(int fd, Object mapOrProgram) {
        byFd.put(fd, mapOrProgram);
        if (mapOrProgram instanceof EmulatorMap m)
            byHandle.put(m.handle.base(), m);
        if (mapOrProgram instanceof RingBufMap rb)
            ringBuffers.put(rb.data().base(), rb);
    }

    void unregister(int fd, Object mapOrProgram) {
        byFd.remove(fd, mapOrProgram);
        if (mapOrProgram instanceof EmulatorMap m)
            byHandle.remove(m.handle.base(), m);
        if (mapOrProgram instanceof RingBufMap rb)
            ringBuffers.remove(rb.data().base(), rb);
    }

    /** The map or program whose fd is {@code fd}, or null. */
    Object byFd(int fd) {
        return byFd.get(fd);
    }

    /** The map whose handle is at {@code address} (what an ld_imm64 src 1 loaded), or a fault naming the helper. */
    EmulatorMap mapAt(long address, int helper, VmState s) {
        EmulatorMap m = byHandle.get(address);
        if (m == null)
            throw HelperTable.misuse(helper, s, String.format("0x%x is not a map (an ld_imm64 map reference)", address));
        return m;
    }

    /** The ring buffer whose data region holds {@code address}, or null. */
    RingBufMap ringBufferAt(long address) {
        Region r = memory.regionAt(address);
        return r == null ? null : ringBuffers.get(r.base());
    }

    // ---- links

    void addLink(EmulatorLink l) {
        links.add(l);
    }

    void removeLink(EmulatorLink l) {
        links.remove(l);
    }

    /** The live links running a program of {@code o}. */
    List<Link> linksOf(EmulatorObject o) {
        synchronized (links) {
            return links.stream().filter(l -> l.program().owner() == o).map(l -> (Link) l).toList();
        }
    }

    /** Closes the links running a program of {@code o}, which is closing. */
    void closeLinksOf(EmulatorObject o) {
        for (Link l : linksOf(o))
            l.close();
    }

    // ---- CPUs

    /**
     * A state for tracers that a map update from user space fires; never blocks (a new one
     * is made when all are in use), so holding a map's lock while taking one is safe. Its
     * per-CPU values are those of CPU {@code n mod cpus}, as a syscall runs on some CPU.
     */
    VmState takeSyscallState() {
        VmState s = syscallStates.poll();
        if (s == null) {
            int n = syscallStatesMade.getAndIncrement();
            s = new VmState(memory, n % config.cpus());
            s.seedRandom(config.randomSeed() ^ (0x5bd1e995L * (n + 1)));
        }
        return s;
    }

    void releaseSyscallState(VmState s) {
        syscallStates.add(s);
    }

    /** Takes a free CPU, waiting while all are busy (more concurrent runs than CPUs). */
    Cpu acquireCpu() {
        try {
            return cpus.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BackendException(-BackendException.EINTR, "interrupted while waiting for a free emulated CPU");
        }
    }

    void releaseCpu(Cpu cpu) {
        cpus.add(cpu);
    }
}
