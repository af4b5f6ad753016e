package dev.bpf4j.emulator;

import dev.bpf4j.Bpf4j;
import dev.bpf4j.asm.Instruction;
import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.loader.AttachType;
import dev.bpf4j.loader.ProgramType;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.bpf4j.emulator.MapTestKit.errno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * testdata's map_iter.o (both byte orders): {@code iter/bpf_map_elem} programs over hash,
 * array and per-CPU maps, with the output of bpf_seq_printf/bpf_seq_write and the kernel's
 * read() rules (final NULL call, seq_num, overflow, retry).
 */
class MapIteratorTest {
    /** map_iter.c's NR_CPUS: sum_percpu reads four CPUs' values. */
    static final int CPUS = 4;

    static LoadedObject load(Target target) {
        return load(new EmulatorBackend(EmulatorConfig.defaults().withCpus(CPUS)), target);
    }

    static LoadedObject load(EmulatorBackend backend, Target target) {
        return Bpf4j.open("map_iter.o", TestObjects.object("map_iter", target)).load(backend);
    }

    static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    static String iterate(LoadedObject o, String program, String map) {
        return text(o.program(program).iterate(o.map(map)));
    }

    /** "key=value" lines in the map's iteration order, then "end": what dump_kv must print. */
    static String expectedDump(MapHandle m) {
        var b = new StringBuilder();
        for (MapHandle.Entry e : m.entries())
            b.append(Integer.toUnsignedString(ByteBuffer.wrap(e.key()).order(m.byteOrder()).getInt())).append('=')
                    .append(Long.toUnsignedString(ByteBuffer.wrap(e.value()).order(m.byteOrder()).getLong())).append('\n');
        return b.append("end\n").toString();
    }

    @Provide
    Arbitrary<Map<Integer, Long>> contents() {
        return Arbitraries.maps(Arbitraries.integers(), Arbitraries.longs()).ofMaxSize(256);
    }

    @Property(tries = 60)
    void dumpPrintsEveryElementOnceThenEnd(@ForAll("contents") Map<Integer, Long> contents, @ForAll Target target) {
        try (LoadedObject o = load(target)) {
            MapHandle kv = o.map("kv");
            contents.forEach((k, v) -> kv.update(kv.key(k & 0xffffffffL), kv.value(v)));
            assertEquals(expectedDump(kv), iterate(o, "dump_kv", "kv"));
            var raw = new ByteArrayOutputStream();
            for (MapHandle.Entry e : kv.entries()) {
                raw.writeBytes(e.key());
                raw.writeBytes(e.value());
            }
            assertEquals(text(raw.toByteArray()), iterate(o, "dump_raw", "kv"));
            assertEquals("count=" + contents.size() + " seq_num=" + Math.max(0, contents.size() - 1),
                    countLine(iterate(o, "count_elems", "kv")).group(1));
        }
    }

