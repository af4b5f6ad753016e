package dev.bpf4j.loader;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Instructions;
import dev.bpf4j.asm.Reference;
import dev.bpf4j.elf.ElfWriter;
import dev.bpf4j.elf.Relocation;
import dev.bpf4j.elf.Section;
import dev.bpf4j.elf.Symbol;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Random objects, built in memory with the ELF writer, link so that every relocated instruction
 * points at exactly the map, data offset or function its relocation named, and every entry
 * program carries exactly the subprograms it reaches, once each. Each function starts with
 * {@code r0 = <fingerprint>}, so a call's target is checked by what it lands on.
 */
class LinkerProperties {
    private static final int FINGERPRINT = 0x5eed0000;
    private static final int MAPS = 3;
    private static final int DATA_VARS = 4;
    private static final int RODATA_VARS = 2;

    /** One relocation-bearing item of a function body. */
    sealed interface Item {
        record MapRef(int map) implements Item {
        }

        /** A global (symbol = the variable) or static (section symbol, offset in imm) data reference. */
        record DataRef(boolean rodata, int variable, boolean viaSection) implements Item {
        }

        /** How the callee is named: its symbol (global), the .text section symbol (static), or no relocation (static, same section). */
        enum How { GLOBAL_SYMBOL, SECTION_SYMBOL, NO_RELOCATION }

        record Call(int callee, How how) implements Item {
        }

        record FuncAddr(int callee, boolean viaSection) implements Item {
        }
    }

    record Function(List<Item> items, boolean global) {
    }

    record Case(ByteOrder order, List<Function> subprograms, List<Function> entries) {
    }

