package dev.bpf4j.asm;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * MapAccess against the truth: random programs over four maps, built from the moves that
 * matter (map handles and value pointers loaded, spilled, reloaded, moved, offset, looked
 * up, updated, deleted, stored and loaded through, some of them skipped by branches), are
 * run on every path by a small concrete interpreter that records what each path really
 * reads and writes. The analysis must cover every path, and without branches it must be
 * exact. Random bytes must never make it throw or name a map the program does not.
 */
class MapAccessProperties {
    static final List<String> MAPS = List.of("m0", "m1", "m2", "m3");
    static final int[] REGS = {6, 7, 8, 9};

    /** One source-level move; regs are r6-r9, slots 1-4 are r10-8 .. r10-32. */
    sealed interface Op {
        record LoadHandle(int reg, String map) implements Op { }
        record LoadValue(int reg, String map) implements Op { }
        record Spill(int slot, int reg) implements Op { }
        record Reload(int reg, int slot) implements Op { }
        record Move(int dst, int src) implements Op { }
        record Scalar(int reg) implements Op { }
        record AddK(int reg, int k) implements Op { }
        record Lookup(int dst, int handle) implements Op { }
        record Update(int handle) implements Op { }
        record Delete(int handle) implements Op { }
        record StoreThrough(int reg) implements Op { }
        record LoadThrough(int reg) implements Op { }
        record AtomicAdd(int reg) implements Op { }
        /** The next op runs only on one of two paths. */
        record Maybe(Op op) implements Op { }
    }

    @Provide
    Arbitrary<List<Op>> programs() {
        return ops(true);
    }

    @Provide
    Arbitrary<List<Op>> straightPrograms() {
        return ops(false);
    }

