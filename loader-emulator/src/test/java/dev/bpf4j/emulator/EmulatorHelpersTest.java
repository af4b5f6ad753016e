package dev.bpf4j.emulator;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.asm.Reference;
import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.MapType;
import dev.bpf4j.loader.ProgramSpec;
import dev.bpf4j.loader.ProgramType;
import dev.bpf4j.loader.SectionTable;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Helpers 1-3 called by a hand-assembled XDP program: the kernel's return conventions. */
class EmulatorHelpersTest {
    static final int STW = Opcodes.ST | Opcodes.MEM | Opcodes.W;
    static final int STDW = Opcodes.ST | Opcodes.MEM | Opcodes.DW;
    static final int LDXDW = Opcodes.LDX | Opcodes.MEM | Opcodes.DW;
    static final int MOV64X = Opcodes.ALU64 | Opcodes.MOV | Opcodes.X;
    static final int MOV64K = Opcodes.ALU64 | Opcodes.MOV | Opcodes.K;
    static final int ADD64K = Opcodes.ALU64 | Opcodes.ADD | Opcodes.K;

    static Instruction i(int op, int dst, int src, int off, long imm) {
        return Instruction.of(op, dst, src, off, imm);
    }

    static Instruction map(int dst, String name) {
        return Instruction.of(Opcodes.LD_IMM64, dst, Opcodes.PSEUDO_MAP_FD, 0, 0).withReference(new Reference.Map(name));
    }

    static Instruction call(int helper) {
        return i(Opcodes.CALL_INSN, 0, 0, 0, helper);
    }

    /** Key {@code key} at fp-4, value {@code value} at fp-16, then update(h, fp-4, fp-16, flags). */
    static void update(List<Instruction> p, int key, int value, int flags) {
        p.add(i(STW, 10, 0, -4, key));
        p.add(i(STDW, 10, 0, -16, value));
        p.add(map(1, "h"));
        p.add(i(MOV64X, 2, 10, 0, 0));
        p.add(i(ADD64K, 2, 0, 0, -4));
        p.add(i(MOV64X, 3, 10, 0, 0));
        p.add(i(ADD64K, 3, 0, 0, -16));
        p.add(i(MOV64K, 4, 0, 0, flags));
        p.add(call(2));
    }

    static LoadedObject load(List<Instruction> insns) {
        var match = SectionTable.match("xdp").orElseThrow();
        var spec = new ProgramSpec("prog", "xdp", ProgramType.XDP, Optional.empty(), null, match.def(), true, 0, 0, true,
                insns, List.of(), "GPL", 0);
        var plan = new LoadPlan(EmulatorMapTest.XDP_PARSER, List.of(new LinkedProgram(spec, insns, List.of())),
                List.of(EmulatorMapTest.map("h", MapType.HASH, 4, 8, 1)));
        return new EmulatorBackend().load(plan);
    }

    @Test
    void updateDeleteAndLookupFromAProgram() {
        var p = new ArrayList<Instruction>();
        update(p, 7, 1, 1);                       // NOEXIST, new: 0
        p.add(i(MOV64X, 6, 0, 0, 0));
        update(p, 7, 2, 1);                       // NOEXIST, present: -EEXIST
        p.add(i(MOV64X, 7, 0, 0, 0));
        update(p, 8, 3, 0);                       // ANY, new key, map full: -E2BIG
        p.add(i(MOV64X, 8, 0, 0, 0));
        p.add(i(STW, 10, 0, -4, 9));              // delete(h, &9): -ENOENT
        p.add(map(1, "h"));
        p.add(i(MOV64X, 2, 10, 0, 0));
        p.add(i(ADD64K, 2, 0, 0, -4));
        p.add(call(3));
        p.add(i(MOV64X, 9, 0, 0, 0));
        p.add(i(STW, 10, 0, -4, 7));              // v = lookup(h, &7); *v = 42
        p.add(map(1, "h"));
        p.add(i(MOV64X, 2, 10, 0, 0));
        p.add(i(ADD64K, 2, 0, 0, -4));
        p.add(call(1));
        p.add(i(STDW, 0, 0, 0, 42));
        // r0 = -r6 | -r7 << 8 | -r8 << 16 | -r9 << 24
        p.add(i(Opcodes.ALU64 | Opcodes.NEG, 6, 0, 0, 0));
        p.add(i(Opcodes.ALU64 | Opcodes.NEG, 7, 0, 0, 0));
        p.add(i(Opcodes.ALU64 | Opcodes.NEG, 8, 0, 0, 0));
        p.add(i(Opcodes.ALU64 | Opcodes.NEG, 9, 0, 0, 0));
        p.add(i(Opcodes.ALU64 | Opcodes.LSH | Opcodes.K, 7, 0, 0, 8));
        p.add(i(Opcodes.ALU64 | Opcodes.LSH | Opcodes.K, 8, 0, 0, 16));
        p.add(i(Opcodes.ALU64 | Opcodes.LSH | Opcodes.K, 9, 0, 0, 24));
        p.add(i(MOV64X, 0, 6, 0, 0));
        p.add(i(Opcodes.ALU64 | Opcodes.OR | Opcodes.X, 0, 7, 0, 0));
        p.add(i(Opcodes.ALU64 | Opcodes.OR | Opcodes.X, 0, 8, 0, 0));
        p.add(i(Opcodes.ALU64 | Opcodes.OR | Opcodes.X, 0, 9, 0, 0));
        p.add(i(Opcodes.EXIT_INSN, 0, 0, 0, 0));
        try (LoadedObject obj = load(p)) {
            int r = obj.program("prog").testRun(TestRun.ofData(new byte[14])).retval();
            assertEquals(0, r & 0xff);
            assertEquals(BackendException.EEXIST, r >>> 8 & 0xff);
            assertEquals(BackendException.E2BIG, r >>> 16 & 0xff);
            assertEquals(BackendException.ENOENT, r >>> 24 & 0xff);
            MapHandle h = obj.map("h");
            assertEquals(42, h.lookupLong(7).orElseThrow()); // stored through the pointer lookup returned
            assertEquals(1, h.keys().size());
        }
    }

    @Test
    void aValuePointerIsBoundsChecked() {
        var p = new ArrayList<Instruction>();
        update(p, 7, 1, 0);
        p.add(i(STW, 10, 0, -4, 7));
        p.add(map(1, "h"));
        p.add(i(MOV64X, 2, 10, 0, 0));
        p.add(i(ADD64K, 2, 0, 0, -4));
        p.add(call(1));
        p.add(i(LDXDW, 0, 0, 8, 0));            // one value past the end of the map's values
        p.add(i(Opcodes.EXIT_INSN, 0, 0, 0, 0));
        try (LoadedObject obj = load(p)) {
            var e = assertThrows(BackendException.class, () -> obj.program("prog").testRun(TestRun.ofData(new byte[14])));
            assertEquals(-BackendException.EFAULT, e.errno());
            assertTrue(e.getCause() instanceof VmFault, e.toString());
            assertTrue(e.getMessage().contains("past the end of region 'h'"), e.getMessage());
        }
    }

    @Test
    void unknownHelperIsRefusedAtLoad() {
        // The verifier runs at load, as in the kernel: the program never gets to run.
        var e = assertThrows(BackendException.class, () -> load(List.of(call(12345), i(Opcodes.EXIT_INSN, 0, 0, 0, 0))));
        assertEquals(-BackendException.EACCES, e.errno());
        assertTrue(e.getMessage().contains("invalid func unknown#12345"), e.getMessage());
    }
}