    @Provide
    Arbitrary<Case> objects() {
        return Arbitraries.integers().between(1, 5).flatMap(nSub -> {
            Arbitrary<Item> anyItem = Arbitraries.oneOf(
                    Arbitraries.integers().between(0, MAPS - 1).map(Item.MapRef::new),
                    Combinators.combine(Arbitraries.of(true, false), Arbitraries.integers().between(0, 1000), Arbitraries.of(true, false))
                            .as((ro, v, sec) -> new Item.DataRef(ro, ro ? v % RODATA_VARS : v % DATA_VARS, sec)),
                    Combinators.combine(Arbitraries.integers().between(0, nSub - 1), Arbitraries.of(Item.How.values())).as(Item.Call::new),
                    Combinators.combine(Arbitraries.integers().between(0, nSub - 1), Arbitraries.of(true, false)).as(Item.FuncAddr::new));
            Arbitrary<Function> sub = Combinators.combine(anyItem.list().ofMaxSize(5), Arbitraries.of(true, false)).as(Function::new);
            // Entry programs are not in .text: a call there always carries a relocation.
            Arbitrary<Item> entryItem = anyItem.map(i -> i instanceof Item.Call c && c.how() == Item.How.NO_RELOCATION
                    ? new Item.Call(c.callee(), Item.How.SECTION_SYMBOL) : i);
            Arbitrary<Function> entry = entryItem.list().ofMaxSize(6).map(items -> new Function(items, true));
            return Combinators.combine(Arbitraries.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN),
                    sub.list().ofSize(nSub), entry.list().ofMinSize(1).ofMaxSize(3)).as(Case::new);
        });
    }

    @Property(tries = 400)
    void relocatedInstructionsPointWhereTheirRelocationsSaid(@ForAll("objects") Case c) {
        Built built = build(c);
        ObjectSpec spec = SpecReader.read("rand.o", built.bytes);
        LoadPlan plan = Linker.link(spec, new LinkOptions(KernelConfig.parse("", 0)));
        assertEquals(c.entries().size(), plan.programs().size());
        for (int e = 0; e < c.entries().size(); e++) {
            LinkedProgram p = plan.program("entry" + e).orElseThrow();
            List<Instruction> insns = p.instructions();
            Map<Integer, Integer> slotToIndex = new HashMap<>();
            int[] slotOf = new int[insns.size()];
            for (int i = 0, s = 0; i < insns.size(); s += insns.get(i).width(), i++) {
                slotToIndex.put(s, i);
                slotOf[i] = s;
            }
            // Where each function's copy starts (fingerprints), and which subprograms were appended.
            Map<Integer, Integer> copyAt = new HashMap<>(); // function id -> slot
            for (int i = 0; i < insns.size(); i++) {
                Instruction in = insns.get(i);
                if (in.opcode() == 0xb7 && in.dst() == 0 && (in.imm() & 0xffff0000) == FINGERPRINT)
                    assertEquals(null, copyAt.put(in.imm() & 0xffff, slotOf[i]), "function appended twice");
            }
            Set<Integer> expected = reachable(c, c.entries().get(e));
            Set<Integer> appended = new HashSet<>(copyAt.keySet());
            appended.remove(1000 + e);
            assertEquals(expected, appended, "subprograms of entry" + e);
            assertEquals(expected.size(), p.subprograms().size());

            checkCopy(c.entries().get(e), copyAt.get(1000 + e), insns, slotToIndex, copyAt);
            for (int k : expected)
                checkCopy(c.subprograms().get(k), copyAt.get(k), insns, slotToIndex, copyAt);
        }
    }

    private static void checkCopy(Function f, int base, List<Instruction> insns, Map<Integer, Integer> slotToIndex, Map<Integer, Integer> copyAt) {
        int slot = base + 1; // past the fingerprint
        for (Item item : f.items()) {
            Instruction in = insns.get(slotToIndex.get(slot));
            if (item instanceof Item.MapRef m) {
                assertEquals(1, in.src());
                assertEquals(new Reference.Map("map" + m.map()), in.reference());
            } else if (item instanceof Item.DataRef d) {
                String map = d.rodata() ? "rand.rodata" : "rand.data";
                int offset = 8 * d.variable();
                assertEquals(2, in.src());
                assertEquals(new Reference.MapValue(map, offset), in.reference());
                assertEquals(offset, in.imm2());
                assertEquals(0, in.imm());
            } else if (item instanceof Item.Call call) {
                assertTrue(in.isLocalCall(), in.toString());
                assertEquals(copyAt.get(call.callee()), slot + in.imm() + 1, "call target of " + item);
            } else if (item instanceof Item.FuncAddr a) {
                assertEquals(4, in.src());
                assertEquals(copyAt.get(a.callee()), slot + in.imm() + 1, "address of " + item);
            }
            slot += in.width();
        }
    }

    private static Set<Integer> reachable(Case c, Function entry) {
        Set<Integer> seen = new HashSet<>();
        ArrayDeque<Function> work = new ArrayDeque<>(List.of(entry));
        while (!work.isEmpty())
            for (Item i : work.pop().items()) {
                int callee = i instanceof Item.Call call ? call.callee() : i instanceof Item.FuncAddr a ? a.callee() : -1;
                if (callee >= 0 && seen.add(callee))
                    work.push(c.subprograms().get(callee));
            }
        return seen;
    }

    // ---- building the object -------------------------------------------------------------

    record Built(byte[] bytes) {
    }

    private static final int R_BPF_64_64 = 1;
    private static final int R_BPF_64_32 = 10;

    private static Built build(Case c) {
        ElfWriter w = ElfWriter.create(c.order());
        // Lay out .text first: each subprogram's slot offset is needed by calls into it.
        int[] subStart = new int[c.subprograms().size()];
        int at = 0;
        for (int k = 0; k < subStart.length; k++) {
            subStart[k] = at;
            at += slots(c.subprograms().get(k));
        }
        List<List<Instruction>> subCode = new ArrayList<>();
        List<List<Pending>> subRelocs = new ArrayList<>();
        for (int k = 0; k < subStart.length; k++) {
            List<Pending> relocs = new ArrayList<>();
            subCode.add(code(c, c.subprograms().get(k), k, subStart[k], subStart, relocs));
            subRelocs.add(relocs);
        }
        List<List<Instruction>> entryCode = new ArrayList<>();
        List<List<Pending>> entryRelocs = new ArrayList<>();
        int entryAt = 0;
        List<Integer> entryStart = new ArrayList<>();
        for (int e = 0; e < c.entries().size(); e++) {
            List<Pending> relocs = new ArrayList<>();
            entryStart.add(entryAt);
            entryCode.add(code(c, c.entries().get(e), 1000 + e, entryAt, subStart, relocs));
            entryRelocs.add(relocs);
            entryAt += slots(c.entries().get(e));
        }

        List<Instruction> allText = subCode.stream().flatMap(List::stream).toList();
        List<Instruction> allXdp = entryCode.stream().flatMap(List::stream).toList();
        int text = w.addSection(".text", Section.SHT_PROGBITS).flags(Section.SHF_ALLOC | Section.SHF_EXECINSTR).align(8)
                .contents(Instructions.encode(allText, c.order())).index();
        int xdp = w.addSection("xdp", Section.SHT_PROGBITS).flags(Section.SHF_ALLOC | Section.SHF_EXECINSTR).align(8)
                .contents(Instructions.encode(allXdp, c.order())).index();
        int maps = w.addSection("maps", Section.SHT_PROGBITS).flags(Section.SHF_ALLOC | Section.SHF_WRITE).align(4)
                .contents(legacyMaps(c.order())).index();
        int data = w.addSection(".data", Section.SHT_PROGBITS).flags(Section.SHF_ALLOC | Section.SHF_WRITE).align(8)
                .contents(new byte[8 * DATA_VARS]).index();
        int rodata = w.addSection(".rodata", Section.SHT_PROGBITS).flags(Section.SHF_ALLOC).align(8)
                .contents(new byte[8 * RODATA_VARS]).index();
        w.addSection("license", Section.SHT_PROGBITS).flags(Section.SHF_ALLOC | Section.SHF_WRITE).align(1).contents("GPL\0".getBytes());

        int local = Symbol.STB_LOCAL << 4;
        int global = Symbol.STB_GLOBAL << 4;
        Map<String, Integer> sym = new HashMap<>();
        sym.put(".text", w.addSymbol("", 0, 0, local | Symbol.STT_SECTION, 0, text));
        sym.put(".data", w.addSymbol("", 0, 0, local | Symbol.STT_SECTION, 0, data));
        sym.put(".rodata", w.addSymbol("", 0, 0, local | Symbol.STT_SECTION, 0, rodata));
        for (int k = 0; k < subStart.length; k++)
            if (!c.subprograms().get(k).global())
                sym.put("sub" + k, w.addSymbol("sub" + k, subStart[k] * 8L, slots(c.subprograms().get(k)) * 8L, local | Symbol.STT_FUNC, 0, text));
        for (int k = 0; k < subStart.length; k++)
            if (c.subprograms().get(k).global())
                sym.put("sub" + k, w.addSymbol("sub" + k, subStart[k] * 8L, slots(c.subprograms().get(k)) * 8L, global | Symbol.STT_FUNC, 0, text));
        for (int e = 0; e < c.entries().size(); e++)
            sym.put("entry" + e, w.addSymbol("entry" + e, entryStart.get(e) * 8L, slots(c.entries().get(e)) * 8L, global | Symbol.STT_FUNC, 0, xdp));
        for (int m = 0; m < MAPS; m++)
            sym.put("map" + m, w.addSymbol("map" + m, m * 20L, 20, global | Symbol.STT_OBJECT, 0, maps));
        for (int v = 0; v < DATA_VARS; v++)
            sym.put("d" + v, w.addSymbol("d" + v, v * 8L, 8, global | Symbol.STT_OBJECT, 0, data));
        for (int v = 0; v < RODATA_VARS; v++)
            sym.put("r" + v, w.addSymbol("r" + v, v * 8L, 8, global | Symbol.STT_OBJECT, 0, rodata));

        List<Relocation> textRel = new ArrayList<>();
        for (int k = 0; k < subStart.length; k++)
            for (Pending p : subRelocs.get(k))
                textRel.add(new Relocation(p.slot * 8L, sym.get(p.symbol), p.type));
        List<Relocation> xdpRel = new ArrayList<>();
        for (int e = 0; e < c.entries().size(); e++)
            for (Pending p : entryRelocs.get(e))
                xdpRel.add(new Relocation(p.slot * 8L, sym.get(p.symbol), p.type));
        if (!textRel.isEmpty())
            w.addRelocations(text, textRel);
        if (!xdpRel.isEmpty())
            w.addRelocations(xdp, xdpRel);
        return new Built(w.write());
    }

    private record Pending(int slot, String symbol, int type) {
    }

    private static int slots(Function f) {
        int n = 2; // fingerprint and exit
        for (Item i : f.items())
            n += i instanceof Item.Call ? 1 : 2;
        return n;
    }

    /** A function's code as clang would emit it, with the relocations that go with it. */
    private static List<Instruction> code(Case c, Function f, int id, int start, int[] subStart, List<Pending> relocs) {
        List<Instruction> out = new ArrayList<>();
        out.add(Instruction.of(0xb7, 0, 0, 0, FINGERPRINT | id));
        int slot = start + 1;
        for (Item item : f.items()) {
            if (item instanceof Item.MapRef m) {
                out.add(Instruction.loadImm64(1, 0));
                relocs.add(new Pending(slot, "map" + m.map(), R_BPF_64_64));
            } else if (item instanceof Item.DataRef d) {
                int offset = 8 * d.variable();
                String section = d.rodata() ? ".rodata" : ".data";
                // Statics relocate against the section symbol with the offset in imm; globals against themselves.
                out.add(Instruction.loadImm64(1, d.viaSection() ? offset : 0));
                relocs.add(new Pending(slot, d.viaSection() ? section : (d.rodata() ? "r" : "d") + d.variable(), R_BPF_64_64));
            } else if (item instanceof Item.Call call) {
                int target = subStart[call.callee()];
                switch (call.how()) {
                    case GLOBAL_SYMBOL -> {
                        out.add(Instruction.of(0x85, 0, 1, 0, -1));
                        relocs.add(new Pending(slot, "sub" + call.callee(), R_BPF_64_32));
                    }
                    case SECTION_SYMBOL -> {
                        out.add(Instruction.of(0x85, 0, 1, 0, target - 1));
                        relocs.add(new Pending(slot, ".text", R_BPF_64_32));
                    }
                    case NO_RELOCATION -> out.add(Instruction.of(0x85, 0, 1, 0, target - slot - 1));
                }
            } else if (item instanceof Item.FuncAddr a) {
                int target = subStart[a.callee()];
                // clang addresses a static function through the section symbol (libbpf accepts only that).
                boolean viaSection = a.viaSection() || !c.subprograms().get(a.callee()).global();
                out.add(Instruction.of(0x18, 1, 4, 0, viaSection ? target * 8L : 0));
                relocs.add(new Pending(slot, viaSection ? ".text" : "sub" + a.callee(), R_BPF_64_64));
            }
            slot += out.get(out.size() - 1).width();
        }
        out.add(Instruction.of(0x95, 0, 0, 0, 0));
        return out;
    }

    private static byte[] legacyMaps(ByteOrder order) {
        var b = java.nio.ByteBuffer.allocate(20 * MAPS).order(order);
        for (int m = 0; m < MAPS; m++)
            b.putInt(1).putInt(4).putInt(8).putInt(16 + m).putInt(0); // hash, key 4, value 8
        return b.array();
    }
}