    private Arbitrary<List<Op>> ops(boolean branches) {
        Arbitrary<Integer> reg = Arbitraries.of(6, 7, 8, 9);
        Arbitrary<String> map = Arbitraries.of(MAPS);
        Arbitrary<Integer> slot = Arbitraries.integers().between(1, 4);
        Arbitrary<Op> plain = Arbitraries.oneOf(
                Combinators.combine(reg, map).as(Op.LoadHandle::new),
                Combinators.combine(reg, map).as(Op.LoadValue::new),
                Combinators.combine(slot, reg).as(Op.Spill::new),
                Combinators.combine(reg, slot).as(Op.Reload::new),
                Combinators.combine(reg, reg).as(Op.Move::new),
                reg.map(Op.Scalar::new),
                Combinators.combine(reg, Arbitraries.of(0, 4, 8)).as(Op.AddK::new),
                Combinators.combine(reg, reg).as(Op.Lookup::new),
                reg.map(Op.Update::new),
                reg.map(Op.Delete::new),
                reg.map(Op.StoreThrough::new),
                reg.map(Op.LoadThrough::new),
                reg.map(Op.AtomicAdd::new));
        Arbitrary<Op> any = branches
                ? Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, plain), net.jqwik.api.Tuple.of(1, plain.map(Op.Maybe::new)))
                : plain;
        return any.list().ofMinSize(1).ofMaxSize(14).filter(l -> l.stream().filter(o -> o instanceof Op.Maybe).count() <= 4);
    }

    // ---- the program's instructions

    static List<Instruction> assemble(List<Op> ops) {
        List<Instruction> out = new ArrayList<>();
        for (int r : REGS)
            out.add(Instruction.of(0xb7, r, 0, 0, 0));                  // rN = 0
        out.add(Instruction.of(0xb7, 0, 0, 0, 0));                      // r0 = 0
        for (Op op : ops) {
            if (op instanceof Op.Maybe m) {
                List<Instruction> body = code(m.op());
                out.add(Instruction.of(0x15, 0, 0, Instructions.slotCount(body), 0));   // if r0 == 0 goto skip
                out.addAll(body);
            } else {
                out.addAll(code(op));
            }
        }
        out.add(Instruction.of(0xb7, 0, 0, 0, 0));
        out.add(Instruction.of(Opcodes.EXIT_INSN, 0, 0, 0, 0));
        return out;
    }

    private static List<Instruction> code(Op op) {
        if (op instanceof Op.LoadHandle o)
            return List.of(Instruction.loadImm64(o.reg(), 0).withSrc(Opcodes.PSEUDO_MAP_FD)
                    .withReference(new Reference.Map(o.map())));
        if (op instanceof Op.LoadValue o)
            return List.of(Instruction.loadImm64(o.reg(), 0).withSrc(Opcodes.PSEUDO_MAP_VALUE)
                    .withReference(new Reference.MapValue(o.map(), 0)));
        if (op instanceof Op.Spill o)
            return List.of(Instruction.of(0x7b, 10, o.reg(), -8 * o.slot(), 0));
        if (op instanceof Op.Reload o)
            return List.of(Instruction.of(0x79, o.reg(), 10, -8 * o.slot(), 0));
        if (op instanceof Op.Move o)
            return List.of(Instruction.of(0xbf, o.dst(), o.src(), 0, 0));
        if (op instanceof Op.Scalar o)
            return List.of(Instruction.of(0xb7, o.reg(), 0, 0, 7));
        if (op instanceof Op.AddK o)
            return List.of(Instruction.of(0x07, o.reg(), 0, 0, o.k()));
        if (op instanceof Op.Lookup o)
            return List.of(Instruction.of(0xbf, 1, o.handle(), 0, 0), Instruction.of(0xbf, 2, 10, 0, 0),
                    Instruction.of(0x07, 2, 0, 0, -64), Instruction.of(Opcodes.CALL_INSN, 0, 0, 0, 1),
                    Instruction.of(0xbf, o.dst(), 0, 0, 0));
        if (op instanceof Op.Update o)
            return List.of(Instruction.of(0xbf, 1, o.handle(), 0, 0), Instruction.of(0xbf, 2, 10, 0, 0),
                    Instruction.of(0x07, 2, 0, 0, -64), Instruction.of(0xbf, 3, 10, 0, 0), Instruction.of(0x07, 3, 0, 0, -56),
                    Instruction.of(0xb7, 4, 0, 0, 0), Instruction.of(Opcodes.CALL_INSN, 0, 0, 0, 2));
        if (op instanceof Op.Delete o)
            return List.of(Instruction.of(0xbf, 1, o.handle(), 0, 0), Instruction.of(0xbf, 2, 10, 0, 0),
                    Instruction.of(0x07, 2, 0, 0, -64), Instruction.of(Opcodes.CALL_INSN, 0, 0, 0, 3));
        if (op instanceof Op.StoreThrough o)
            return List.of(Instruction.of(0x62, o.reg(), 0, 0, 1));
        if (op instanceof Op.LoadThrough o)
            return List.of(Instruction.of(0x61, 0, o.reg(), 0, 0));
        if (op instanceof Op.AtomicAdd o)
            return List.of(Instruction.of(0xb7, 0, 0, 0, 1), Instruction.of(0xc3, o.reg(), 0, 0, 0));
        throw new IllegalArgumentException("nested " + op);
    }

    // ---- what the program really does, on every path

    /** A concrete register or slot: a scalar, a map's handle, a pointer into a map's value, or unknown (a map of maps). */
    record Cell(String kind, String map) {
        static final Cell SCALAR = new Cell("scalar", null);
        static final Cell UNKNOWN = new Cell("unknown", null);
    }

    static final class Truth {
        final Set<String> reads = new TreeSet<>();
        final Set<String> writes = new TreeSet<>();
        boolean allReads, allWrites;
        /**
         * A scalar handed over as a map: no verified program does it, so no path reads or
         * writes anything there; the analysis, told nothing about the register, counts every
         * map (what it does for any map argument it cannot name), which only exactness sees.
         */
        boolean scalarMapRead, scalarMapWrite;
    }

    static void run(List<Op> ops, int at, Map<Integer, Cell> regs, Map<Integer, Cell> slots, Truth t) {
        for (int i = at; i < ops.size(); i++) {
            Op op = ops.get(i);
            if (op instanceof Op.Maybe m) {
                run(ops, i + 1, new HashMap<>(regs), new HashMap<>(slots), t);     // skipped
                op = m.op();
            }
            if (op instanceof Op.LoadHandle o)
                regs.put(o.reg(), new Cell("handle", o.map()));
            else if (op instanceof Op.LoadValue o)
                regs.put(o.reg(), new Cell("value", o.map()));
            else if (op instanceof Op.Spill o)
                slots.put(o.slot(), regs.get(o.reg()));
            else if (op instanceof Op.Reload o)
                regs.put(o.reg(), slots.getOrDefault(o.slot(), Cell.SCALAR));
            else if (op instanceof Op.Move o)
                regs.put(o.dst(), regs.get(o.src()));
            else if (op instanceof Op.Scalar o)
                regs.put(o.reg(), Cell.SCALAR);
            else if (op instanceof Op.AddK) {
                // an offset keeps the pointer what it is
            }
            else if (op instanceof Op.Lookup o) {
                Cell h = regs.get(o.handle());
                if (h.kind().equals("handle")) {
                    t.reads.add(h.map());
                    regs.put(o.dst(), new Cell("value", h.map()));
                } else if (h.kind().equals("scalar")) {
                    t.scalarMapRead = true;
                    regs.put(o.dst(), Cell.UNKNOWN);
                } else {
                    t.allReads = true;                  // a value used as a map: a map of maps
                    regs.put(o.dst(), Cell.UNKNOWN);
                }
            }
            else if (op instanceof Op.Update o)
                mapWrite(regs.get(o.handle()), t);
            else if (op instanceof Op.Delete o)
                mapWrite(regs.get(o.handle()), t);
            else if (op instanceof Op.StoreThrough o)
                through(regs.get(o.reg()), t, true);
            else if (op instanceof Op.AtomicAdd o)
                through(regs.get(o.reg()), t, true);
            else if (op instanceof Op.LoadThrough o)
                through(regs.get(o.reg()), t, false);
            else if (op instanceof Op.Maybe m)
                throw new IllegalStateException();
        }
    }

    private static void mapWrite(Cell h, Truth t) {
        if (h.kind().equals("handle"))
            t.writes.add(h.map());
        else if (h.kind().equals("scalar"))
            t.scalarMapWrite = true;
        else
            t.allWrites = true;
    }

    private static void through(Cell c, Truth t, boolean write) {
        if (c.kind().equals("unknown")) {
            if (write)
                t.allWrites = true;
            else
                t.allReads = true;
        } else if (c.map() != null) {
            (write ? t.writes : t.reads).add(c.map());
        }
    }

    static Truth truth(List<Op> ops) {
        Map<Integer, Cell> regs = new HashMap<>();
        for (int r : REGS)
            regs.put(r, Cell.SCALAR);
        Truth t = new Truth();
        run(ops, 0, regs, new HashMap<>(), t);
        return t;
    }

    @Property(tries = 2000)
    void coversWhatEveryPathReadsAndWrites(@ForAll("programs") List<Op> ops) {
        List<Instruction> insns = assemble(ops);
        MapAccess a = MapAccess.of(insns);
        Truth t = truth(ops);
        Set<String> referenced = MapAccess.referenced(insns);
        assertTrue(a.writes().containsAll(t.allWrites ? referenced : t.writes), () -> a + " vs " + t.writes + " " + ops);
        assertTrue(a.reads().containsAll(t.allReads ? referenced : t.reads), () -> a + " vs " + t.reads + " " + ops);
        assertTrue(referenced.containsAll(a.writes()) && referenced.containsAll(a.reads()), () -> a + " " + referenced);
    }

    @Property(tries = 2000)
    void isExactWithoutBranches(@ForAll("straightPrograms") List<Op> ops) {
        List<Instruction> insns = assemble(ops);
        MapAccess a = MapAccess.of(insns);
        Truth t = truth(ops);
        Set<String> referenced = MapAccess.referenced(insns);
        assertEquals(t.allWrites || t.scalarMapWrite ? referenced : t.writes, a.writes(), () -> "writes of " + ops);
        assertEquals(t.allReads || t.scalarMapRead ? referenced : t.reads, a.reads(), () -> "reads of " + ops);
    }

    @Property(tries = 1000)
    void neverThrowsAndNamesOnlyReferencedMaps(@ForAll("garbage") List<Instruction> insns) {
        MapAccess a = MapAccess.of(insns);
        Set<String> referenced = MapAccess.referenced(insns);
        assertTrue(referenced.containsAll(a.writes()), a::toString);
        assertTrue(referenced.containsAll(a.reads()), a::toString);
    }

    @Provide
    Arbitrary<List<Instruction>> garbage() {
        Arbitrary<Instruction> plain = Combinators.combine(Arbitraries.integers().between(0, 255).filter(o -> o != Opcodes.LD_IMM64),
                Arbitraries.integers().between(0, 10), Arbitraries.integers().between(0, 10),
                Arbitraries.integers().between(-6, 6), Arbitraries.of(0, 1, 2, 3, 12, 87, 88, 164, 195, -1, 4, 0xe1, 0xf1, 0x100))
                .as((op, d, s, off, imm) -> Instruction.of(op, d, s, off, imm));
        Arbitrary<Instruction> ld = Combinators.combine(Arbitraries.integers().between(0, 10), Arbitraries.of(MAPS),
                Arbitraries.of(0, 1, 2, 4)).as((d, m, kind) -> {
                    Instruction i = Instruction.loadImm64(d, kind == 4 ? 1 : 0).withSrc(kind);
                    return kind == 1 ? i.withReference(new Reference.Map(m))
                            : kind == 2 ? i.withReference(new Reference.MapValue(m, 0)) : i;
                });
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, plain), net.jqwik.api.Tuple.of(1, ld))
                .list().ofMinSize(0).ofMaxSize(30);
    }
}
