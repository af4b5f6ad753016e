package dev.bpf4j.linux;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.MapKind;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.MapType;
import dev.bpf4j.loader.Pinning;
import dev.bpf4j.loader.ObjectSpec;
import dev.bpf4j.loader.ProgramSpec;
import dev.bpf4j.loader.ProgramType;

import java.nio.ByteOrder;
import java.util.List;
import java.util.Optional;

/** Plans of hand-assembled programs, for what no compiler would emit. */
final class HandBuilt {
    /** r{dst} = imm (BPF_ALU64 | BPF_MOV | BPF_K). */
    static Instruction mov(int dst, int imm) {
        return Instruction.of(0xb7, dst, 0, 0, imm);
    }

    /** r{dst} = *(u32 *)(r{src} + off) (BPF_LDX | BPF_MEM | BPF_W). */
    static Instruction load32(int dst, int src, int off) {
        return Instruction.of(0x61, dst, src, off, 0);
    }

    static Instruction exit() {
        return Instruction.of(0x95, 0, 0, 0, 0);
    }

    private HandBuilt() {
    }

    /** A one-program object in the host's byte order, no maps, no BTF. */
    static LoadPlan plan(String name, ProgramType type, List<Instruction> insns) {
        return plan(name, type, insns, List.of());
    }

    /** A one-program object with {@code maps}, no BTF. */
    static LoadPlan plan(String name, ProgramType type, List<Instruction> insns, List<MapSpec> maps) {
        var p = new ProgramSpec(name, "socket", type, Optional.empty(), null, null, true, 1, 0, true, insns, List.of(), "GPL", 0);
        var spec = new ObjectSpec("hand", ByteOrder.nativeOrder(), "GPL", 0, List.of(p), List.of(), maps, List.of(), List.of(), null, null);
        return new LoadPlan(spec, List.of(new LinkedProgram(p, insns, List.of())), maps);
    }

    /** A legacy-style map definition with no BTF. */
    static MapSpec map(String name, MapType type, int keySize, int valueSize, int maxEntries, Pinning pinning) {
        return new MapSpec(name, MapKind.LEGACY, type, keySize, valueSize, maxEntries, 0, 0, pinning, 0, "maps", 0,
                null, null, null, null, List.of());
    }
}
