package dev.bpf4j.emulator;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.InstructionList;
import dev.bpf4j.asm.Instructions;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.asm.Reference;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The BPF interpreter: the whole RFC 9669 instruction set with the v4 additions (sdiv,
 * smod, movsx, sign-extending loads, bswap, gotol), atomics, ld_imm64, local calls,
 * helper calls and callx, and the legacy packet loads ld_abs/ld_ind.
 *
 * <p>The program is decoded once, here, into one 64-bit word per slot (operation,
 * registers, offset and immediate: one array load per executed instruction); encodings the
 * VM does not execute (bad opcodes, registers, offsets, immediates) become a marker that
 * faults if, and only if, it is reached, as does a jump whose target lies outside the
 * program. A run allocates nothing per instruction.
 *
 * <p>Every run has an instruction budget, so no program runs forever; local calls get a
 * fresh 512-byte stack frame, preserve r6-r9 and r10, and nest at most
 * {@value VmState#MAX_FRAMES} frames deep. Everything a program must not do ends the run
 * with a {@link VmFault}.
 *
 * <pre>{@code
 * var program = Instructions.decode(bytes, ByteOrder.LITTLE_ENDIAN);
 * var vm = new Vm(program, Helpers.NONE);
 * long r0 = vm.run(new byte[] {1, 2, 3});     // r1 = pointer to a copy, r2 = 3
 * }</pre>
 *
 * <p>A {@code Vm} is immutable and may run on several threads, each with its own {@link VmState}.
 */
public final class Vm {
    /** Instructions a run may execute unless the constructor says otherwise. */
    public static final long DEFAULT_BUDGET = 1_000_000;
    /**
     * What an ld_imm64 of a function's address (src 4, BPF_PSEUDO_FUNC) loads: this base plus
     * 8 times the function's slot. It lies below the first region, so the "pointer" cannot be
     * dereferenced, only handed to a helper that calls back (bpf_loop, bpf_for_each_map_elem).
     */
    public static final long FUNCTION_BASE = 0xf00_0000_0000L;

    // Internal operations beyond the opcode byte (variants selected by offset or src, and
    // markers) take opcode values no valid instruction has: the LD class with modes MEM,
    // MEMSX, 0xa0 and ATOMIC, which check() rejects. So the operation fits in the low byte
    // of a slot's word, and the run loop's switch is a dense table over 0-255.
    private static final int SDIV64_K = 0x60, SDIV64_X = 0x68, SMOD64_K = 0x70, SMOD64_X = 0x78;
    private static final int SDIV32_K = 0x80, SDIV32_X = 0x88, SMOD32_K = 0x90, SMOD32_X = 0x98;
    private static final int MOVSX64 = 0xa0, MOVSX32 = 0xa8, LOCAL_CALL = 0xb0;
    private static final int MID_LDDW = 0xb8, FELL_OFF = 0xc0, INVALID = 0xc8, CORE_POISON = 0xd8;
    /** A jump or local call whose target lies outside the program: faults if, and only if, taken. */
    private static final int JUMP_OUT = 0xd0;
    private static final long M32 = 0xffffffffL;
    /** Registers as the run loop holds them: a power of two, so a 4-bit register field needs no bounds check. */
    private static final int REGISTERS = 16;

    private final int slots;
    /** The internal operation of each slot; for {@link #JUMP_OUT} slots the jump's own operation. */
    private final int[] op;
    /**
     * The run loop's view of a slot, one load per instruction: bits 0-7 the operation (what
     * {@link #op} holds, or {@link #JUMP_OUT}), 8-11 src, 12-15 dst, 16-31 the offset,
     * 32-63 the immediate (each signed field one arithmetic shift away). A taken jump adds
     * its offset (imm for gotol and local calls) to the slot after it: targets outside the
     * program were made {@link #JUMP_OUT} here, so every target reached lies inside.
     */
    private final long[] code;
    /** The whole (resolved) 64-bit constant of each ld_imm64 slot. */
    private final long[] wide;
    /** Why a slot is {@link #INVALID} or {@link #CORE_POISON}; null for valid ones. */
    private final String[] invalid;
    /**
     * The instructions from a slot up to and including the next jump, call or exit: what
     * entering the slot's straight-line run costs the budget. Charging whole runs where
     * control arrives, instead of every instruction, keeps the count exact at each jump
     * while the loop pays for it only at jumps.
     */
    private final int[] cost;
    private final Helpers helpers;
    private final long budget;
    private final boolean big;

    /** A VM without helpers and with the default budget, in the list's byte order (little-endian for plain lists). */
    public Vm(List<Instruction> program) {
        this(program, Helpers.NONE);
    }

    /** A VM with {@code helpers} and the default budget. */
    public Vm(List<Instruction> program, Helpers helpers) {
        this(program, program instanceof InstructionList ? ((InstructionList) program).byteOrder() : ByteOrder.LITTLE_ENDIAN,
                helpers, ConstantResolver.AS_WRITTEN, DEFAULT_BUDGET);
    }

    /**
     * @param program  the instructions; an ld_imm64 takes two slots, as in the kernel
     * @param order    the byte order of the program's memory: decides what {@code le}/{@code be} swap
     * @param helpers  what {@code call} and {@code callx} reach
     * @param resolver the values of ld_imm64 with a pseudo source (src 1-6)
     * @param budget   instructions one run may execute, at least 1
     */
    public Vm(List<Instruction> program, ByteOrder order, Helpers helpers, ConstantResolver resolver, long budget) {
        if (budget < 1)
            throw new IllegalArgumentException("budget " + budget + " must be at least 1");
        this.helpers = helpers;
        this.budget = budget;
        this.big = order == ByteOrder.BIG_ENDIAN;
        int n = Instructions.slotCount(program);
        this.slots = n;
        // One extra slot past the end holds the fall-off marker, so sequential execution needs no bounds check.
        op = new int[n + 1];
        code = new long[n + 1];
        wide = new long[n + 1];
        invalid = new String[n + 1];
        boolean[] control = new boolean[n + 1];
        int slot = 0;
        for (Instruction insn : program) {
            control[slot] = insn.isJump() || insn.isCall() || insn.isCallx() || insn.isExit() || insn.isLocalCall();
            if (insn.isLoadImm64())
                wide[slot] = insn.src() == Opcodes.PSEUDO_FUNC ? functionAddress(slot, insn.imm(), n)
                        : (insn.src() != 0 && insn.src() <= 6) || insn.reference() != null ? resolver.resolve(insn)
                        : insn.constant();
            String poison = corePoison(insn);
            String why = poison != null ? poison : check(insn);
            op[slot] = poison != null ? CORE_POISON : why != null ? INVALID : internal(insn);
            invalid[slot] = why;
            int operation = op[slot];
            if (why == null && (insn.isJump() || insn.isLocalCall())) {
                long t = (long) slot + 1 + (insn.opcode() == Opcodes.JA32_INSN || insn.isLocalCall() ? insn.imm() : insn.offset());
                if (t < 0 || t >= n)
                    operation = JUMP_OUT;
            }
            code[slot] = operation | (insn.src() & 0xfL) << 8 | (insn.dst() & 0xfL) << 12
                    | (insn.offset() & 0xffffL) << 16 | (long) insn.imm() << 32;
            if (insn.isLoadImm64()) {
                op[++slot] = MID_LDDW;
                code[slot] = MID_LDDW;
            }
            slot++;
        }
        op[n] = FELL_OFF;
        code[n] = FELL_OFF;
        cost = new int[n + 1];
        cost[n] = 1;
        for (int k = n - 1; k >= 0; k--)
            cost[k] = op[k] == MID_LDDW || control[k] ? 1 : 1 + cost[op[k + 1] == MID_LDDW ? k + 2 : k + 1];
    }

    /** The address an ld_imm64 with src 4 at {@code slot} loads; an entry outside the program gets an address no callback accepts. */
    private static long functionAddress(int slot, int relative, int slots) {
        long t = (long) slot + 1 + relative;
        return t >= 0 && t < slots ? FUNCTION_BASE + 8 * t : FUNCTION_BASE - 8;
    }

    /** Decodes {@code code} (raw 8-byte slots in {@code order}) and builds a VM with the default budget. */
    public static Vm decode(byte[] code, ByteOrder order, Helpers helpers) {
        return new Vm(Instructions.decode(code, order), order, helpers, ConstantResolver.AS_WRITTEN, DEFAULT_BUDGET);
    }

    /** Slots in the program. */
    public int slotCount() {
        return slots;
    }

    /**
     * Runs the program the way conformance runners do: r1 points at a writable copy of
     * {@code memory} (or is 0 when it is empty), r2 holds its length.
     */
    public long run(byte[] memory) {
        var mem = new Memory(big ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        var state = new VmState(mem);
        if (memory.length > 0)
            state.setRegister(1, mem.map("memory", memory.clone(), true).base());
        state.setRegister(2, memory.length);
        return run(state);
    }

    /**
     * Runs the program from slot 0 on {@code s}, whose r1-r5 hold the arguments, and
     * returns r0 at the outermost exit. r10 is set to the top of frame 0. A helper may end
     * the run early ({@link VmState#stop}) or continue it in another program (a tail call):
     * that program then starts from its slot 0 with the same r1, on the same stack.
     *
     * @throws VmFault when the program breaks a rule of the emulator kernel
     */
    public long run(VmState s) {
        s.tailCall = null;
        s.tailCalls = 0;
        s.runBudget = budget;
        s.budgetLeft = budget; // one budget for the whole run: tail calls and callbacks included
        Vm vm = this;
        boolean done = false;
        long r0;
        try {
            for (;;) {
                r0 = vm.execute(s, 0, 0);
                Vm next = s.tailCall;
                if (next == null) {
                    done = true;
                    break;
                }
                s.tailCall = null;
                vm = next;
            }
        } finally {
            // The kernel's verifier proves every path unlocks; the emulator releases what a
            // faulting run left locked, and faults a run that exits holding a lock.
            long held = s.releaseHeldLock();
            if (!done || held != 0)
                s.abandoned();
            if (held != 0 && done)
                throw new VmFault(VmFault.Kind.HELPER_ARGUMENT, -1, String.format("the program exited holding the bpf_spin_lock at 0x%x", held));
        }
        s.exited(); // map tracing: writes through lookup pointers are reported when the program exits
        return r0;
    }

    /**
     * Calls the function that {@code address} (an ld_imm64 src 4 value of this program)
     * names, with r1-r5 = {@code args}, one frame deeper than the calling helper, and
     * returns its r0: what bpf_loop and bpf_for_each_map_elem do with their callbacks. The
     * caller's registers r6-r10 are preserved.
     */
    long callback(VmState s, long address, long a1, long a2, long a3, long a4, long a5) {
        long rel = address - FUNCTION_BASE;
        if (rel < 0 || (rel & 7) != 0 || rel / 8 >= slots || op[(int) (rel / 8)] == MID_LDDW)
            throw new VmFault(VmFault.Kind.HELPER_ARGUMENT, s.slot, String.format(
                    "callback 0x%x is not a function of this program (an ld_imm64 src 4 address)", address));
        int depth = s.depth + 1;
        if (depth >= VmState.MAX_FRAMES)
            throw new VmFault(VmFault.Kind.CALL_DEPTH, s.slot, "callback: call depth exceeds " + VmState.MAX_FRAMES + " frames");
        long[] r = s.regs;
        long r6 = r[6], r7 = r[7], r8 = r[8], r9 = r[9], r10 = r[10];
        int slot = s.slot;
        r[1] = a1; r[2] = a2; r[3] = a3; r[4] = a4; r[5] = a5;
        long r0 = execute(s, (int) (rel / 8), depth);
        r[6] = r6; r[7] = r7; r[8] = r8; r[9] = r9; r[10] = r10;
        s.slot = slot;
        s.depth = depth - 1;
        return r0;
    }

    /**
     * The interpreter loop, from slot {@code start} in frame {@code base}; returns at that
     * frame's exit. The registers live in a local array while the loop runs (its length
     * known to the JIT, so register fields need no bounds checks); {@link VmState#regs}
     * holds them whenever control leaves the loop: around helper calls, at the return, and
     * when a fault ends the run.
     */
    private long execute(VmState s, int start, int base) {
        final long[] code = this.code;
        final int[] cost = this.cost;
        final Memory mem = s.memory();
        final long[] r = new long[REGISTERS];
        System.arraycopy(s.regs, 0, r, 0, VmState.REGISTERS);
        int depth = base;
        long left = s.budgetLeft;
        s.stopped = false;
        s.vm = this;
        r[10] = s.frame(base).end();
        int pc = start;
        try {
            if ((left -= cost[pc]) < 0)
                throw exhausted(pc, s);
            for (;;) {
                final int i = pc++;
                final long w = code[i];
                final int d = (int) w >>> 12 & 0xf;
                final int x = (int) w >>> 8 & 0xf;
                switch ((int) w & 0xff) {
                    // ---- ALU64
                    case 0x07: r[d] += w >> 32; break;
                    case 0x0f: r[d] += r[x]; break;
                    case 0x17: r[d] -= w >> 32; break;
                    case 0x1f: r[d] -= r[x]; break;
                    case 0x27: r[d] *= w >> 32; break;
                    case 0x2f: r[d] *= r[x]; break;
                    case 0x37: r[d] = divu64(r[d], w >> 32); break;
                    case 0x3f: r[d] = divu64(r[d], r[x]); break;
                    case 0x47: r[d] |= w >> 32; break;
                    case 0x4f: r[d] |= r[x]; break;
                    case 0x57: r[d] &= w >> 32; break;
                    case 0x5f: r[d] &= r[x]; break;
                    case 0x67: r[d] <<= w >> 32; break;
                    case 0x6f: r[d] <<= r[x]; break;
                    case 0x77: r[d] >>>= w >> 32; break;
                    case 0x7f: r[d] >>>= r[x]; break;
                    case 0x87: r[d] = -r[d]; break;
                    case 0x97: r[d] = modu64(r[d], w >> 32); break;
                    case 0x9f: r[d] = modu64(r[d], r[x]); break;
                    case 0xa7: r[d] ^= w >> 32; break;
                    case 0xaf: r[d] ^= r[x]; break;
                    case 0xb7: r[d] = w >> 32; break;
                    case 0xbf: r[d] = r[x]; break;
                    case 0xc7: r[d] >>= w >> 32; break;
                    case 0xcf: r[d] >>= r[x]; break;
                    case 0xd7: r[d] = swap(r[d], (int) (w >> 32)); break;
                    case SDIV64_K: r[d] = sdiv64(r[d], w >> 32); break;
                    case SDIV64_X: r[d] = sdiv64(r[d], r[x]); break;
                    case SMOD64_K: r[d] = smod64(r[d], w >> 32); break;
                    case SMOD64_X: r[d] = smod64(r[d], r[x]); break;
                    case MOVSX64: r[d] = movsx(r[x], offset(w)); break;
                    // ---- ALU: the low 32 bits of add, sub, mul and the bitwise operations do not depend on the high ones
                    case 0x04: r[d] = (r[d] + (w >> 32)) & M32; break;
                    case 0x0c: r[d] = (r[d] + r[x]) & M32; break;
                    case 0x14: r[d] = (r[d] - (w >> 32)) & M32; break;
                    case 0x1c: r[d] = (r[d] - r[x]) & M32; break;
                    case 0x24: r[d] = (r[d] * (w >> 32)) & M32; break;
                    case 0x2c: r[d] = (r[d] * r[x]) & M32; break;
                    case 0x34: r[d] = divu32(r[d], w >> 32); break;
                    case 0x3c: r[d] = divu32(r[d], r[x]); break;
                    case 0x44: r[d] = (r[d] | (w >> 32)) & M32; break;
                    case 0x4c: r[d] = (r[d] | r[x]) & M32; break;
                    case 0x54: r[d] = (r[d] & (w >> 32)) & M32; break;
                    case 0x5c: r[d] = (r[d] & r[x]) & M32; break;
                    case 0x64: r[d] = ((int) r[d] << (w >> 32)) & M32; break;
                    case 0x6c: r[d] = ((int) r[d] << r[x]) & M32; break;
                    case 0x74: r[d] = ((int) r[d] >>> (w >> 32)) & M32; break;
                    case 0x7c: r[d] = ((int) r[d] >>> r[x]) & M32; break;
                    case 0x84: r[d] = -r[d] & M32; break;
                    case 0x94: r[d] = modu32(r[d], w >> 32); break;
                    case 0x9c: r[d] = modu32(r[d], r[x]); break;
                    case 0xa4: r[d] = (r[d] ^ (w >> 32)) & M32; break;
                    case 0xac: r[d] = (r[d] ^ r[x]) & M32; break;
                    case 0xb4: r[d] = (w >> 32) & M32; break;
                    case 0xbc: r[d] = r[x] & M32; break;
                    case 0xc4: r[d] = ((int) r[d] >> (w >> 32)) & M32; break;
                    case 0xcc: r[d] = ((int) r[d] >> r[x]) & M32; break;
                    case 0xd4: r[d] = big ? swap(r[d], (int) (w >> 32)) : truncate(r[d], (int) (w >> 32)); break;
                    case 0xdc: r[d] = big ? truncate(r[d], (int) (w >> 32)) : swap(r[d], (int) (w >> 32)); break;
                    case SDIV32_K: r[d] = sdiv32(r[d], w >> 32); break;
                    case SDIV32_X: r[d] = sdiv32(r[d], r[x]); break;
                    case SMOD32_K: r[d] = smod32(r[d], w >> 32); break;
                    case SMOD32_X: r[d] = smod32(r[d], r[x]); break;
                    case MOVSX32: r[d] = movsx(r[x], offset(w)) & M32; break;
                    // ---- JMP: a taken jump moves pc by the offset from the next slot
                    case 0x05: pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x15: if (r[d] == w >> 32) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x1d: if (r[d] == r[x]) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x25: if (Long.compareUnsigned(r[d], w >> 32) > 0) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x2d: if (Long.compareUnsigned(r[d], r[x]) > 0) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x35: if (Long.compareUnsigned(r[d], w >> 32) >= 0) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x3d: if (Long.compareUnsigned(r[d], r[x]) >= 0) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x45: if ((r[d] & w >> 32) != 0) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x4d: if ((r[d] & r[x]) != 0) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x55: if (r[d] != w >> 32) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x5d: if (r[d] != r[x]) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x65: if (r[d] > w >> 32) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x6d: if (r[d] > r[x]) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x75: if (r[d] >= w >> 32) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x7d: if (r[d] >= r[x]) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0xa5: if (Long.compareUnsigned(r[d], w >> 32) < 0) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0xad: if (Long.compareUnsigned(r[d], r[x]) < 0) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0xb5: if (Long.compareUnsigned(r[d], w >> 32) <= 0) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0xbd: if (Long.compareUnsigned(r[d], r[x]) <= 0) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0xc5: if (r[d] < w >> 32) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0xcd: if (r[d] < r[x]) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0xd5: if (r[d] <= w >> 32) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0xdd: if (r[d] <= r[x]) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    // ---- JMP32; gotol (0x06) keeps its offset in imm
                    case 0x06: pc += (int) (w >> 32); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x16: if ((int) r[d] == (int) (w >> 32)) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x1e: if ((int) r[d] == (int) r[x]) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x26: if (Integer.compareUnsigned((int) r[d], (int) (w >> 32)) > 0) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x2e: if (Integer.compareUnsigned((int) r[d], (int) r[x]) > 0) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x36: if (Integer.compareUnsigned((int) r[d], (int) (w >> 32)) >= 0) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x3e: if (Integer.compareUnsigned((int) r[d], (int) r[x]) >= 0) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x46: if (((int) r[d] & (int) (w >> 32)) != 0) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x4e: if (((int) r[d] & (int) r[x]) != 0) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x56: if ((int) r[d] != (int) (w >> 32)) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x5e: if ((int) r[d] != (int) r[x]) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x66: if ((int) r[d] > (int) (w >> 32)) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x6e: if ((int) r[d] > (int) r[x]) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x76: if ((int) r[d] >= (int) (w >> 32)) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0x7e: if ((int) r[d] >= (int) r[x]) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0xa6: if (Integer.compareUnsigned((int) r[d], (int) (w >> 32)) < 0) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0xae: if (Integer.compareUnsigned((int) r[d], (int) r[x]) < 0) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0xb6: if (Integer.compareUnsigned((int) r[d], (int) (w >> 32)) <= 0) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0xbe: if (Integer.compareUnsigned((int) r[d], (int) r[x]) <= 0) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0xc6: if ((int) r[d] < (int) (w >> 32)) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0xce: if ((int) r[d] < (int) r[x]) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0xd6: if ((int) r[d] <= (int) (w >> 32)) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case 0xde: if ((int) r[d] <= (int) r[x]) pc += offset(w); if ((left -= cost[pc]) < 0) throw exhausted(i, s); break;
                    case JUMP_OUT:
                        // Taken, it faults; not taken, the run goes on with the next slot.
                        if (op[i] == LOCAL_CALL && depth + 1 >= VmState.MAX_FRAMES)
                            throw new VmFault(VmFault.Kind.CALL_DEPTH, i, "call depth exceeds " + VmState.MAX_FRAMES + " frames");
                        if (taken(op[i], r[d], (op[i] & Opcodes.X) != 0 ? r[x] : w >> 32))
                            throw jumpOutside(i, w);
                        if ((left -= cost[pc]) < 0)
                            throw exhausted(i, s);
                        break;
                    // ---- calls and exit
                    case 0x85:
                    case 0x8d: {
                        s.slot = i;
                        s.depth = depth;
                        s.budgetLeft = left;
                        System.arraycopy(r, 0, s.regs, 0, VmState.REGISTERS);
                        long v = helpers.call(((int) w & 0xff) == 0x85 ? (int) (w >> 32) : (int) r[d], r[1], r[2], r[3], r[4], r[5], s);
                        // A helper that called back into the program left its registers in regs, as the kernel's r1-r5 are clobbered.
                        System.arraycopy(s.regs, 0, r, 0, VmState.REGISTERS);
                        r[0] = v;
                        left = s.budgetLeft;
                        if (s.stopped) {
                            s.regs[0] = v;
                            return s.stopValue;
                        }
                        if ((left -= cost[pc]) < 0)
                            throw exhausted(i, s);
                        break;
                    }
                    case LOCAL_CALL:
                        if (depth + 1 >= VmState.MAX_FRAMES)
                            throw new VmFault(VmFault.Kind.CALL_DEPTH, i, "call depth exceeds " + VmState.MAX_FRAMES + " frames");
                        s.returnTo[depth] = pc;
                        System.arraycopy(r, 6, s.saved, depth * 5, 5);
                        pc += (int) (w >> 32);
                        depth++;
                        r[10] = s.frame(depth).end();
                        if ((left -= cost[pc]) < 0)
                            throw exhausted(i, s);
                        break;
                    case 0x95:
                        if (depth == base) {
                            s.budgetLeft = left;
                            System.arraycopy(r, 0, s.regs, 0, VmState.REGISTERS);
                            return r[0];
                        }
                        depth--;
                        System.arraycopy(s.saved, depth * 5, r, 6, 5);
                        pc = s.returnTo[depth];
                        if ((left -= cost[pc]) < 0)
                            throw exhausted(i, s);
                        break;
                    // ---- loads and stores: the address is a register plus the offset
                    case 0x18: r[d] = wide[i]; pc++; break;
                    case 0x61: r[d] = mem.load4(r[x] + offset(w), i, x, offset(w)); break;
                    case 0x69: r[d] = mem.load2(r[x] + offset(w), i, x, offset(w)); break;
                    case 0x71: r[d] = mem.load1(r[x] + offset(w), i, x, offset(w)); break;
                    case 0x79: r[d] = mem.load8(r[x] + offset(w), i, x, offset(w)); break;
                    case 0x81: r[d] = (int) mem.load4(r[x] + offset(w), i, x, offset(w)); break;
                    case 0x89: r[d] = (short) mem.load2(r[x] + offset(w), i, x, offset(w)); break;
                    case 0x91: r[d] = (byte) mem.load1(r[x] + offset(w), i, x, offset(w)); break;
                    case 0x62: mem.store4(r[d] + offset(w), w >> 32, i, d, offset(w)); break;
                    case 0x6a: mem.store2(r[d] + offset(w), w >> 32, i, d, offset(w)); break;
                    case 0x72: mem.store1(r[d] + offset(w), w >> 32, i, d, offset(w)); break;
                    case 0x7a: mem.store8(r[d] + offset(w), w >> 32, i, d, offset(w)); break;
                    case 0x63: mem.store4(r[d] + offset(w), r[x], i, d, offset(w)); break;
                    case 0x6b: mem.store2(r[d] + offset(w), r[x], i, d, offset(w)); break;
                    case 0x73: mem.store1(r[d] + offset(w), r[x], i, d, offset(w)); break;
                    case 0x7b: mem.store8(r[d] + offset(w), r[x], i, d, offset(w)); break;
                    case 0xc3: atomic(i, w, 4, r, mem); break;
                    case 0xdb: atomic(i, w, 8, r, mem); break;
                    case 0xcb: atomic(i, w, 2, r, mem); break;
                    case 0xd3: atomic(i, w, 1, r, mem); break;
                    // ---- legacy packet loads: outside the packet, the program ends with r0 = 0
                    case 0x20: { long v = legacyLoad(s, w >> 32, 4); if (v < 0) return packetMiss(r, s); r[0] = v; break; }
                    case 0x28: { long v = legacyLoad(s, w >> 32, 2); if (v < 0) return packetMiss(r, s); r[0] = v; break; }
                    case 0x30: { long v = legacyLoad(s, w >> 32, 1); if (v < 0) return packetMiss(r, s); r[0] = v; break; }
                    case 0x40: { long v = legacyLoad(s, (int) r[x] + (w >> 32), 4); if (v < 0) return packetMiss(r, s); r[0] = v; break; }
                    case 0x48: { long v = legacyLoad(s, (int) r[x] + (w >> 32), 2); if (v < 0) return packetMiss(r, s); r[0] = v; break; }
                    case 0x50: { long v = legacyLoad(s, (int) r[x] + (w >> 32), 1); if (v < 0) return packetMiss(r, s); r[0] = v; break; }
                    // ---- markers
                    case MID_LDDW:
                        throw new VmFault(VmFault.Kind.BAD_JUMP, i, "jumped into the second half of the ld_imm64 at slot " + (i - 1));
                    case FELL_OFF:
                        throw new VmFault(VmFault.Kind.FELL_OFF, i - 1, "execution ran past the last instruction (no exit)");
                    case CORE_POISON:
                        throw new VmFault(VmFault.Kind.CORE_POISON, i, invalid[i]);
                    default:
                        throw new VmFault(VmFault.Kind.INVALID_INSTRUCTION, i, invalid[i]);
                }
            }
        } catch (VmFault f) {
            System.arraycopy(r, 0, s.regs, 0, VmState.REGISTERS);
            throw f;
        }
    }

    /** The signed 16-bit offset of a slot's word. */
    private static int offset(long w) {
        return (int) w >> 16;
    }

    /** The budget ran out: the run would go past it in the straight-line run control reaches after slot {@code i}. */
    private static VmFault exhausted(int i, VmState s) {
        return new VmFault(VmFault.Kind.BUDGET, i, "budget of " + s.runBudget + " instructions exhausted");
    }

    /** The fault of a taken {@link #JUMP_OUT} slot (word {@code w}). */
    private VmFault jumpOutside(int i, long w) {
        int o = op[i];
        long to = (long) i + 1 + (o == 0x06 || o == LOCAL_CALL ? (int) (w >> 32) : offset(w));
        return new VmFault(VmFault.Kind.BAD_JUMP, i,
                String.format("%s to slot %d is outside the program (slots 0-%d)", o == LOCAL_CALL ? "call" : "jump", to, slots - 1));
    }

    /**
     * Whether the jump {@code o} (a JMP or JMP32 opcode, or a local call) with operands
     * {@code a} and {@code b} is taken. Only for {@link #JUMP_OUT} slots: the run loop has its
     * own copy of every condition. JMP32 compares the low halves; comparing them
     * sign-extended to 64 bits orders them as they order, signed and unsigned.
     */
    private static boolean taken(int o, long a, long b) {
        if (o == LOCAL_CALL)
            return true;
        if (Opcodes.instructionClass(o) == Opcodes.JMP32) {
            a = (int) a;
            b = (int) b;
        }
        switch (Opcodes.operation(o)) {
            case Opcodes.JA: return true;
            case Opcodes.JEQ: return a == b;
            case Opcodes.JGT: return Long.compareUnsigned(a, b) > 0;
            case Opcodes.JGE: return Long.compareUnsigned(a, b) >= 0;
            case Opcodes.JSET: return (a & b) != 0;
            case Opcodes.JNE: return a != b;
            case Opcodes.JSGT: return a > b;
            case Opcodes.JSGE: return a >= b;
            case Opcodes.JLT: return Long.compareUnsigned(a, b) < 0;
            case Opcodes.JLE: return Long.compareUnsigned(a, b) <= 0;
            case Opcodes.JSLT: return a < b;
            default: return a <= b; // JSLE: check() allowed no other jump
        }
    }

    /** An ld_abs/ld_ind outside the packet ends the program with r0 = 0. */
    private static long packetMiss(long[] r, VmState s) {
        System.arraycopy(r, 0, s.regs, 0, VmState.REGISTERS);
        return 0;
    }

    // Java's long division does not trap on LONG_MIN / -1 (it gives LONG_MIN, as the kernel),
    // and LONG_MIN % -1 is 0, as the kernel; so only division by zero needs a rule.
    private static long sdiv64(long a, long b) {
        return b == 0 ? 0 : a / b;
    }

    private static long smod64(long a, long b) {
        return b == 0 ? a : a % b;
    }

    /** movsx: the low {@code bits} (8, 16 or 32) bits of {@code v}, sign-extended. */
    private static long movsx(long v, int bits) {
        return bits == 8 ? (byte) v : bits == 16 ? (short) v : (int) v;
    }

    private static long divu64(long a, long b) {
        return b == 0 ? 0 : Long.divideUnsigned(a, b);
    }

    /** RFC 9669: modulo by zero leaves dst unchanged. */
    private static long modu64(long a, long b) {
        return b == 0 ? a : Long.remainderUnsigned(a, b);
    }

    private static long divu32(long a, long b) {
        return (int) b == 0 ? 0 : Integer.divideUnsigned((int) a, (int) b) & M32;
    }

    /** RFC 9669: modulo by zero keeps dst, and the 32-bit class zeroes its upper half. */
    private static long modu32(long a, long b) {
        return (int) b == 0 ? a & M32 : Integer.remainderUnsigned((int) a, (int) b) & M32;
    }

    // Java's int division does not trap on INT_MIN / -1 (it gives INT_MIN, as the kernel), and
    // INT_MIN % -1 is 0, as the kernel; so only division by zero needs a rule.
    private static long sdiv32(long a, long b) {
        return (int) b == 0 ? 0 : ((int) a / (int) b) & M32;
    }

    private static long smod32(long a, long b) {
        return (int) b == 0 ? a & M32 : ((int) a % (int) b) & M32;
    }

    /** Byte swap of the low {@code bits} bits, the rest zeroed. */
    private static long swap(long v, int bits) {
        return bits == 16 ? Short.reverseBytes((short) v) & 0xffffL
                : bits == 32 ? Integer.reverseBytes((int) v) & M32
                : Long.reverseBytes(v);
    }

    /** The conversion that matches the memory's order: no swap, only truncation to {@code bits}. */
    private static long truncate(long v, int bits) {
        return bits == 16 ? v & 0xffffL : bits == 32 ? v & M32 : v;
    }

    /** The read-modify-write operations of STX|ATOMIC (word {@code w}), atomic against other CPUs' runs. */
    private static void atomic(int i, long w, int size, long[] r, Memory mem) {
        int d = (int) w >>> 12 & 0xf;
        int x = (int) w >>> 8 & 0xf;
        int o = offset(w);
        int kind = (int) (w >> 32);
        if (kind == Opcodes.LOAD_ACQ) {
            r[d] = mem.load(r[x] + o, size, i, x, o);
            return;
        }
        long address = r[d] + o;
        if (kind == Opcodes.STORE_REL) {
            mem.store(address, size, r[x], i, d, o);
            return;
        }
        if (kind == Opcodes.CMPXCHG) {
            long mask = size == 8 ? -1L : M32;
            r[0] = mem.compareAndExchange(address, size, r[0] & mask, r[x] & mask, i, d, o);
            return;
        }
        Memory.AtomicOp operation = switch (kind & ~Opcodes.FETCH) {
            case Opcodes.ADD -> Memory.AtomicOp.ADD;
            case Opcodes.OR -> Memory.AtomicOp.OR;
            case Opcodes.AND -> Memory.AtomicOp.AND;
            case Opcodes.XOR -> Memory.AtomicOp.XOR;
            default -> Memory.AtomicOp.XCHG; // XCHG: check() allowed nothing else
        };
        long old = mem.atomic(operation, address, size, r[x], i, d, o);
        if ((kind & Opcodes.FETCH) != 0)
            r[x] = old;
    }

    /**
     * ld_abs/ld_ind: the big-endian value at {@code offset} in the packet, or -1 when the
     * offset lies outside it (then, like the kernel, the program ends with r0 = 0).
     */
    private static long legacyLoad(VmState s, long offset, int size) {
        Region p = s.packet();
        if (p == null || offset < 0 || offset > p.size() - size)
            return -1;
        byte[] b = p.bytes();
        long v = 0;
        for (int k = 0; k < size; k++)
            v = v << 8 | (b[(int) offset + k] & 0xff);
        return v;
    }

    // ---- decoding

    /** The operation the run loop switches on, for a valid instruction. */
    private static int internal(Instruction insn) {
        int code = insn.opcode();
        int op = Opcodes.operation(code);
        boolean x = Opcodes.source(code) == Opcodes.X;
        switch (Opcodes.instructionClass(code)) {
            case Opcodes.ALU64:
                if ((op == Opcodes.DIV || op == Opcodes.MOD) && insn.offset() == 1)
                    return op == Opcodes.DIV ? (x ? SDIV64_X : SDIV64_K) : (x ? SMOD64_X : SMOD64_K);
                if (op == Opcodes.MOV && x && insn.offset() != 0)
                    return MOVSX64;
                return code;
            case Opcodes.ALU:
                if ((op == Opcodes.DIV || op == Opcodes.MOD) && insn.offset() == 1)
                    return op == Opcodes.DIV ? (x ? SDIV32_X : SDIV32_K) : (x ? SMOD32_X : SMOD32_K);
                if (op == Opcodes.MOV && x && insn.offset() != 0)
                    return MOVSX32;
                return code;
            default:
                return insn.isLocalCall() ? LOCAL_CALL : code;
        }
    }

    /** Why the VM will not execute {@code insn}, or null when it will. */
    /**
     * Why a slot is a poisoned CO-RE instruction ({@code call 0xbad2310}, libbpf's stand-in for
     * an instruction whose relocation failed), or null. Like the kernel, which refuses such a
     * call only when it is reachable, the VM accepts it and faults only if a run reaches it,
     * naming the relocation and the reason when the linker recorded them.
     */
    static String corePoison(Instruction insn) {
        if (!insn.isHelperCall() || insn.imm() != Opcodes.CORE_POISON_HELPER)
            return null;
        if (insn.reference() instanceof Reference.CorePoison p)
            return "CO-RE relocation #" + p.relocation() + " failed: " + p.reason();
        return String.format("CO-RE relocation failed (poisoned instruction: call 0x%x)", Opcodes.CORE_POISON_HELPER);
    }

    static String check(Instruction insn) {
        int code = insn.opcode();
        int d = insn.dst();
        int s = insn.src();
        int o = insn.offset();
        int op = Opcodes.operation(code);
        boolean x = Opcodes.source(code) == Opcodes.X;
        String bad = String.format("invalid instruction: opcode 0x%02x", code);
        if (d > 10)
            return String.format("invalid dst register r%d in opcode 0x%02x", d, code);
        switch (Opcodes.instructionClass(code)) {
            case Opcodes.ALU:
            case Opcodes.ALU64: {
                boolean is64 = Opcodes.instructionClass(code) == Opcodes.ALU64;
                if (x && s > 10 && op != Opcodes.END)
                    return String.format("invalid src register r%d in opcode 0x%02x", s, code);
                switch (op) {
                    case 0xe0:
                    case 0xf0:
                        return bad;
                    case Opcodes.NEG:
                        return x ? bad : null;
                    case Opcodes.DIV:
                    case Opcodes.MOD:
                        return o == 0 || o == 1 ? null : bad + String.format(" with offset %d (0 unsigned, 1 signed)", o);
                    case Opcodes.MOV:
                        if (!x)
                            return o == 0 ? null : bad + " with offset " + o;
                        return o == 0 || o == 8 || o == 16 || (is64 && o == 32) ? null
                                : bad + String.format(" with offset %d (movsx takes 8, 16%s)", o, is64 ? " or 32" : "");
                    case Opcodes.END: {
                        if (is64 && x)
                            return bad;
                        int bits = insn.imm();
                        return bits == 16 || bits == 32 || bits == 64 ? null
                                : bad + " with width " + bits + " (byte swaps take 16, 32 or 64)";
                    }
                    default:
                        return null;
                }
            }
            case Opcodes.JMP:
            case Opcodes.JMP32: {
                boolean jmp32 = Opcodes.instructionClass(code) == Opcodes.JMP32;
                if (x && s > 10 && op != Opcodes.CALL)
                    return String.format("invalid src register r%d in opcode 0x%02x", s, code);
                switch (op) {
                    case Opcodes.JA:
                        return x ? bad : null;
                    case Opcodes.CALL:
                        if (jmp32)
                            return bad;
                        if (x || s == 0 || s == Opcodes.PSEUDO_CALL)
                            return null;
                        return s == Opcodes.PSEUDO_KFUNC_CALL ? "kfunc calls are not supported by the emulator"
                                : bad + " with src " + s;
                    case Opcodes.EXIT:
                        return jmp32 || x ? bad : null;
                    case Opcodes.JCOND:
                    case 0xf0:
                        return jmp32 || x ? bad : "may_goto is not supported by the emulator";
                    default:
                        return null;
                }
            }
            case Opcodes.LD:
                if (code == Opcodes.LD_IMM64)
                    return s <= 6 ? null : bad + " (ld_imm64) with unknown pseudo source " + s;
                if ((Opcodes.mode(code) == Opcodes.ABS || Opcodes.mode(code) == Opcodes.IND) && Opcodes.size(code) != Opcodes.DW)
                    return Opcodes.mode(code) == Opcodes.IND && s > 10
                            ? String.format("invalid src register r%d in opcode 0x%02x", s, code) : null;
                return bad;
            case Opcodes.LDX:
                if (s > 10)
                    return String.format("invalid src register r%d in opcode 0x%02x", s, code);
                return Opcodes.mode(code) == Opcodes.MEM || (Opcodes.mode(code) == Opcodes.MEMSX && Opcodes.size(code) != Opcodes.DW)
                        ? null : bad;
            case Opcodes.ST:
                return Opcodes.mode(code) == Opcodes.MEM ? null : bad;
            default: // STX
                if (s > 10)
                    return String.format("invalid src register r%d in opcode 0x%02x", s, code);
                if (Opcodes.mode(code) == Opcodes.MEM)
                    return null;
                if (Opcodes.mode(code) != Opcodes.ATOMIC)
                    return bad;
                int kind = insn.imm();
                if (kind == Opcodes.LOAD_ACQ || kind == Opcodes.STORE_REL)
                    return null;
                if (Opcodes.size(code) != Opcodes.W && Opcodes.size(code) != Opcodes.DW)
                    return bad + String.format(" with atomic operation 0x%x", kind);
                switch (kind) {
                    case Opcodes.ADD: case Opcodes.ADD | Opcodes.FETCH:
                    case Opcodes.OR: case Opcodes.OR | Opcodes.FETCH:
                    case Opcodes.AND: case Opcodes.AND | Opcodes.FETCH:
                    case Opcodes.XOR: case Opcodes.XOR | Opcodes.FETCH:
                    case Opcodes.XCHG:
                    case Opcodes.CMPXCHG:
                        return null;
                    default:
                        return bad + String.format(" with unknown atomic operation 0x%x", kind);
                }
        }
    }
}
