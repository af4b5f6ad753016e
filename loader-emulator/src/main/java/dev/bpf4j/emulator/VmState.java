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

    final long[] regs = new long[11];
    private final Memory memory;
    private final Region[] frames = new Region[MAX_FRAMES];
    private Region packet;
    boolean stopped;
    long stopValue;
    /** The slot of the running call instruction; written only before helper calls. */
    int slot = -1;

    public VmState(Memory memory) {
        this.memory = memory;
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
