package dev.bpf4j.loader;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.asm.Reference;
import dev.bpf4j.asm.SlotMap;
import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.BtfEncoder;
import dev.bpf4j.btf.BtfKind;
import dev.bpf4j.btf.BtfType;
import dev.bpf4j.btf.CoreRelocation;
import dev.bpf4j.btf.LineInfo;
import dev.bpf4j.elf.ObjectFormatException;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static dev.bpf4j.btf.CoreRelocation.Kind.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * CO-RE inside the linker, on synthetic programs placed in a real object's section (so that
 * messages have a file, and subprograms can be reached): what is patched, what is poisoned, how
 * relocations are numbered, and that the target BTF is read only when needed.
 */
class CoreLinkTest {
    static final int MOV64_K = 0xb7, LDX_W = 0x61, EXIT = 0x95;

    // Object: [1] int; [2] struct thing {int x @0; int y @4; int gone @8}; [3] enum color {RED 0, GREEN 1}
    static final Btf LOCAL = Btf.parse(BtfEncoder.encode(List.of(
            new BtfType.Int(1, "int", 4, BtfType.Int.SIGNED, 0, 32),
            new BtfType.Struct(2, "thing", 12, List.of(new BtfType.Member("x", 1, 0, 0), new BtfType.Member("y", 1, 32, 0),
                    new BtfType.Member("gone", 1, 64, 0))),
            new BtfType.Enum(3, "color", 4, false, List.of(new BtfType.EnumValue("RED", 0), new BtfType.EnumValue("GREEN", 1)))),
            ByteOrder.LITTLE_ENDIAN));
    // Target: struct thing {int y @0; int pad @4; int x @8}; enum color {RED 5}
    static final Btf TARGET = Btf.parse(BtfEncoder.encode(List.of(
            new BtfType.Int(1, "int", 4, BtfType.Int.SIGNED, 0, 32),
            new BtfType.Struct(2, "thing", 12, List.of(new BtfType.Member("y", 1, 0, 0), new BtfType.Member("pad", 1, 32, 0),
                    new BtfType.Member("x", 1, 64, 0))),
            new BtfType.Enum(3, "color", 4, false, List.of(new BtfType.EnumValue("RED", 5)))),
            ByteOrder.LITTLE_ENDIAN));

    static final ObjectSpec BASE = SpecReader.read("subprogs.o", TestObjects.object("subprogs", Target.BPFEL));

    static final List<Instruction> CODE = List.of(
            Instruction.of(LDX_W, 0, 1, 4, 0),  // slot 0: r0 = thing->y          relo #0: offset 4 -> 0
            Instruction.loadImm64(2, 1),        // slot 1-2: r2 = GREEN ll         relo #1: not in the target: poisoned
            Instruction.of(MOV64_K, 3, 0, 0, 8), // slot 3: r3 = offsetof(gone)     relo #2: poisoned
            Instruction.of(MOV64_K, 4, 0, 0, 0), // slot 4: r4 = RED                relo #3: 0 -> 5
            Instruction.of(EXIT, 0, 0, 0, 0));  // slot 5
    static final List<CoreRelocation> RELOS = List.of(
            new CoreRelocation(0, 2, "0:1", FIELD_BYTE_OFFSET),
            new CoreRelocation(1, 3, "1", ENUMVAL_VALUE),
            new CoreRelocation(3, 2, "0:2", FIELD_BYTE_OFFSET),
            new CoreRelocation(4, 3, "0", ENUMVAL_VALUE));

    static ProgramSpec program(String name, long offset, boolean autoload, List<Instruction> code, List<CoreRelocation> relos,
                               List<LineInfo> lines) {
        ProgramSpec p = BASE.programs().get(0);
        return new ProgramSpec(name, p.sectionName(), p.type(), p.expectedAttachType(), p.attachTarget(), p.sectionDef(), autoload,
                p.sectionIndex(), offset, true, code, List.of(), p.license(), p.kernelVersion(), List.of(), lines, relos);
    }

    static ObjectSpec object(Btf btf, List<ProgramSpec> programs, List<ProgramSpec> subprograms) {
        return new ObjectSpec(BASE.name(), BASE.byteOrder(), BASE.license(), BASE.kernelVersion(), programs, subprograms,
                BASE.maps(), BASE.variables(), BASE.externs(), btf, BASE.elf());
    }

