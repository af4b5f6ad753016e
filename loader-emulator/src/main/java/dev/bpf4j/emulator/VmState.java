package dev.bpf4j.emulator;

/**
 * The machine a {@link Vm} runs on: registers r0-r10, the {@link Memory}, the stack frames
 * (one 512-byte region per call depth, mapped on first use and reused by later runs), and
 * the packet that the legacy {@code ld_abs}/{@code ld_ind} instructions read.
 *
 * <p>Set the argument registers, run, read r0:
 * <pre>{@code
 * var memory = new Memory();
 * Region ctx = memory.map("ctx", new byte[16], true);
 * var state = new VmState(memory);
 * state.setRegister(1, ctx.base());
 * long r0 = vm.run(state);
 * }</pre>
 *
 * <p>Helpers see the state too: they read the caller's memory through {@link #memory()} and
 * may end the program with {@link #stop(long)}. One state belongs to one run at a time.
 */
public final class VmState {
    /** Bytes in one stack frame, as in the kernel (MAX_BPF_STACK). */
    public static final int STACK_SIZE = 512;
    /** Frames in a call chain, the outermost included, as the kernel's MAX_CALL_FRAMES. */
    public static final int MAX_FRAMES = 8;
    /**
     * Runs nested in one another on one CPU, the outermost included: a map tracer runs
     * inside the run whose map update fired it, and may fire tracers itself. Attaching
     * refuses cycles, so chains are finite; this bounds what the loop check cannot see
     * (writes through maps of maps, tail calls).
     */
    static final int MAX_NESTING = 8;

    /** Registers r0-r10. */
    static final int REGISTERS = 11;

    final long[] regs = new long[REGISTERS];
    /**
     * The interpreter's local-call bookkeeping, by call depth: where each frame returns to and
     * the caller's r6-r10. A callback runs deeper than the helper's caller, so the runs that
     * nest on one state use disjoint entries.
     */
    final int[] returnTo = new int[MAX_FRAMES];
    final long[] saved = new long[MAX_FRAMES * 5];
    private final Memory memory;
    private final Region[] frames = new Region[MAX_FRAMES];
    private Region packet;
    boolean stopped;
    long stopValue;
    /** The slot of the running call instruction; written only before helper calls. */
    int slot = -1;
    /** The running program, for helpers that call back into it (bpf_loop) or leave it (tail calls). */
    Vm vm;
    /** Set by a tail-call helper together with {@link #stop}: the program to continue in. */
    Vm tailCall;
    /** Tail calls taken in this run. */
    int tailCalls;
    /** Instructions the run may still execute; written back by the interpreter before helper calls. */
    long budgetLeft;
    /** The budget the run started with, for the message when it runs out. */
    long runBudget;
    /** The call depth of the running instruction (0 = outermost), for callbacks. */
    int depth;
    private final int cpu;
    /** What the emulator kernel records during a run (set by the backend; null for a bare VM). */
    KernelRun kernelRun;
    /** How deep this state's runs nest in others on its CPU: 0 for a CPU's own state. */
    final int level;
    /** The state of runs nested in this one's (map tracers), made on first use. */
    private VmState nested;
    /** A map tracer's context, key and value, remapped for each call (see {@link MapTracers}). */
    Region traceCtx, traceKey, traceValue;
    /** The map values this run got pointers to and whose writes map tracers must see, or null. */
    PointerWrites pointers;

    public VmState(Memory memory) {
        this(memory, 0);
    }

    /** A state for runs on emulated CPU {@code cpu} (what bpf_get_smp_processor_id answers, and the per-CPU map slot). */
    public VmState(Memory memory, int cpu) {
        this(memory, cpu, 0);
    }

    private VmState(Memory memory, int cpu, int level) {
        if (cpu < 0)
            throw new IllegalArgumentException("cpu " + cpu + " must not be negative");
        this.memory = memory;
        this.cpu = cpu;
        this.level = level;
    }

    /**
     * The state for a run nested in this one's, on the same CPU: its own registers and stack
     * frames, made once and reused, so that a map tracer does not clobber the program whose
     * update fired it. Faults beyond {@link #MAX_NESTING} levels.
     */
    VmState nested() {
        VmState n = nested;
        if (n == null) {
            if (level + 1 >= MAX_NESTING)
                throw new VmFault(VmFault.Kind.CALL_DEPTH, slot, "map tracers nest deeper than " + MAX_NESTING
                        + " runs (a tracer fired a tracer ... " + MAX_NESTING + " times)");
            n = nested = new VmState(memory, cpu, level + 1);
            n.seedRandom(nextRandom());
        }
        return n;
    }

