package dev.bpf4j.emulator;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.asm.Reference;
import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.MapKind;
import dev.bpf4j.loader.MapSlot;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.MapType;
import dev.bpf4j.loader.Pinning;
import dev.bpf4j.loader.ProgramSpec;
import dev.bpf4j.loader.ProgramType;
import dev.bpf4j.loader.SectionTable;
import org.junit.jupiter.api.function.Executable;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Map specs, tiny hand-assembled programs and direct runs on a chosen CPU, for the map tests. */
final class MapTestKit {
    private MapTestKit() {
    }

    static MapSpec spec(String name, MapType type, int keySize, int valueSize, int maxEntries) {
        return spec(name, type, keySize, valueSize, maxEntries, 0, 0);
    }

    static MapSpec spec(String name, MapType type, int keySize, int valueSize, int maxEntries, int flags, long extra) {
        return new MapSpec(name, MapKind.BTF, type, keySize, valueSize, maxEntries, flags, 0, Pinning.NONE, extra, ".maps", 0,
                null, null, null, null, List.of());
    }

    static MapSpec outer(String name, MapType type, int keySize, int maxEntries, MapSpec inner, List<MapSlot> slots) {
        return new MapSpec(name, MapKind.BTF, type, keySize, 4, maxEntries, 0, 0, Pinning.NONE, 0, ".maps", 0,
                null, null, inner, null, slots);
    }

    static void errno(int expected, Executable e) {
        BackendException x = assertThrows(BackendException.class, e);
        assertEquals(-expected, x.errno(), x.getMessage());
    }

    static LoadedObject load(MapSpec... maps) {
        return load(EmulatorConfig.defaults(), Map.of(), maps);
    }

    static LoadedObject load(EmulatorConfig config, Map<String, List<Instruction>> programs, MapSpec... maps) {
        var linked = new ArrayList<LinkedProgram>();
        programs.forEach((name, insns) -> {
            var match = SectionTable.match("xdp").orElseThrow();
            var spec = new ProgramSpec(name, "xdp", ProgramType.XDP, Optional.empty(), null, match.def(), true, 0, 0, true,
                    insns, List.of(), "GPL", 0);
            linked.add(new LinkedProgram(spec, insns, List.of()));
        });
        return new EmulatorBackend(config).load(new LoadPlan(EmulatorMapTest.XDP_PARSER, linked, List.of(maps)));
    }

    static Map<String, List<Instruction>> programs(Object... nameThenInsns) {
        var out = new LinkedHashMap<String, List<Instruction>>();
        for (int i = 0; i < nameThenInsns.length; i += 2) {
            @SuppressWarnings("unchecked")
            List<Instruction> p = (List<Instruction>) nameThenInsns[i + 1];
            out.put((String) nameThenInsns[i], p);
        }
        return out;
    }

    /** A finished run: r0 and what the kernel recorded. */
    record Run(long r0, KernelRun kernel) {
    }

    /** Runs program {@code name} of {@code obj} on emulated CPU {@code cpu} with r1 = {@code r1}. */
    static Run run(LoadedObject obj, String name, int cpu, long r1) {
        var o = (EmulatorObject) obj;
        var p = (EmulatorProgram) obj.program(name);
        var s = new VmState(o.memory, cpu);
        s.kernelRun = new KernelRun(p);
        s.setRegister(1, r1);
        return new Run(p.vm().run(s), s.kernelRun);
    }

    static Run run(LoadedObject obj, String name, int cpu) {
        return run(obj, name, cpu, 0);
    }

    static byte[] le(int size, long n) {
        ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        switch (size) {
            case 4 -> b.putInt((int) n);
            case 8 -> b.putLong(n);
            default -> throw new IllegalArgumentException();
        }
        return b.array();
    }

    static long le(byte[] b, int offset, int size) {
        ByteBuffer x = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        return size == 4 ? x.getInt(offset) & 0xffffffffL : x.getLong(offset);
    }

    /** A little assembler: each method appends one instruction. */
    static final class Asm {
        final List<Instruction> insns = new ArrayList<>();

