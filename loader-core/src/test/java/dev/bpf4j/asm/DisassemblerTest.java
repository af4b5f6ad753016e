package dev.bpf4j.asm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteOrder;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The syntax that the golden llvm-objdump 14 listings cannot pin: the v4 instructions (as
 * LLVM 18's BPFInstrInfo.td spells them), later LLVM additions, and our own choices for
 * what LLVM prints badly or not at all.
 */
class DisassemblerTest {

    /** One little-endian instruction from its 8 (or 16) bytes in hex. */
    private static Instruction le(String hex) {
        List<Instruction> insns = Instructions.decode(HexFormat.of().parseHex(hex.replace(" ", "")), ByteOrder.LITTLE_ENDIAN);
        assertEquals(1, insns.size());
        return insns.get(0);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiterString = " | ", textBlock = """
            # v4, as in LLVM 18's BPFInstrInfo.td
            bf 21 08 00 00 00 00 00 | r1 = (s8)r2
            bf 21 10 00 00 00 00 00 | r1 = (s16)r2
            bf 21 20 00 00 00 00 00 | r1 = (s32)r2
            bc 21 08 00 00 00 00 00 | w1 = (s8)w2
            bc 21 10 00 00 00 00 00 | w1 = (s16)w2
            91 21 00 00 00 00 00 00 | r1 = *(s8 *)(r2 + 0)
            89 21 fe ff 00 00 00 00 | r1 = *(s16 *)(r2 - 2)
            81 21 04 00 00 00 00 00 | r1 = *(s32 *)(r2 + 4)
            d7 01 00 00 10 00 00 00 | r1 = bswap16 r1
            d7 01 00 00 20 00 00 00 | r1 = bswap32 r1
            d7 01 00 00 40 00 00 00 | r1 = bswap64 r1
            06 00 00 00 a0 86 01 00 | gotol +100000
            06 00 00 00 fe ff ff ff | gotol -2
            3f 21 01 00 00 00 00 00 | r1 s/= r2
            9f 21 01 00 00 00 00 00 | r1 s%= r2
            37 01 01 00 fd ff ff ff | r1 s/= -3
            34 01 01 00 03 00 00 00 | w1 s/= 3
            94 01 01 00 03 00 00 00 | w1 s%= 3
            3c 21 01 00 00 00 00 00 | w1 s/= w2
            # later LLVM releases
            45 12 03 00 00 00 00 00 | if r2 & 0 goto +3
            4d 12 03 00 00 00 00 00 | if r2 & r1 goto +3
            46 12 fd ff 07 00 00 00 | if w2 & 7 goto -3
            62 0a f8 ff 01 00 00 00 | *(u32 *)(r10 - 8) = 1
            7a 0a f8 ff ff ff ff ff | *(u64 *)(r10 - 8) = -1
            6a 01 02 00 34 12 00 00 | *(u16 *)(r1 + 2) = 4660
            72 01 00 00 ff 00 00 00 | *(u8 *)(r1 + 0) = 255
            e5 00 03 00 00 00 00 00 | may_goto +3
            bf 21 01 00 00 00 01 00 | r1 = addr_space_cast(r2, 1, 0)
            db 21 08 00 00 01 00 00 | r1 = load_acquire((u64 *)(r2 + 8))
            c3 21 00 00 00 01 00 00 | w1 = load_acquire((u32 *)(r2 + 0))
            cb 21 00 00 00 01 00 00 | w1 = load_acquire((u16 *)(r2 + 0))
            d3 21 00 00 00 01 00 00 | w1 = load_acquire((u8 *)(r2 + 0))
            db 21 00 00 10 01 00 00 | store_release((u64 *)(r1 + 0), r2)
            d3 21 fc ff 10 01 00 00 | store_release((u8 *)(r1 - 4), w2)
            8d 02 00 00 00 00 00 00 | callx r2
            # 32-bit atomics: LLVM's alu32 syntax
            c3 21 00 00 40 00 00 00 | lock *(u32 *)(r1 + 0) |= w2
            c3 21 00 00 50 00 00 00 | lock *(u32 *)(r1 + 0) &= w2
            c3 21 00 00 a0 00 00 00 | lock *(u32 *)(r1 + 0) ^= w2
            c3 21 00 00 01 00 00 00 | w2 = atomic_fetch_add((u32 *)(r1 + 0), w2)
            c3 21 00 00 e1 00 00 00 | w2 = xchg32_32(r1 + 0, w2)
            c3 21 00 00 f1 00 00 00 | w0 = cmpxchg32_32(r1 + 0, w0, w2)
            c3 21 00 00 00 00 00 00 | lock *(u32 *)(r1 + 0) += r2
            # calls print the raw imm, as llvm does
            85 00 00 00 01 00 00 00 | call 1
            85 10 00 00 fb ff ff ff | call -5
            85 20 00 00 07 10 00 00 | call 4103
            # legacy packet loads; a non-zero imm of BPF_IND is shown (llvm drops it)
            30 00 00 00 04 00 00 00 | r0 = *(u8 *)skb[4]
            40 20 00 00 00 00 00 00 | r0 = *(u32 *)skb[r2]
            48 20 00 00 0e 00 00 00 | r0 = *(u16 *)skb[r2 + 14]
            50 20 00 00 f0 ff ff ff | r0 = *(u8 *)skb[r2 - 16]
            # ld_imm64 pseudo kinds, in bpftool's words
            18 01 00 00 2a 00 00 00 00 00 00 00 00 00 00 00 | r1 = 42 ll
            18 11 00 00 05 00 00 00 00 00 00 00 00 00 00 00 | r1 = map[fd:5] ll
            18 21 00 00 05 00 00 00 00 00 00 00 08 00 00 00 | r1 = map[fd:5][0]+8 ll
            18 31 00 00 07 00 00 00 00 00 00 00 00 00 00 00 | r1 = btf_id[7] ll
            18 41 00 00 03 00 00 00 00 00 00 00 00 00 00 00 | r1 = subprog[+3] ll
            18 41 00 00 fd ff ff ff 00 00 00 00 00 00 00 00 | r1 = subprog[-3] ll
            18 51 00 00 00 00 00 00 00 00 00 00 00 00 00 00 | r1 = map[idx:0] ll
            18 61 00 00 01 00 00 00 00 00 00 00 10 00 00 00 | r1 = map[idx:1]+16 ll
            18 f1 00 00 01 00 00 00 00 00 00 00 02 00 00 00 | r1 = pseudo15[1, 2] ll
            # registers the kernel rejects still print
            bf fc 00 00 00 00 00 00 | r12 = r15
            # no instruction: the opcode alone is named
            ff 00 00 00 00 00 00 00 | <unknown opcode 0xff>
            00 00 00 00 00 00 00 00 | <unknown opcode 0x00>
            38 00 00 00 00 00 00 00 | <unknown opcode 0x38>
            98 00 00 00 00 00 00 00 | <unknown opcode 0x98>
            0f 21 01 00 00 00 00 00 | <unknown opcode 0x0f>
            3f 21 02 00 00 00 00 00 | <unknown opcode 0x3f>
            bc 21 20 00 00 00 00 00 | <unknown opcode 0xbc>
            b7 01 08 00 00 00 00 00 | <unknown opcode 0xb7>
            bc 21 01 00 00 00 00 00 | <unknown opcode 0xbc>
            8f 01 00 00 00 00 00 00 | <unknown opcode 0x8f>
            d7 01 00 00 08 00 00 00 | <unknown opcode 0xd7>
            dc 01 00 00 00 00 00 00 | <unknown opcode 0xdc>
            df 01 00 00 10 00 00 00 | <unknown opcode 0xdf>
            0e 00 00 00 00 00 00 00 | <unknown opcode 0x0e>
            0d 00 00 00 00 00 00 00 | <unknown opcode 0x0d>
            86 00 00 00 00 00 00 00 | <unknown opcode 0x86>
            96 00 00 00 00 00 00 00 | <unknown opcode 0x96>
            9d 00 00 00 00 00 00 00 | <unknown opcode 0x9d>
            e6 00 00 00 00 00 00 00 | <unknown opcode 0xe6>
            f5 00 00 00 00 00 00 00 | <unknown opcode 0xf5>
            99 21 00 00 00 00 00 00 | <unknown opcode 0x99>
            82 01 00 00 00 00 00 00 | <unknown opcode 0x82>
            c3 21 00 00 02 00 00 00 | <unknown opcode 0xc3>
            cb 21 00 00 01 00 00 00 | <unknown opcode 0xcb>
            e3 21 00 00 00 00 00 00 | <unknown opcode 0xe3>
            """)
    void formatsLikeLlvm(String hex, String expected) {
        assertEquals(expected, Disassembler.format(le(hex)));
    }

    @Test
    void alu32NamesSubRegistersOfNarrowLoadsAndStores() {
        Instruction load = le("61 21 04 00 00 00 00 00");
        Instruction store = le("6b 12 04 00 00 00 00 00");
        Instruction load64 = le("79 21 04 00 00 00 00 00");
        Instruction xadd = le("c3 21 00 00 00 00 00 00");
        assertEquals("r1 = *(u32 *)(r2 + 4)", Disassembler.format(load, false));
        assertEquals("w1 = *(u32 *)(r2 + 4)", Disassembler.format(load, true));
        assertEquals("*(u16 *)(r2 + 4) = w1", Disassembler.format(store, true));
        assertEquals("r1 = *(u64 *)(r2 + 4)", Disassembler.format(load64, true));
        assertEquals("lock *(u32 *)(r1 + 0) += w2", Disassembler.format(xadd, true));
        // Sign-extending loads exist only with 64-bit destinations.
        assertEquals("r1 = *(s8 *)(r2 + 0)", Disassembler.format(le("91 21 00 00 00 00 00 00"), true));
    }

    @Test
    void referencesAreAppendedAsComments() {
        Instruction ld = Instruction.loadImm64(1, 0);
        assertEquals("r1 = 0 ll  ; map: counters", Disassembler.format(ld.withReference(new Reference.Map("counters"))));
        assertEquals("r1 = 0 ll  ; map value: .rodata+8",
                Disassembler.format(ld.withReference(new Reference.MapValue(".rodata", 8))));
        Instruction call = Instruction.of(Opcodes.CALL_INSN, 0, Opcodes.PSEUDO_CALL, 0, -1);
        assertEquals("call -1  ; func: helper_fn", Disassembler.format(call.withReference(new Reference.Function("helper_fn"))));
        assertEquals("call -1  ; extern: bpf_task_acquire",
                Disassembler.format(call.withReference(new Reference.Extern("bpf_task_acquire"))));
    }

    @Test
    void listingLaysOutLinesLikeLlvmObjdump() {
        List<Instruction> insns = List.of(
                Instruction.of(0xb7, 1, 0, 0, 0),
                Instruction.loadImm64(2, 0x1_0000_0002L),
                Instruction.of(0x95, 0, 0, 0, 0));
        assertEquals("""
                       0:\tr1 = 0
                       1:\tr2 = 4294967298 ll
                       3:\texit
                """, Disassembler.listing(insns));
        assertEquals("""
                       0:\tb7 01 00 00 00 00 00 00\tr1 = 0
                       1:\t18 02 00 00 02 00 00 00 00 00 00 00 01 00 00 00\tr2 = 4294967298 ll
                       3:\t95 00 00 00 00 00 00 00\texit
                """, Disassembler.listing(insns, Disassembler.Options.OBJDUMP));
        assertEquals("""
                      10:\tb7 10 00 00 00 00 00 00\tr1 = 0
                      11:\t18 20 00 00 00 00 00 02 00 00 00 00 00 00 00 01\tr2 = 4294967298 ll
                      13:\t95 00 00 00 00 00 00 00\texit
                """, Disassembler.listing(insns,
                Disassembler.Options.OBJDUMP.withByteOrder(ByteOrder.BIG_ENDIAN).withFirstSlot(10)));
        assertEquals("r1 = 0\nr2 = 4294967298 ll\nexit\n", Disassembler.listing(insns, Disassembler.Options.PLAIN));
        assertEquals("", Disassembler.listing(List.of()));
    }
}
