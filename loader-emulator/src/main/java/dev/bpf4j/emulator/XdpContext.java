package dev.bpf4j.emulator;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.backend.BackendException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The XDP context, {@code struct xdp_md}, and the load-time rewrite of its field accesses.
 *
 * <p>A program sees {@code struct xdp_md} as six u32 fields: data, data_end, data_meta,
 * ingress_ifindex, rx_queue_index, egress_ifindex (24 bytes). In the kernel,
 * {@code r2 = *(u32 *)(r1 + 0)} does not load a u32: the verifier rewrites it into a 64-bit
 * load of the packet pointer from the real {@code struct xdp_buff}. The emulator does the
 * same, because its packet addresses ({@code (i + 1) << 44}) do not fit in 32 bits: at load,
 * {@link #rewrite} finds every load through a register that holds the context pointer and
 * turns it into a load from a hidden layout of six 8-byte slots:
 *
 * <pre>
 *   xdp_md field (u32 at)      hidden ctx region (u64 at)
 *   data            0    ->    0   packet address + metadata length
 *   data_end        4    ->    8   packet address + packet length
 *   data_meta       8    ->   16   packet address
 *   ingress_ifindex 12   ->   24   zero-extended u32
 *   rx_queue_index  16   ->   32
 *   egress_ifindex  20   ->   40
 * </pre>
 *
 * A 4-byte load at field offset {@code o} becomes an 8-byte load at {@code 2 * o}; a narrow
 * (1- or 2-byte) load of an integer field keeps its size and reads the same bytes of the
 * zero-extended slot. Narrow or 8-byte loads of the pointer fields, loads past the end, and
 * every store are refused with {@code -EACCES} ("invalid bpf_context access"), as the
 * kernel does. The context region is read-only.
 *
 * <p>Which registers hold the context is found by a small forward data-flow analysis over
 * the program (r1 at entry; copies by {@code mov}; 8-byte spills to and fills from the
 * stack; into subprograms through r1-r5; helper calls clobber r0-r5). A load that the
 * context pointer reaches on one path and another pointer on another is refused, as the
 * kernel refuses it. Until the verifier tracks pointer types, a context pointer that this
 * analysis loses track of (e.g. stored into a map) would read the hidden layout.
 */
final class XdpContext {
    /** sizeof(struct xdp_md). */
    static final int USER_SIZE = 24;
    /** The hidden layout: six 8-byte slots. */
    static final int HIDDEN_SIZE = 48;
    /** ETH_HLEN: the shortest packet BPF_PROG_TEST_RUN accepts. */
    static final int MIN_PACKET = 14;

    private XdpContext() {
    }

    /** Fills the hidden layout. */
    static void fill(byte[] hidden, ByteOrder order, long packet, int metaLen, int length, long ingress, long rxQueue) {
        ByteBuffer b = ByteBuffer.wrap(hidden).order(order);
        b.putLong(0, packet + metaLen);
        b.putLong(8, packet + length);
        b.putLong(16, packet);
        b.putLong(24, ingress & 0xffffffffL);
        b.putLong(32, rxQueue & 0xffffffffL);
        b.putLong(40, 0);
    }

    /** A user-visible {@code struct xdp_md} (ctx_out): offsets relative to data_meta. */
    static byte[] userView(ByteOrder order, int metaLen, int length, long ingress, long rxQueue) {
        ByteBuffer b = ByteBuffer.allocate(USER_SIZE).order(order);
        b.putInt(0, metaLen);
        b.putInt(4, length);
        b.putInt(8, 0);
        b.putInt(12, (int) ingress);
        b.putInt(16, (int) rxQueue);
        b.putInt(20, 0);
        return b.array();
    }

    /** Per-program-point facts: which registers and 8-byte stack slots surely / maybe hold ctx. */
    private record Facts(int sure, int maybe, Set<Integer> sureSlots, Set<Integer> maybeSlots) {
        static final Facts ENTRY = new Facts(1 << 1, 1 << 1, Set.of(), Set.of());

        Facts join(Facts o) {
            var ss = new HashSet<>(sureSlots);
            ss.retainAll(o.sureSlots);
            var ms = new HashSet<>(maybeSlots);
            ms.addAll(o.maybeSlots);
            return new Facts(sure & o.sure, maybe | o.maybe, Set.copyOf(ss), Set.copyOf(ms));
        }

        Facts setReg(int r, boolean isSure, boolean isMaybe) {
            int bit = 1 << r;
            return new Facts(isSure ? sure | bit : sure & ~bit, isMaybe ? maybe | bit : maybe & ~bit, sureSlots, maybeSlots);
        }

        Facts clear(int mask) {
            return new Facts(sure & ~mask, maybe & ~mask, sureSlots, maybeSlots);
        }

        Facts setSlot(int off, boolean isSure, boolean isMaybe) {
            var ss = new HashSet<>(sureSlots);
            var ms = new HashSet<>(maybeSlots);
            if (isSure) ss.add(off); else ss.remove(off);
            if (isMaybe) ms.add(off); else ms.remove(off);
            return new Facts(sure, maybe, Set.copyOf(ss), Set.copyOf(ms));
        }

        Facts noSlots() {
            return new Facts(sure, maybe, Set.of(), Set.of());
        }

        boolean isSure(int r) {
            return (sure >> r & 1) != 0;
        }

        boolean isMaybe(int r) {
            return (maybe >> r & 1) != 0;
        }
    }

    /**
     * The program with every context field load rewritten for the hidden layout.
     *
     * @throws BackendException {@code -EACCES} for a context access the kernel refuses
     */
    static List<Instruction> rewrite(List<Instruction> program, ByteOrder order) {
        int n = program.size();
        int[] slotOf = new int[n];
        int slots = 0;
        for (int i = 0; i < n; i++) {
            slotOf[i] = slots;
            slots += program.get(i).width();
        }
        int[] indexOfSlot = new int[slots + 1];
        java.util.Arrays.fill(indexOfSlot, -1);
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
                    continue; // a bad jump: the VM faults if it is taken
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
        for (int i = 0; i < n; i++) {
            Instruction insn = program.get(i);
            Facts f = in[i];
            int cls = Opcodes.instructionClass(insn.opcode());
            if (f != null && cls == Opcodes.LDX && f.isMaybe(insn.src())) {
                if (!f.isSure(insn.src()))
                    throw access(slotOf[i], "same insn cannot be used with different pointers: r" + insn.src()
                            + " holds the context on one path and something else on another");
                result.add(rewriteLoad(insn, slotOf[i], order));
            } else if (f != null && (cls == Opcodes.STX || cls == Opcodes.ST) && f.isMaybe(insn.dst())) {
                throw access(slotOf[i], "invalid bpf_context access off=" + insn.offset() + " size="
                        + size(insn.opcode()) + ": struct xdp_md is read-only");
            } else {
                result.add(insn);
            }
        }
        return result;
    }

    private static Instruction rewriteLoad(Instruction insn, int slot, ByteOrder order) {
        int off = insn.offset();
        int size = size(insn.opcode());
        boolean memsx = Opcodes.mode(insn.opcode()) == Opcodes.MEMSX;
        if (off < 0 || off + size > USER_SIZE || off % size != 0 || memsx || size == 8)
            throw access(slot, "invalid bpf_context access off=" + off + " size=" + size);
        int field = off & ~3;
        if (size == 4)
            return Instruction.of(Opcodes.LDX | Opcodes.MEM | Opcodes.DW, insn.dst(), insn.src(), 2 * field, 0);
        if (field < 12)
            throw access(slot, "invalid bpf_context access off=" + off + " size=" + size
                    + " (narrow load of a packet pointer)");
        int within = off - field + (order == ByteOrder.BIG_ENDIAN ? 4 : 0);
        return insn.withOffset(2 * field + within);
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
                    Facts g = d == 10 ? f.setSlot(insn.offset() & ~7, false, false) : f;
                    int imm = insn.imm();
                    if (imm == Opcodes.CMPXCHG)
                        g = g.setReg(0, false, false);
                    else if ((imm & Opcodes.FETCH) != 0)
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
                if (op == (Opcodes.ALU64 | Opcodes.MOV | Opcodes.X) && insn.offset() == 0)
                    return f.setReg(d, f.isSure(s), f.isMaybe(s));
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

    private static int size(int opcode) {
        switch (Opcodes.size(opcode)) {
            case Opcodes.B: return 1;
            case Opcodes.H: return 2;
            case Opcodes.W: return 4;
            default: return 8;
        }
    }

    private static BackendException access(int slot, String what) {
        return new BackendException(-BackendException.EACCES, "xdp program, instruction " + slot + ": " + what);
    }
}
