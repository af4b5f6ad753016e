package dev.bpf4j.emulator;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.backend.BackendException;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The load-time rewrite of struct xdp_md accesses into the hidden 8-byte-slot layout. */
class XdpContextTest {
    static final int LDXW = Opcodes.LDX | Opcodes.MEM | Opcodes.W;
    static final int LDXB = Opcodes.LDX | Opcodes.MEM | Opcodes.B;
    static final int LDXDW = Opcodes.LDX | Opcodes.MEM | Opcodes.DW;
    static final int STXDW = Opcodes.STX | Opcodes.MEM | Opcodes.DW;
    static final int MOV64X = Opcodes.ALU64 | Opcodes.MOV | Opcodes.X;
    static final Instruction EXIT = Instruction.of(Opcodes.EXIT_INSN, 0, 0, 0, 0);

    static Instruction i(int op, int dst, int src, int off) {
        return Instruction.of(op, dst, src, off, 0);
    }

    @Test
    void loadsThroughCopiesAndSpillsAreRewritten() {
        var out = XdpContext.rewrite(List.of(
                i(MOV64X, 6, 1, 0),          // r6 = ctx
                i(STXDW, 10, 6, -8),         // spill
                i(LDXW, 2, 6, 4),            // data_end
                i(LDXDW, 7, 10, -8),         // fill
                i(LDXW, 3, 7, 0),            // data
                i(LDXB, 4, 7, 13),           // byte 1 of ingress_ifindex
                i(LDXW, 5, 2, 0),            // through a packet pointer: untouched
                EXIT), ByteOrder.LITTLE_ENDIAN);
        assertEquals(i(LDXDW, 2, 6, 8), out.get(2));
        assertEquals(i(LDXDW, 3, 7, 0), out.get(4));
        assertEquals(i(LDXB, 4, 7, 25), out.get(5));
        assertEquals(i(LDXW, 5, 2, 0), out.get(6));
        var be = XdpContext.rewrite(List.of(i(LDXB, 4, 1, 13), EXIT), ByteOrder.BIG_ENDIAN);
        assertEquals(i(LDXB, 4, 1, 29), be.get(0));
    }

    @Test
    void refusedAccesses() {
        int e = -BackendException.EACCES;
        assertEquals(e, assertThrows(BackendException.class, () -> XdpContext.rewrite(List.of(i(LDXW, 2, 1, 24), EXIT),
                ByteOrder.LITTLE_ENDIAN)).errno());
        assertEquals(e, assertThrows(BackendException.class, () -> XdpContext.rewrite(List.of(i(LDXB, 2, 1, 0), EXIT),
                ByteOrder.LITTLE_ENDIAN)).errno());
        assertEquals(e, assertThrows(BackendException.class, () -> XdpContext.rewrite(List.of(i(STXDW, 1, 2, 0), EXIT),
                ByteOrder.LITTLE_ENDIAN)).errno());
        // r2 is ctx on one path and the stack on the other, then loaded through
        var mixed = List.of(
                i(MOV64X, 2, 1, 0),
                Instruction.of(Opcodes.JMP | Opcodes.JEQ | Opcodes.K, 3, 0, 1, 0),
                i(MOV64X, 2, 10, 0),
                i(LDXW, 0, 2, 0),
                EXIT);
        assertEquals(e, assertThrows(BackendException.class, () -> XdpContext.rewrite(mixed, ByteOrder.LITTLE_ENDIAN)).errno());
    }
}