    static LinkOptions against(Btf target) {
        return LinkOptions.defaults().withTargetBtf(TargetBtf.of(target));
    }

    static LineInfo line(int slot) {
        return new LineInfo(slot, "x.c", "line " + slot, slot + 1, 1, 1, 1);
    }

    @Test
    void patchesAndPoisonsInPlaceKeepingSlots() {
        List<LineInfo> lines = List.of(line(0), line(1), line(3), line(4), line(5));
        ObjectSpec spec = object(LOCAL, List.of(program("core_prog", 0, true, CODE, RELOS, lines)), List.of());
        LinkedProgram p = Linker.link(spec, against(TARGET)).program("core_prog").orElseThrow();
        List<Instruction> got = p.instructions();
        assertEquals(6, p.slotCount(), "a poisoned ld_imm64 keeps its two slots");
        assertEquals(6, got.size(), "... as two one-slot calls");
        assertEquals(Instruction.of(LDX_W, 0, 1, 0, 0), got.get(0));
        CorePatcherTest.assertPoison(got.get(1), 1);
        CorePatcherTest.assertPoison(got.get(2), 1);
        CorePatcherTest.assertPoison(got.get(3), 2);
        assertEquals(Instruction.of(MOV64_K, 4, 0, 0, 5), got.get(4));
        assertEquals(Instruction.of(EXIT, 0, 0, 0, 0), got.get(5));
        assertEquals(lines, p.lineInfo(), "line info stays on its slots");
        assertTrue(((Reference.CorePoison) got.get(3).reference()).reason().contains("thing"));
    }

    @Test
    void relocationsAreNumberedWithinTheirSectionAsLibbpfDoes() {
        // The second function's first record is the section's fifth: "relo #4".
        List<CoreRelocation> bad = List.of(new CoreRelocation(0, 2, "0:x", FIELD_BYTE_OFFSET));
        List<Instruction> code = List.of(Instruction.of(MOV64_K, 0, 0, 0, 0), Instruction.of(EXIT, 0, 0, 0, 0));
        ObjectSpec spec = object(LOCAL, List.of(program("first", 0, true, CODE, RELOS, List.of()),
                program("second", 48, true, code, bad, List.of())), List.of());
        var e = assertThrows(ObjectFormatException.class, () -> Linker.link(spec, against(TARGET)));
        assertTrue(e.getMessage().contains("prog 'second': relo #4: insn #0: [2] STRUCT 'thing' + 0:x: access #1 'x' is not a number"),
                e.getMessage());
    }

    @Test
    void programsThatDoNotLoadAreNotRelocated() {
        List<CoreRelocation> bad = List.of(new CoreRelocation(0, 2, "0:x", FIELD_BYTE_OFFSET));
        ObjectSpec spec = object(LOCAL, List.of(program("off", 0, false, CODE, bad, List.of())), List.of());
        assertEquals(List.of(), Linker.link(spec, against(TARGET)).programs());
    }

    @Test
    void targetIsReadOnlyWhenARelocationNeedsIt() {
        // TYPE_ID_LOCAL needs no target: a target file that does not exist is never opened.
        List<Instruction> code = List.of(Instruction.of(MOV64_K, 0, 0, 0, 0), Instruction.of(EXIT, 0, 0, 0, 0));
        ObjectSpec spec = object(LOCAL, List.of(program("p", 0, true, code, List.of(new CoreRelocation(0, 2, "0", TYPE_ID_LOCAL)), List.of())), List.of());
        LinkOptions missing = LinkOptions.defaults().withTargetBtf(TargetBtf.file(Path.of("/nonexistent/target.btf")));
        assertEquals(Instruction.of(MOV64_K, 0, 0, 0, 2), Linker.link(spec, missing).programs().get(0).instructions().get(0));
        // Any other kind reads it, and says which file failed.
        ObjectSpec needs = object(LOCAL, List.of(program("p", 0, true, code, List.of(new CoreRelocation(0, 2, "0", TYPE_EXISTS)), List.of())), List.of());
        var e = assertThrows(LinkException.class, () -> Linker.link(needs, missing));
        assertTrue(e.getMessage().contains("/nonexistent/target.btf"), e.getMessage());
    }