        private Asm add(int op, int dst, int src, int off, long imm) {
            insns.add(Instruction.of(op, dst, src, off, imm));
            return this;
        }

        Asm mov(int dst, long imm) {
            return add(Opcodes.ALU64 | Opcodes.MOV | Opcodes.K, dst, 0, 0, imm);
        }

        Asm movx(int dst, int src) {
            return add(Opcodes.ALU64 | Opcodes.MOV | Opcodes.X, dst, src, 0, 0);
        }

        Asm addi(int dst, long imm) {
            return add(Opcodes.ALU64 | Opcodes.ADD | Opcodes.K, dst, 0, 0, imm);
        }

        /** r{dst} = fp + off. */
        Asm fp(int dst, int off) {
            return movx(dst, 10).addi(dst, off);
        }

        Asm stw(int base, int off, long imm) {
            return add(Opcodes.ST | Opcodes.MEM | Opcodes.W, base, 0, off, imm);
        }

        Asm stdw(int base, int off, long imm) {
            return add(Opcodes.ST | Opcodes.MEM | Opcodes.DW, base, 0, off, imm);
        }

        Asm stxdw(int base, int off, int src) {
            return add(Opcodes.STX | Opcodes.MEM | Opcodes.DW, base, src, off, 0);
        }

        Asm ldxdw(int dst, int base, int off) {
            return add(Opcodes.LDX | Opcodes.MEM | Opcodes.DW, dst, base, off, 0);
        }

        Asm ldxw(int dst, int base, int off) {
            return add(Opcodes.LDX | Opcodes.MEM | Opcodes.W, dst, base, off, 0);
        }

        /** lock *(u64 *)(base + off) += src. */
        Asm atomicAdd(int base, int off, int src) {
            return add(Opcodes.STX | Opcodes.ATOMIC | Opcodes.DW, base, src, off, Opcodes.ADD);
        }

        /** if r{dst} == imm goto +off. */
        Asm jeq(int dst, long imm, int off) {
            return add(Opcodes.JMP | Opcodes.JEQ | Opcodes.K, dst, 0, off, imm);
        }

        Asm ja(int off) {
            return add(Opcodes.JMP | Opcodes.JA, 0, 0, off, 0);
        }

        Asm map(int dst, String name) {
            insns.add(Instruction.of(Opcodes.LD_IMM64, dst, Opcodes.PSEUDO_MAP_FD, 0, 0).withReference(new Reference.Map(name)));
            return this;
        }

        /** r{dst} = the address of the function at slot {@code target} (a callback). */
        Asm func(int dst, int target) {
            int here = slots();
            insns.add(Instruction.of(Opcodes.LD_IMM64, dst, Opcodes.PSEUDO_FUNC, 0, target - here - 1));
            return this;
        }

        /** Slots so far (an ld_imm64 takes two). */
        int slots() {
            return insns.stream().mapToInt(Instruction::width).sum();
        }

        Asm lsh(int dst, long imm) {
            return add(Opcodes.ALU64 | Opcodes.LSH | Opcodes.K, dst, 0, 0, imm);
        }

        Asm orx(int dst, int src) {
            return add(Opcodes.ALU64 | Opcodes.OR | Opcodes.X, dst, src, 0, 0);
        }

        Asm addx(int dst, int src) {
            return add(Opcodes.ALU64 | Opcodes.ADD | Opcodes.X, dst, src, 0, 0);
        }

        /** if r{dst} != imm goto +off. */
        Asm jne(int dst, long imm, int off) {
            return add(Opcodes.JMP | Opcodes.JNE | Opcodes.K, dst, 0, off, imm);
        }

        /** r{dst} = imm64. */
        Asm ldImm(int dst, long imm) {
            insns.add(Instruction.loadImm64(dst, imm));
            return this;
        }

        Asm call(int helper) {
            return add(Opcodes.CALL_INSN, 0, 0, 0, helper);
        }

        Asm exit() {
            return add(Opcodes.EXIT_INSN, 0, 0, 0, 0);
        }

        List<Instruction> build() {
            return List.copyOf(insns);
        }
    }
}
