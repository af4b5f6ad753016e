package dev.bpf4j.emulator;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.ObjectSpec;
import dev.bpf4j.loader.ProgramSpec;
import dev.bpf4j.loader.SectionTable;
import dev.bpf4j.loader.SpecReader;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny assembler for hand-written test programs, and loading them into the emulator
 * under a section name (which gives the program type and expected attach type, as libbpf).
 *
 * <pre>{@code
 * ProgramHandle p = Asm.program("tc", Asm.ldx(4, 0, 1, 0), Asm.exit());    // return skb->len
 * }</pre>
 */
final class Asm {
    static final ObjectSpec LE = EmulatorMapTest.XDP_PARSER;
    static final ObjectSpec BE = SpecReader.read("xdp_parser.o", TestObjects.object("xdp_parser", Target.BPFEB));

    private Asm() {
    }

    static int sizeCode(int size) {
        return switch (size) {
            case 1 -> Opcodes.B;
            case 2 -> Opcodes.H;
            case 4 -> Opcodes.W;
            default -> Opcodes.DW;
        };
    }

    /** dst = *(u{size} *)(src + off) */
    static Instruction ldx(int size, int dst, int src, int off) {
        return Instruction.of(Opcodes.LDX | Opcodes.MEM | sizeCode(size), dst, src, off, 0);
    }

    /** dst = *(s{size} *)(src + off) */
    static Instruction ldxsx(int size, int dst, int src, int off) {
        return Instruction.of(Opcodes.LDX | Opcodes.MEMSX | sizeCode(size), dst, src, off, 0);
    }

    /** *(u{size} *)(dst + off) = src */
    static Instruction stx(int size, int dst, int src, int off) {
        return Instruction.of(Opcodes.STX | Opcodes.MEM | sizeCode(size), dst, src, off, 0);
    }

    /** *(u{size} *)(dst + off) = imm */
    static Instruction st(int size, int dst, int off, long imm) {
        return Instruction.of(Opcodes.ST | Opcodes.MEM | sizeCode(size), dst, 0, off, imm);
    }

    /** lock *(u{size} *)(dst + off) += src */
    static Instruction atomicAdd(int size, int dst, int src, int off) {
        return Instruction.of(Opcodes.STX | Opcodes.ATOMIC | sizeCode(size), dst, src, off, Opcodes.ADD);
    }

    static Instruction mov(int dst, long imm) {
        return Instruction.of(Opcodes.ALU64 | Opcodes.MOV | Opcodes.K, dst, 0, 0, imm);
    }

    static Instruction movx(int dst, int src) {
        return Instruction.of(Opcodes.ALU64 | Opcodes.MOV | Opcodes.X, dst, src, 0, 0);
    }

    static Instruction add(int dst, long imm) {
        return Instruction.of(Opcodes.ALU64 | Opcodes.ADD | Opcodes.K, dst, 0, 0, imm);
    }

    static Instruction sub(int dst, int src) {
        return Instruction.of(Opcodes.ALU64 | Opcodes.SUB | Opcodes.X, dst, src, 0, 0);
    }

    static Instruction lddw(int dst, long imm) {
        return Instruction.of(Opcodes.LD_IMM64, dst, 0, 0, imm);
    }

    /** if dst == imm goto +off */
    static Instruction jeq(int dst, long imm, int off) {
        return Instruction.of(Opcodes.JMP | Opcodes.JEQ | Opcodes.K, dst, 0, off, imm);
    }

    static Instruction call(int helper) {
        return Instruction.of(Opcodes.CALL_INSN, 0, 0, 0, helper);
    }

    static Instruction exit() {
        return Instruction.of(Opcodes.EXIT_INSN, 0, 0, 0, 0);
    }

    /** The program type and attach type libbpf gives section {@code section}. */
    static SectionTable.Match section(String section) {
        return SectionTable.match(section).orElseThrow(() -> new IllegalArgumentException("no section " + section));
    }

    static LoadedObject load(ByteOrder order, String section, List<Instruction> insns) {
        var match = section(section);
        var spec = new ProgramSpec("prog", section, match.def().type(), match.def().expectedAttachType(), null, match.def(),
                true, 0, 0, true, insns, List.of(), "GPL", 0);
        var plan = new LoadPlan(order == ByteOrder.BIG_ENDIAN ? BE : LE,
                List.of(new LinkedProgram(spec, insns, List.of())), List.of());
        return new EmulatorBackend().load(plan);
    }

    /** The program loaded from {@code insns} under {@code section}, little-endian; the object stays open. */
    static ProgramHandle program(String section, Instruction... insns) {
        return program(ByteOrder.LITTLE_ENDIAN, section, insns);
    }

    static ProgramHandle program(ByteOrder order, String section, Instruction... insns) {
        return load(order, section, List.of(insns)).program("prog");
    }

    static ProgramHandle program(ByteOrder order, String section, List<Instruction> insns) {
        return load(order, section, insns).program("prog");
    }

    /** The verifier's verdict on {@code insns} as a program of {@code section}. */
    static VerifierResult verify(String section, Instruction... insns) {
        var match = section(section);
        return Verifier.verify(List.of(insns), match.def().type(), match.def().expectedAttachType());
    }

    static List<Instruction> list(Instruction... insns) {
        return new ArrayList<>(List.of(insns));
    }
}