    @Test
    void ambiguityIsALinkErrorNamingProgramRelocationAndInstruction() {
        Btf ambiguous = Btf.parse(BtfEncoder.encode(List.of(
                new BtfType.Int(1, "int", 4, BtfType.Int.SIGNED, 0, 32),
                new BtfType.Struct(2, "thing___a", 8, List.of(new BtfType.Member("y", 1, 0, 0))),
                new BtfType.Struct(3, "thing___b", 8, List.of(new BtfType.Member("y", 1, 32, 0)))), ByteOrder.LITTLE_ENDIAN));
        ObjectSpec spec = object(LOCAL, List.of(program("core_prog", 0, true, CODE, RELOS, List.of())), List.of());
        var e = assertThrows(LinkException.class, () -> Linker.link(spec, against(ambiguous)));
        assertTrue(e.getMessage().contains("prog 'core_prog': relo #0: insn #0: [2] STRUCT 'thing' .y (0:1 @ offset 4): field offset ambiguity: 32 != 0"),
                e.getMessage());
    }

    @Test
    void aWrongOriginalValueIsAnObjectError() {
        List<Instruction> code = new ArrayList<>(CODE);
        code.set(0, Instruction.of(LDX_W, 0, 1, 8, 0)); // the object's BTF says y is at 4
        ObjectSpec spec = object(LOCAL, List.of(program("core_prog", 0, true, code, RELOS, List.of())), List.of());
        var e = assertThrows(ObjectFormatException.class, () -> Linker.link(spec, against(TARGET)));
        assertTrue(e.getMessage().contains("prog 'core_prog': relo #0: unexpected insn #0 (LDX/ST/STX) value: got 8, exp 4 -> 0"), e.getMessage());
    }

    @Test
    void aRecordInsideAnLdImm64IsAnObjectError() {
        ObjectSpec spec = object(LOCAL, List.of(program("core_prog", 0, true, CODE,
                List.of(new CoreRelocation(2, 3, "0", ENUMVAL_VALUE)), List.of())), List.of());
        var e = assertThrows(ObjectFormatException.class, () -> Linker.link(spec, against(TARGET)));
        assertTrue(e.getMessage().contains("relo #0: insn #2 is not the start of an instruction"), e.getMessage());
    }

    @Test
    void everyCopyOfASubprogramCarriesItsPatch() {
        // Mark the first ALU-immediate instruction of each subprogram with a TYPE_ID_LOCAL record
        // (never validated): linking then differs from linking without CO-RE exactly at the copies
        // of those instructions, one per entry program that reaches the subprogram.
        Btf btf = BASE.btfTypes().orElseThrow();
        int named = btf.findId("int", BtfKind.INT).orElseThrow();
        List<ProgramSpec> subs = new ArrayList<>();
        List<String> marked = new ArrayList<>();
        for (ProgramSpec s : BASE.subprograms()) {
            int slot = 0;
            CoreRelocation mark = null;
            for (Instruction i : s.instructions()) {
                if (Opcodes.isAluClass(i.opcode()) && Opcodes.source(i.opcode()) == Opcodes.K && i.imm() != named) {
                    mark = new CoreRelocation(slot, named, "0", TYPE_ID_LOCAL);
                    break;
                }
                slot += i.width();
            }
            if (mark != null)
                marked.add(s.name());
            subs.add(mark == null ? s : s.withExtInfo(s.funcInfo(), s.lineInfo(), List.of(mark)));
        }
        assertFalse(marked.isEmpty(), "subprogs.o has subprograms with ALU immediates");
        LoadPlan plain = Linker.link(BASE, against(TARGET));
        LoadPlan patched = Linker.link(object(btf, BASE.programs(), subs), against(TARGET));
        int copies = 0, differences = 0;
        for (LinkedProgram p : plain.programs()) {
            copies += (int) p.subprograms().stream().filter(marked::contains).count();
            List<Instruction> a = p.instructions(), b = patched.program(p.name()).orElseThrow().instructions();
            assertEquals(a.size(), b.size());
            for (int i = 0; i < a.size(); i++) {
                if (!a.get(i).equals(b.get(i))) {
                    differences++;
                    assertEquals(named, b.get(i).imm(), p.name() + " insn " + i);
                }
            }
        }
        assertTrue(copies > 0);
        assertEquals(copies, differences);
    }

