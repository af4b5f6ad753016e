package dev.bpf4j.emulator;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Opcodes;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The load-time pass over a program's context accesses: it checks each one against the
 * type's {@link ContextLayout} (the kernel's {@code *_is_valid_access}) and redirects loads
 * of u32 pointer fields to their hidden 8-byte slots.
 *
 * <p>Which registers hold the context is found by a small forward data-flow analysis (r1
 * at entry; copies by {@code mov}; 8-byte spills to and fills from the stack; into
 * subprograms through r1-r5; helper calls clobber r0-r5). Refused, with the kernel's
 * messages:
 * <ul>
 * <li>an access the layout does not allow: {@code "invalid bpf_context access off=76 size=2"};</li>
 * <li>a load or store through a context pointer plus a constant or variable offset
 *     ({@code "dereference of modified ctx ptr R1 off=8 disallowed"});</li>
 * <li>atomic operations on the context ({@code "BPF_ATOMIC stores into R1 ctx is not allowed"});</li>
 * <li>an instruction the context reaches on one path and another pointer on another
 *     ({@code "same insn cannot be used with different pointers"}).</li>
 * </ul>
 * A context pointer that the analysis loses (one stored in a map and read back, say) is
 * not followed: its accesses are neither checked nor rewritten, and would read the
 * struct's bytes, where a u32 pointer field holds 0.
 *
 * <pre>{@code
 * ContextRewrite.Result r = ContextRewrite.run(insns, layout);
 * if (r.refusal() != null) ... r.refusal().slot(), r.refusal().message();
 * else vm = new Vm(r.instructions(), ...);     // r.maxCtxOffset(): what a test run's ctx must cover
 * }</pre>
 */
final class ContextRewrite {
    private ContextRewrite() {
    }

    /** Why the program was refused: the slot and the kernel-style message. */
    record Refusal(int slot, String message) {
    }

    /**
     * The outcome: either a refusal, or the rewritten program and the end of the furthest
     * context byte it touches (the kernel's {@code max_ctx_offset}).
     */
    record Result(Refusal refusal, List<Instruction> instructions, int maxCtxOffset) {
    }

    /** Per-program-point facts: registers and 8-byte stack slots that surely / maybe hold ctx, or ctx plus an offset. */
    private record Facts(int sure, int maybe, int derived, Set<Integer> sureSlots, Set<Integer> maybeSlots) {
        static final Facts ENTRY = new Facts(1 << 1, 1 << 1, 0, Set.of(), Set.of());

        Facts join(Facts o) {
            var ss = new HashSet<>(sureSlots);
            ss.retainAll(o.sureSlots);
            var ms = new HashSet<>(maybeSlots);
            ms.addAll(o.maybeSlots);
            return new Facts(sure & o.sure, maybe | o.maybe, derived | o.derived, Set.copyOf(ss), Set.copyOf(ms));
        }

        Facts setReg(int r, boolean isSure, boolean isMaybe) {
            int bit = 1 << r;
            return new Facts(isSure ? sure | bit : sure & ~bit, isMaybe ? maybe | bit : maybe & ~bit, derived & ~bit,
                    sureSlots, maybeSlots);
        }

        Facts setDerived(int r) {
            int bit = 1 << r;
            return new Facts(sure & ~bit, maybe & ~bit, derived | bit, sureSlots, maybeSlots);
        }

        Facts clear(int mask) {
            return new Facts(sure & ~mask, maybe & ~mask, derived & ~mask, sureSlots, maybeSlots);
        }

        Facts setSlot(int off, boolean isSure, boolean isMaybe) {
            var ss = new HashSet<>(sureSlots);
            var ms = new HashSet<>(maybeSlots);
            if (isSure) ss.add(off); else ss.remove(off);
            if (isMaybe) ms.add(off); else ms.remove(off);
            return new Facts(sure, maybe, derived, Set.copyOf(ss), Set.copyOf(ms));
        }

        Facts noSlots() {
            return new Facts(sure, maybe, derived, Set.of(), Set.of());
        }

        boolean isSure(int r) {
            return (sure >> r & 1) != 0;
        }

        boolean isMaybe(int r) {
            return (maybe >> r & 1) != 0;
        }

        boolean isDerived(int r) {
            return (derived >> r & 1) != 0;
        }
    }

