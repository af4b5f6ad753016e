package dev.bpf4j.emulator;

import dev.bpf4j.Bpf4j;
import dev.bpf4j.asm.Instruction;
import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.ProgramSpec;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bpf_seq_printf and bpf_seq_write called with arguments the kernel refuses, from
 * hand-assembled iterators (little-endian) run over an empty map: only the final call runs.
 * Each program writes the helper's return value with bpf_seq_write, so the output ends with it.
 */
class SeqHelpersTest {
    static final int SEQ_PRINTF = 126, SEQ_WRITE = 127;

    /** An iter/bpf_map_elem program of {@code insns}, loaded into {@code backend}. */
    static ProgramHandle iterator(EmulatorBackend backend, List<Instruction> insns) {
        var match = Asm.section("iter/bpf_map_elem");
        var spec = new ProgramSpec("asm_iter", "iter/bpf_map_elem", match.def().type(), match.def().expectedAttachType(),
                "bpf_map_elem", match.def(), true, 0, 0, true, insns, List.of(), "GPL", 0);
        var plan = new LoadPlan(Asm.LE, List.of(new LinkedProgram(spec, insns, List.of())), List.of());
        return backend.load(plan).program("asm_iter");
    }

    /**
     * r6 = ctx->meta->seq; the 8 format bytes at r10-16, the argument at r10-24;
     * r0 = bpf_seq_printf(seq, r10-16, fmtSize, data, dataLen); then bpf_seq_write(seq, &r0, 8).
     */
    static List<Instruction> printf(long fmt, int fmtSize, boolean nullData, int dataLen, long arg) {
        var l = new ArrayList<>(List.of(
                Asm.ldx(8, 1, 1, 0), Asm.ldx(8, 6, 1, 0),
                Asm.st(4, 10, -16, (int) fmt), Asm.st(4, 10, -12, (int) (fmt >>> 32)),
                Asm.st(8, 10, -24, arg),
                Asm.movx(1, 6), Asm.movx(2, 10), Asm.add(2, -16), Asm.mov(3, fmtSize)));
        if (nullData)
            l.add(Asm.mov(4, 0));
        else {
            l.add(Asm.movx(4, 10));
            l.add(Asm.add(4, -24));
        }
        l.addAll(List.of(Asm.mov(5, dataLen), Asm.call(SEQ_PRINTF), Asm.stx(8, 10, 0, -32),
                Asm.movx(1, 6), Asm.movx(2, 10), Asm.add(2, -32), Asm.mov(3, 8), Asm.call(SEQ_WRITE),
                Asm.mov(0, 0), Asm.exit()));
        return l;
    }

    /** Little-endian bytes of {@code s} (at most 8) as a long. */
    static long fmt(String s) {
        byte[] b = Arrays.copyOf(s.getBytes(StandardCharsets.ISO_8859_1), 8);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    record Out(String text, long ret) {
    }

    static Out run(List<Instruction> insns) {
        var backend = new EmulatorBackend();
        try (LoadedObject maps = Bpf4j.open("map_iter.o", TestObjects.object("map_iter", Target.BPFEL)).load(backend)) {
            byte[] out = iterator(backend, insns).iterate(maps.map("kv"));
            assertTrue(out.length >= 8, "the return value was written");
            long ret = ByteBuffer.wrap(out, out.length - 8, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            return new Out(new String(out, 0, out.length - 8, StandardCharsets.ISO_8859_1), ret);
        }
    }

    @Test
    void printfFormatsItsArguments() {
        assertEquals(new Out("v=-5", 0), run(printf(fmt("v=%d"), 8, false, 8, -5)));
        assertEquals(new Out("%", 0), run(printf(fmt("%%"), 3, true, 0, 0)));
    }

    @Test
    void printfRefusesBadFormatsAndArguments() {
        Out einval = new Out("", -BackendException.EINVAL);
        assertEquals(einval, run(printf(fmt("xxxxxxxx"), 8, false, 8, 0)), "no NUL within fmt_size");
        assertEquals(einval, run(printf(fmt("v=%d"), 8, false, 4, 0)), "data_len not a multiple of 8");
        assertEquals(einval, run(printf(fmt("v=%d"), 8, false, 8 * 13, 0)), "more than 12 arguments");
        assertEquals(einval, run(printf(fmt("v=%d"), 8, true, 8, 0)), "NULL data with a length");
        assertEquals(einval, run(printf(fmt("v=%q"), 8, false, 8, 0)), "unknown conversion");
        assertEquals(einval, run(printf(fmt("%d%d"), 8, false, 8, 0)), "more conversions than arguments");
    }

    @Test
    void aSeqThatIsNotTheIteratorsIsAFault() {
        // bpf_seq_write(NULL, NULL, 0)
        List<Instruction> insns = List.of(Asm.mov(1, 0), Asm.mov(2, 0), Asm.mov(3, 0), Asm.call(SEQ_WRITE),
                Asm.mov(0, 0), Asm.exit());
        var backend = new EmulatorBackend();
        try (LoadedObject maps = Bpf4j.open("map_iter.o", TestObjects.object("map_iter", Target.BPFEL)).load(backend)) {
            BackendException e = assertThrows(BackendException.class, () -> iterator(backend, insns).iterate(maps.map("kv")));
            assertEquals(-BackendException.EFAULT, e.errno());
            assertTrue(e.getMessage().contains("bpf_seq_write") && e.getMessage().contains("not the seq_file"), e.getMessage());
        }
    }

    @Test
    void seqWriteOfUnreadableBytesIsAFault() {
        // bpf_seq_write(ctx->meta->seq, 8, 4): address 8 is in no region
        List<Instruction> insns = List.of(Asm.ldx(8, 1, 1, 0), Asm.ldx(8, 1, 1, 0), Asm.mov(2, 8), Asm.mov(3, 4),
                Asm.call(SEQ_WRITE), Asm.mov(0, 0), Asm.exit());
        var backend = new EmulatorBackend();
        try (LoadedObject maps = Bpf4j.open("map_iter.o", TestObjects.object("map_iter", Target.BPFEL)).load(backend)) {
            BackendException e = assertThrows(BackendException.class, () -> iterator(backend, insns).iterate(maps.map("kv")));
            assertEquals(-BackendException.EFAULT, e.errno());
            assertTrue(e.getMessage().contains("bpf_seq_write"), e.getMessage());
        }
    }
}