    @Test
    void aPoisonedLdImm64MovesTheRelocationsAfterIt() {
        // Each entry program of subprogs.o, with a poisoned ld_imm64 put in front (its ELF
        // relocations moved two slots on): linked, it is the two poison calls followed by the
        // program linked without them, calls, maps and data all resolved as before.
        assertTrue(BASE.programs().stream().anyMatch(p -> !p.relocations().isEmpty()), "subprogs.o has ELF relocations");
        for (ProgramSpec p : BASE.programs()) {
            ProgramSpec plain = strip(p, List.copyOf(p.instructions()), p.relocations(), List.of());
            List<Instruction> code = new ArrayList<>();
            code.add(Instruction.loadImm64(2, 1));
            code.addAll(p.instructions());
            List<ProgramRelocation> moved = p.relocations().stream()
                    .map(r -> new ProgramRelocation(r.slot() + 2, r.symbolIndex(), r.symbolName(), r.relocation())).toList();
            ProgramSpec prefixed = strip(p, code, moved, List.of(new CoreRelocation(0, 3, "1", ENUMVAL_VALUE)));
            List<ProgramSpec> subs = BASE.subprograms().stream().map(s -> s.withExtInfo(List.of(), List.of(), List.of())).toList();
            LinkedProgram want = Linker.link(object(LOCAL, List.of(plain), subs), against(TARGET)).programs().get(0);
            LinkedProgram got = Linker.link(object(LOCAL, List.of(prefixed), subs), against(TARGET)).programs().get(0);
            assertEquals(want.instructions().size() + 2, got.instructions().size(), p.name());
            CorePatcherTest.assertPoison(got.instructions().get(0), 0);
            CorePatcherTest.assertPoison(got.instructions().get(1), 0);
            assertEquals(want.instructions(), got.instructions().subList(2, got.instructions().size()), p.name());
        }
    }

    @Test
    void anLdImm64WithAnElfRelocationCannotBePoisoned() {
        // A CO-RE record on the ld_imm64 that also loads a map or global-data address: its
        // poisoning would drop the map reference, so the link refuses it, naming the instruction.
        ProgramSpec p = BASE.programs().stream()
                .filter(q -> q.relocations().stream().anyMatch(r -> isLdImm64At(q, r.slot())))
                .findFirst().orElseThrow(() -> new AssertionError("subprogs.o has no ld_imm64 with a relocation"));
        int slot = p.relocations().stream().filter(r -> isLdImm64At(p, r.slot())).findFirst().orElseThrow().slot();
        ProgramSpec marked = strip(p, List.copyOf(p.instructions()), p.relocations(), List.of(new CoreRelocation(slot, 3, "1", ENUMVAL_VALUE)));
        List<ProgramSpec> subs = BASE.subprograms().stream().map(s -> s.withExtInfo(List.of(), List.of(), List.of())).toList();
        var e = assertThrows(ObjectFormatException.class, () -> Linker.link(object(LOCAL, List.of(marked), subs), against(TARGET)));
        assertTrue(e.getMessage().contains("prog '" + p.name() + "': insn #" + slot + ": an ld_imm64 with a relocation was poisoned"), e.getMessage());
    }

    private static boolean isLdImm64At(ProgramSpec p, int slot) {
        int index = SlotMap.of(p.instructions()).indexAt(slot);
        return index >= 0 && p.instructions().get(index).opcode() == Opcodes.LD_IMM64;
    }

    private static ProgramSpec strip(ProgramSpec p, List<Instruction> code, List<ProgramRelocation> relocations, List<CoreRelocation> core) {
        return new ProgramSpec(p.name(), p.sectionName(), p.type(), p.expectedAttachType(), p.attachTarget(), p.sectionDef(), true,
                p.sectionIndex(), p.sectionOffset(), p.global(), code, relocations, p.license(), p.kernelVersion(), List.of(), List.of(), core);
    }
}
