package dev.bpf4j.emulator;

import static dev.bpf4j.emulator.VmFaultTest.EXIT;
import static dev.bpf4j.emulator.VmFaultTest.i;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Opcodes;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the conformance vectors do not cover: packets, pseudo constants, helpers, byte order. */
class VmTest {

    @Test
    void legacyPacketLoadsAreBigEndianAndEndTheProgramWhenOutOfBounds() {
        var memory = new Memory();
        var state = new VmState(memory);
        state.setPacket(memory.map("packet", new byte[] {0x12, 0x34, 0x56, 0x78, (byte) 0x9a}, false));
        var abs = new Vm(List.of(i(0x20, 0, 0, 0, 1), EXIT)); // r0 = ntohl(*(u32 *)(skb + 1))
        assertEquals(0x3456789aL, abs.run(state));
        state.setRegister(7, 3);
        var ind = new Vm(List.of(i(0x48, 0, 7, 0, 0), EXIT)); // r0 = ntohs(*(u16 *)(skb + r7))
        assertEquals(0x789a, ind.run(state));
        var outside = new Vm(List.of(i(0xb7, 0, 0, 0, 5), i(0x28, 0, 0, 0, 4), i(0xb7, 0, 0, 0, 9), EXIT));
        assertEquals(0, outside.run(state));
        var negative = new Vm(List.of(i(0x30, 0, 0, 0, -1), i(0xb7, 0, 0, 0, 9), EXIT));
        assertEquals(0, negative.run(state));
    }

    @Test
    void pseudoLoadsGoThroughTheResolver() {
        var program = List.of(new Instruction(Opcodes.LD_IMM64, 0, Opcodes.PSEUDO_MAP_VALUE, (short) 0, 4L << 32, null),
                Instruction.loadImm64(1, 5), i(0x0f, 0, 1, 0, 0), EXIT);
        var vm = new Vm(program, ByteOrder.LITTLE_ENDIAN, Helpers.NONE, insn -> 0x1000 + insn.imm2(), 100);
        assertEquals(0x1000 + 4 + 5, vm.run(new byte[0]));
    }

    @Test
    void helpersSeeArgumentsAndMemory() {
        Helpers helpers = (id, r1, r2, r3, r4, r5, state) -> id == 1 ? state.memory().load(r1, 2) + r2 + r3 + r4 + r5
                : fail(id, state);
        var vm = new Vm(List.of(i(0xb7, 2, 0, 0, 1), i(0xb7, 3, 0, 0, 2), i(0xb7, 4, 0, 0, 3), i(0xb7, 5, 0, 0, 4),
                i(0x85, 0, 0, 0, 1), EXIT), helpers);
        assertEquals(0x0201 + 10, vm.run(new byte[] {1, 2}));
    }

    private static long fail(int id, VmState state) {
        throw VmState.unknownHelper(id, state);
    }

    @Test
    void bigEndianMemorySwapsForLeAndNotForBe() {
        var program = List.of(i(0x69, 0, 1, 0, 0), i(0xd4, 0, 0, 0, 16), EXIT); // r0 = le16(*(u16 *)r1)
        var be = new Vm(program, ByteOrder.BIG_ENDIAN, Helpers.NONE, ConstantResolver.AS_WRITTEN, 100);
        assertEquals(0x0201, be.run(new byte[] {1, 2}));
        var le = new Vm(program, ByteOrder.LITTLE_ENDIAN, Helpers.NONE, ConstantResolver.AS_WRITTEN, 100);
        assertEquals(0x0201, le.run(new byte[] {1, 2}));
        var toBe = List.of(i(0x69, 0, 1, 0, 0), i(0xdc, 0, 0, 0, 16), EXIT);
        assertEquals(0x0102, new Vm(toBe, ByteOrder.BIG_ENDIAN, Helpers.NONE, ConstantResolver.AS_WRITTEN, 100).run(new byte[] {1, 2}));
    }

    @Test
    void memoryRoundTripsInBothOrdersAndUnmappedRegionsFault() {
        for (var order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN)) {
            var memory = new Memory(order);
            var r = memory.map("data", new byte[16], true);
            memory.store(r.base() + 8, 8, 0x0102030405060708L);
            assertEquals(0x0102030405060708L, memory.load(r.base() + 8, 8));
            assertEquals(order == ByteOrder.LITTLE_ENDIAN ? 0x0708 : 0x0102, memory.load(r.base() + 8, 2));
            assertEquals(order == ByteOrder.LITTLE_ENDIAN ? 8 : 1, r.bytes()[8]);
            memory.unmap(r);
            var f = org.junit.jupiter.api.Assertions.assertThrows(VmFault.class, () -> memory.load(r.base(), 1));
            assertEquals("1-byte read at 0x100000000000 is outside every region (none is mapped)", f.getMessage());
        }
    }

    @Test
    void cmpxchg32ComparesLowHalvesAndZeroExtends() {
        var program = List.of(
                i(0x62, 10, 0, -4, -1),               // *(u32 *)(r10 - 4) = 0xffffffff
                Instruction.loadImm64(0, 0xabcd_0000_ffff_ffffL),
                i(0xb7, 1, 0, 0, 5),
                i(0xc3, 10, 1, -4, Opcodes.CMPXCHG),   // r0 = cmpxchg((u32 *)(r10 - 4), r0, r1)
                i(0x61, 2, 10, -4, 0),
                i(0x2f, 0, 2, 0, 0),                   // r0 *= r2: 0xffffffff * 5
                EXIT);
        assertEquals(0xffffffffL * 5, new Vm(program).run(new byte[0]));
    }
}