    static Matcher countLine(String out) {
        Matcher m = Pattern.compile("(count=\\d+ seq_num=\\d+) session=(\\d+)\n").matcher(out);
        assertTrue(m.matches(), out);
        return m;
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void emptyMapGetsOnlyTheFinalCall(Target target) {
        try (LoadedObject o = load(target)) {
            assertEquals("end\n", iterate(o, "dump_kv", "kv"));
            assertEquals("", iterate(o, "dump_raw", "kv"));
            assertEquals("count=0 seq_num=0", countLine(iterate(o, "count_elems", "kv")).group(1));
        }
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void everySessionHasItsOwnId(Target target) {
        try (LoadedObject o = load(target)) {
            long first = Long.parseLong(countLine(iterate(o, "count_elems", "kv")).group(2));
            long second = Long.parseLong(countLine(iterate(o, "count_elems", "slots")).group(2));
            assertTrue(first > 0, "session ids start at 1");
            assertTrue(second > first, first + " then " + second);
        }
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void arrayMapsShowEveryIndex(Target target) {
        try (LoadedObject o = load(target)) {
            MapHandle slots = o.map("slots");
            slots.update(slots.key(3), slots.value(33));
            slots.update(slots.key(7), slots.value(77));
            assertEquals("0=0\n1=0\n2=0\n3=33\n4=0\n5=0\n6=0\n7=77\nend\n", iterate(o, "dump_kv", "slots"));
            assertEquals("count=8 seq_num=7", countLine(iterate(o, "count_elems", "slots")).group(1));
        }
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void writesThroughTheValuePointerLandInTheMap(Target target) {
        try (LoadedObject o = load(target)) {
            MapHandle kv = o.map("kv"), slots = o.map("slots");
            kv.update(kv.key(1), kv.value(10));
            kv.update(kv.key(2), kv.value(21));
            slots.update(slots.key(5), slots.value(50));
            assertEquals("", iterate(o, "double_values", "kv"));
            assertEquals("", iterate(o, "double_values", "slots"));
            assertEquals(20, kv.lookupLong(1).orElseThrow());
            assertEquals(42, kv.lookupLong(2).orElseThrow());
            assertEquals(100, slots.lookupLong(5).orElseThrow());
            assertEquals(0, slots.lookupLong(4).orElseThrow());
        }
    }

    static byte[] perCpu(ByteOrder order, long... values) {
        ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(order);
        for (long v : values)
            b.putLong(v);
        return b.array();
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void perCpuMapsShowEveryCpusValueAndIgnoreWrites(Target target) {
        try (LoadedObject o = load(target)) {
            MapHandle pc = o.map("pc");
            byte[] one = perCpu(pc.byteOrder(), 1, 2, 3, 4), two = perCpu(pc.byteOrder(), 100, 0, 0, 5);
            pc.update(pc.key(1), one);
            pc.update(pc.key(2), two);
            var expected = new StringBuilder();
            for (byte[] k : pc.keys())
                expected.append(ByteBuffer.wrap(k).order(pc.byteOrder()).getInt() == 1 ? "1=10\n" : "2=105\n");
            assertEquals(expected.toString(), iterate(o, "sum_percpu", "pc"));
            // the value is a copy: the program's stores do not reach the map
            assertEquals("", iterate(o, "double_values", "pc"));
            assertEquals(text(one), text(pc.lookup(pc.key(1)).orElseThrow()));
            assertEquals(text(two), text(pc.lookup(pc.key(2)).orElseThrow()));
        }
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void nonzeroReturnIsEagain(Target target) {
        try (LoadedObject o = load(target)) {
            MapHandle kv = o.map("kv");
            kv.update(kv.key(1), kv.value(0));
            kv.update(kv.key(2), kv.value(0));
            assertEquals(2, text(o.program("retry_seven").iterate(kv)).lines().count());
            kv.update(kv.key(7), kv.value(0));
            // 7 is retried first in the next read, returns 1 again: the read fails
            errno(BackendException.EAGAIN, () -> o.program("retry_seven").iterate(kv));
        }
    }

    /** .bss of map_iter: seen @0, runs @4, end_chunks @8, chunk @12, last_err @0x2010. */
    static final int RUNS = 4, END_CHUNKS = 8, LAST_ERR = 0x2010;

    static ByteBuffer bss(LoadedObject o) {
        MapHandle bss = o.map("map_iter.bss");
        return ByteBuffer.wrap(bss.lookup(bss.key(0)).orElseThrow()).order(bss.byteOrder());
    }

    /** Sets how many 8 KiB chunks overflow_lines writes in its final call. */
    static void endChunks(LoadedObject o, int n) {
        MapHandle bss = o.map("map_iter.bss");
        bss.update(bss.key(0), bss(o).putInt(END_CHUNKS, n).array());
    }

    @Provide
    Arbitrary<List<Integer>> chunkCounts() {
        return Arbitraries.integers().between(0, 3).list().ofMaxSize(12);
    }

    /** Whatever the read boundaries, every element's output and the final call's appear exactly once. */
    @Property(tries = 40)
    void overflowsNeverLoseOrRepeatOutput(@ForAll("chunkCounts") List<Integer> counts,
                                          @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 3) int atEnd) {
        try (LoadedObject o = load(Target.BPFEL)) {
            MapHandle kv = o.map("kv");
            for (int i = 0; i < counts.size(); i++)
                kv.update(kv.key(i), kv.value(counts.get(i)));
            endChunks(o, atEnd);
            byte[] out = o.program("overflow_lines").iterate(kv);
            assertEquals(8192L * (counts.stream().mapToInt(Integer::intValue).sum() + atEnd), out.length);
            assertTrue(bss(o).getInt(RUNS) >= counts.size() + 1, "every element and the final call ran");
        }
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void anElementThatOverflowsTheBufferRunsAgainInTheNextRead(Target target) {
        try (LoadedObject o = load(target)) {
            MapHandle kv = o.map("kv");
            kv.update(kv.key(1), kv.value(3));   // 3 * 8 KiB: fits the 32 KiB buffer alone, not twice
            kv.update(kv.key(2), kv.value(3));
            byte[] out = o.program("overflow_lines").iterate(kv);
            assertEquals(6 * 8192, out.length, "each element's output once");
            ByteBuffer bss = bss(o);
            assertEquals(4, bss.getInt(RUNS), "runs: the second element ran twice, then the final call");
            assertEquals(-BackendException.EOVERFLOW, bss.getLong(LAST_ERR));
        }
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void anElementWhoseOutputAloneOverflowsIsE2big(Target target) {
        try (LoadedObject o = load(target)) {
            MapHandle kv = o.map("kv");
            kv.update(kv.key(1), kv.value(4));   // 32768 bytes: the kernel needs one byte to spare
            errno(BackendException.E2BIG, () -> o.program("overflow_lines").iterate(kv));
            assertEquals(-BackendException.EOVERFLOW, bss(o).getLong(LAST_ERR));
        }
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void aFinalCallThatOverflowsRunsAgainInTheNextRead(Target target) {
        try (LoadedObject o = load(target)) {
            MapHandle kv = o.map("kv");
            kv.update(kv.key(1), kv.value(3));
            endChunks(o, 3);
            assertEquals(6 * 8192, o.program("overflow_lines").iterate(kv).length);
            assertEquals(3, bss(o).getInt(RUNS), "the element, the final call that overflowed, the final call again");
        }
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void aFinalCallWhoseOutputAloneOverflowsIsE2big(Target target) {
        try (LoadedObject o = load(target)) {
            endChunks(o, 4);
            BackendException e = org.junit.jupiter.api.Assertions.assertThrows(BackendException.class,
                    () -> o.program("overflow_lines").iterate(o.map("kv")));
            assertEquals(-BackendException.E2BIG, e.errno());
            assertTrue(e.getMessage().contains("final call") && e.getMessage().contains("overflow_lines"), e.getMessage());
        }
    }

    @Test
    void onlyMapElementIteratorsIterate() {
        try (LoadedObject o = load(Target.BPFEL);
             LoadedObject hooks = Bpf4j.open("hooks.o", TestObjects.object("hooks", Target.BPFEL)).load(new EmulatorBackend())) {
            BackendException e = org.junit.jupiter.api.Assertions.assertThrows(BackendException.class,
                    () -> hooks.program("xdp_pass").iterate(hooks.map("hits")));
            assertEquals(-BackendException.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("xdp_pass") && e.getMessage().contains("iter/bpf_map_elem"), e.getMessage());
            // a map of another backend (another kernel, another address space)
            e = org.junit.jupiter.api.Assertions.assertThrows(BackendException.class,
                    () -> o.program("dump_kv").iterate(hooks.map("hits")));
            assertEquals(-BackendException.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("hits") && e.getMessage().contains("not a map of this emulator backend"), e.getMessage());
        }
    }

    @Test
    void mapsOfOtherObjectsOfTheBackendIterate() {
        var backend = new EmulatorBackend();
        try (LoadedObject o = load(backend, Target.BPFEL);
             LoadedObject other = Bpf4j.open("map_trace.o", TestObjects.object("map_trace", Target.BPFEL)).load(backend)) {
            MapHandle mirror = other.map("mirror");
            mirror.update(mirror.key(4), mirror.value(44));
            assertEquals("4=44\nend\n", text(o.program("dump_kv").iterate(mirror)));
        }
    }

    @Test
    void mapsWithoutIteratorsAreRefused() {
        var backend = new EmulatorBackend();
        try (LoadedObject o = load(backend, Target.BPFEL);
             LoadedObject other = Bpf4j.open("tail_calls.o", TestObjects.object("tail_calls", Target.BPFEL)).load(backend)) {
            for (MapHandle m : other.maps()) {
                if (MapIterator.TYPES.contains(m.spec().type()))
                    continue;
                BackendException e = org.junit.jupiter.api.Assertions.assertThrows(BackendException.class,
                        () -> o.program("dump_kv").iterate(m));
                assertEquals(-BackendException.EINVAL, e.errno());
                assertTrue(e.getMessage().contains(m.name()) && e.getMessage().contains("no element iterator"), e.getMessage());
            }
            assertTrue(other.maps().stream().anyMatch(m -> !MapIterator.TYPES.contains(m.spec().type())));
        }
    }

    @Test
    void closedObjectsMapsAreRefused() {
        var backend = new EmulatorBackend();
        LoadedObject o = load(backend, Target.BPFEL);
        LoadedObject other = load(backend, Target.BPFEL);
        MapHandle kv = other.map("kv");
        other.close();
        errno(BackendException.EBADF, () -> o.program("dump_kv").iterate(kv));
        o.close();
    }

    /** r1 = NULL, r2 = NULL, r3 = 0, call bpf_seq_write, exit. */
    static List<Instruction> seqWrite() {
        return List.of(Asm.mov(1, 0), Asm.mov(2, 0), Asm.mov(3, 0), Asm.call(127), Asm.exit());
    }

    @Test
    void seqHelpersAreForIteratorsOnly() {
        VerifierResult v = Verifier.verify(seqWrite(), ProgramType.TRACING, Optional.of(AttachType.TRACE_MAP));
        assertFalse(v.ok());
        assertTrue(v.error().contains("unknown func bpf_seq_write#127"), v.error());
        assertFalse(Verifier.verify(seqWrite(), ProgramType.KPROBE, Optional.empty()).ok());
        assertTrue(Verifier.verify(seqWrite(), ProgramType.TRACING, Optional.of(AttachType.TRACE_ITER)).ok(),
                () -> Verifier.verify(seqWrite(), ProgramType.TRACING, Optional.of(AttachType.TRACE_ITER)).error());
    }
}