    /** Called when a run on this state exited normally: reports the writes through map value pointers. */
    void exited() {
        PointerWrites p = pointers;
        if (p != null && p.pending())
            p.flush(this);
    }

    /** Called when a run on this state ended in a fault: its pointers are forgotten, not reported. */
    void abandoned() {
        PointerWrites p = pointers;
        if (p != null)
            p.clear();
    }

    /** The state of this CPU's bpf_get_prandom_u32 sequence (splitmix64). */
    private long random;
    /** The address of the bpf_spin_lock this run holds, or 0: the kernel allows one at a time. */
    private long heldLock;

    /** Starts this CPU's random sequence over from {@code seed}. */
    void seedRandom(long seed) {
        random = seed;
    }

    /** The next 64 random bits of this CPU's sequence. */
    long nextRandom() {
        long z = random += 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** bpf_spin_lock: spins until the 4-byte lock word at {@code address} goes from 0 to 1. */
    void lock(long address) {
        if (heldLock != 0)
            throw new VmFault(VmFault.Kind.HELPER_ARGUMENT, slot, String.format(
                    "bpf_spin_lock at 0x%x while holding the lock at 0x%x (one lock at a time)", address, heldLock));
        while (memory.compareAndExchange(address, 4, 0, 1, slot, -1, 0) != 0)
            Thread.onSpinWait();
        heldLock = address;
    }

    /** bpf_spin_unlock of the lock this run holds. */
    void unlock(long address) {
        if (heldLock != address)
            throw new VmFault(VmFault.Kind.HELPER_ARGUMENT, slot, String.format(
                    "bpf_spin_unlock at 0x%x, but the lock held is %s", address, heldLock == 0 ? "none" : String.format("0x%x", heldLock)));
        memory.atomic(Memory.AtomicOp.XCHG, address, 4, 0, slot, -1, 0); // a release, as spin_unlock
        heldLock = 0;
    }

    /** Releases a lock the run still holds when it ends; returns its address, or 0. */
    long releaseHeldLock() {
        long held = heldLock;
        if (held != 0) {
            heldLock = 0;
            memory.atomic(Memory.AtomicOp.XCHG, held, 4, 0, -1, -1, 0);
        }
        return held;
    }

    /** The emulated CPU this state runs on. */
    public int cpu() {
        return cpu;
    }

    public Memory memory() {
        return memory;
    }

    /** Register {@code i}, 0-10. */
    public long register(int i) {
        return regs[i];
    }

    /** Sets register {@code i}, 0-10, before a run (r10 is set by the run itself). */
    public void setRegister(int i, long value) {
        regs[i] = value;
    }

    /** The packet that ld_abs/ld_ind read, or null (then every such load ends the run with 0). */
    public Region packet() {
        return packet;
    }

    public void setPacket(Region packet) {
        this.packet = packet;
    }

    /** The stack frame region of call depth {@code depth} (0 = the outermost), mapped on first use. */
    public Region frame(int depth) {
        Region f = frames[depth];
        if (f == null)
            f = frames[depth] = memory.map("stack#" + depth, new byte[STACK_SIZE], true);
        return f;
    }

    /** Ends the program as soon as the current helper returns, with r0 = {@code r0}. */
    public void stop(long r0) {
        stopped = true;
        stopValue = r0;
    }

    /** {@code n} bytes of the run's memory at {@code address} for a helper, or the fault a load there raises. */
    byte[] read(long address, int n) {
        return memory.read(address, n, slot);
    }

    /** Stores {@code bytes} at {@code address} for a helper, or raises the fault a store there raises. */
    void write(long address, byte[] bytes) {
        memory.write(address, bytes, slot);
    }

    /** The slot of the instruction that called the running helper, or -1. */
    public int slot() {
        return slot;
    }

    /** The fault a {@link Helpers} implementation throws for an id it does not know. */
    public static VmFault unknownHelper(int id, VmState state) {
        return new VmFault(VmFault.Kind.UNKNOWN_HELPER, state == null ? -1 : state.slot,
                "call of unknown helper #" + id);
    }
}