    /** Checks and rewrites {@code program} (logical instructions, an ld_imm64 is one) for {@code layout}. */
    static Result run(List<Instruction> program, ContextLayout layout) {
        int n = program.size();
        int[] slotOf = new int[n];
        int slots = 0;
        for (int i = 0; i < n; i++) {
            slotOf[i] = slots;
            slots += program.get(i).width();
        }
        int[] indexOfSlot = new int[slots + 1];
        Arrays.fill(indexOfSlot, -1);
        for (int i = 0; i < n; i++)
            indexOfSlot[slotOf[i]] = i;

        Facts[] in = new Facts[n];
        var work = new ArrayDeque<Integer>();
        if (n > 0) {
            in[0] = Facts.ENTRY;
            work.add(0);
        }
        while (!work.isEmpty()) {
            int i = work.poll();
            Instruction insn = program.get(i);
            Facts f = in[i];
            int next = slotOf[i] + insn.width();
            List<int[]> succ = new ArrayList<>(); // {slot, kind}: 0 normal, 1 callee entry
            Facts out = transfer(insn, f);
            if (insn.isExit()) {
                // no successor: returns are not followed (the caller continues from its call site)
            } else if (insn.isJump()) {
                succ.add(new int[] {next + insn.jumpOffset(), 0});
                if (insn.isConditionalJump())
                    succ.add(new int[] {next, 0});
            } else if (insn.isLocalCall()) {
                succ.add(new int[] {next + insn.imm(), 1});
                succ.add(new int[] {next, 0});
            } else {
                succ.add(new int[] {next, 0});
            }
            for (int[] s : succ) {
                if (s[0] < 0 || s[0] >= slots || indexOfSlot[s[0]] < 0)
                    continue; // a bad jump: the verifier refuses it
                int j = indexOfSlot[s[0]];
                Facts g = s[1] == 1 ? f.clear(~0x3e).noSlots() : out;
                Facts joined = in[j] == null ? g : in[j].join(g);
                if (!joined.equals(in[j])) {
                    in[j] = joined;
                    work.add(j);
                }
            }
        }

        var result = new ArrayList<Instruction>(n);
        int maxOffset = 0;
        for (int i = 0; i < n; i++) {
            Instruction insn = program.get(i);
            Facts f = in[i];
            int cls = Opcodes.instructionClass(insn.opcode());
            boolean load = cls == Opcodes.LDX
                    || (cls == Opcodes.STX && Opcodes.mode(insn.opcode()) == Opcodes.ATOMIC && insn.imm() == Opcodes.LOAD_ACQ);
            boolean store = !load && (cls == Opcodes.STX || cls == Opcodes.ST);
            int base = load ? insn.src() : insn.dst();
            if (f == null || !(load || store) || !(f.isMaybe(base) || f.isDerived(base))) {
                result.add(insn);
                continue;
            }
            int off = insn.offset();
            int size = size(insn.opcode());
            if (f.isDerived(base))
                return refused(slotOf[i], "dereference of modified ctx ptr R" + base + " off=" + off + " disallowed");
            if (!f.isSure(base))
                return refused(slotOf[i], "same insn cannot be used with different pointers (R" + base
                        + " holds the context on one path and something else on another)");
            if (Opcodes.mode(insn.opcode()) == Opcodes.ATOMIC)
                return refused(slotOf[i], "BPF_ATOMIC " + (load ? "loads from" : "stores into") + " R" + base
                        + " ctx is not allowed");
            String why = layout.check(off, size, store, Opcodes.mode(insn.opcode()) == Opcodes.MEMSX);
            if (why != null)
                return refused(slotOf[i], why);
            maxOffset = Math.max(maxOffset, off + size);
            ContextField field = layout.fieldAt(off);
            if (load && field.pointer())
                result.add(Instruction.of(Opcodes.LDX | Opcodes.MEM | Opcodes.DW, insn.dst(), insn.src(),
                        layout.slotOf(field), 0));
            else
                result.add(insn);
        }
        return new Result(null, List.copyOf(result), maxOffset);
    }

    private static Result refused(int slot, String message) {
        return new Result(new Refusal(slot, message), null, 0);
    }

    private static Facts transfer(Instruction insn, Facts f) {
        int op = insn.opcode();
        int cls = Opcodes.instructionClass(op);
        int d = insn.dst();
        int s = insn.src();
        switch (cls) {
            case Opcodes.LDX:
                if (s == 10 && size(op) == 8 && Opcodes.mode(op) == Opcodes.MEM)
                    return f.setReg(d, f.sureSlots().contains((int) insn.offset()), f.maybeSlots().contains((int) insn.offset()));
                return f.setReg(d, false, false);
            case Opcodes.STX:
                if (Opcodes.mode(op) == Opcodes.ATOMIC) {
                    int imm = insn.imm();
                    if (imm == Opcodes.LOAD_ACQ)
                        return f.setReg(d, false, false);
                    Facts g = d == 10 ? f.setSlot(insn.offset() & ~7, false, false) : f;
                    if (imm == Opcodes.CMPXCHG)
                        g = g.setReg(0, false, false);
                    else if (imm != Opcodes.STORE_REL && (imm & Opcodes.FETCH) != 0)
                        g = g.setReg(s, false, false);
                    return g;
                }
                if (d == 10) {
                    if (size(op) == 8 && (insn.offset() & 7) == 0)
                        return f.setSlot(insn.offset(), f.isSure(s), f.isMaybe(s));
                    return f.setSlot(insn.offset() & ~7, false, false);
                }
                return f;
            case Opcodes.ST:
                return d == 10 ? f.setSlot(insn.offset() & ~7, false, false) : f;
            case Opcodes.ALU64:
                if (op == (Opcodes.ALU64 | Opcodes.MOV | Opcodes.X) && insn.offset() == 0) {
                    Facts g = f.setReg(d, f.isSure(s), f.isMaybe(s));
                    return f.isDerived(s) ? g.setDerived(d) : g;
                }
                // ctx + constant stays a context pointer the kernel tracks, but dereferencing it is refused
                if ((Opcodes.operation(op) == Opcodes.ADD || Opcodes.operation(op) == Opcodes.SUB)
                        && (f.isMaybe(d) || f.isDerived(d)))
                    return Opcodes.source(op) == Opcodes.K && insn.imm() == 0 ? f : f.setDerived(d);
                return f.setReg(d, false, false);
            case Opcodes.ALU:
                return f.setReg(d, false, false);
            case Opcodes.LD:
                if (insn.isLoadImm64())
                    return f.setReg(d, false, false);
                return f.clear(0x3f); // ld_abs/ld_ind: r0 result, r1-r5 scratch
            default: // JMP, JMP32
                if (insn.isCall() || insn.isCallx())
                    return f.clear(0x3f);
                return f;
        }
    }

    static int size(int opcode) {
        switch (Opcodes.size(opcode)) {
            case Opcodes.B: return 1;
            case Opcodes.H: return 2;
            case Opcodes.W: return 4;
            default: return 8;
        }
    }
}
