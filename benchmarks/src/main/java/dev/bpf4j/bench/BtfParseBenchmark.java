package dev.bpf4j.bench;

import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.BtfKind;
import dev.bpf4j.btf.BtfType;
import dev.bpf4j.btf.KernelBtf;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * Parsing the kernel's BTF, the hot path of every CO-RE load, beside libbpf doing the same:
 * {@code benchmarks/src/main/c/btf_parse.c} times {@code btf__parse} (vs {@link #readFile}),
 * {@code btf__new} on bytes in memory (vs {@link #parseBytes}) and {@code btf__find_by_name_kind}
 * (vs {@link #findId}).
 *
 * <pre>
 * mvn -B -q package -pl benchmarks -am -DskipTests
 * java -jar benchmarks/target/benchmarks.jar BtfParseBenchmark
 * gcc -O2 -o /tmp/btf_parse benchmarks/src/main/c/btf_parse.c -lbpf &amp;&amp; /tmp/btf_parse
 * </pre>
 *
 * <p>What parsing does (both versions check every name offset, type id reference and by-value
 * cycle at parse time; libbpf 1.1 checks only the layout, 1.3+ adds reference checks, still no
 * cycles): one pass over the type section that reads each word in place, keeping a running
 * maximum of name offsets and of referenced ids (compared with the limits once at the end) and
 * noting the few types with references to higher ids, then a cycle search from those only. A
 * file of 256 KiB or more is parsed while a helper thread reads it (sysfs returns one page per
 * read(2): ~1350 calls for vmlinux), so that with a free second core {@link #readFile} costs
 * about the larger of reading and parsing instead of their sum. The per-type work is in small methods so that the JIT compiles
 * it during the first parse (a single long loop ran in profiling code for the first ~100 parses).
 *
 * <p>Figures (vmlinux 5.5 MB, 126,611 types; JDK 17, libbpf 1.1.2; a shared 2-core machine with
 * load average 4-7 from other builds during the runs, so absolute numbers are 1.5-3x what an idle
 * machine gives). Three rounds, each running the previous parser (commit eac5e14), this one and
 * the C tool back to back; JMH -f 2 -wi 4 -i 5 -w 1 -r 1; median (range) of the three rounds:
 * <ul>
 * <li>readFile: before 16.4 ms (11.7-17.6), now 13.6 ms (9.7-13.8); libbpf btf__parse 4.2 ms
 *     (3.7-5.8). Not faster than libbpf: the target is not met.</li>
 * <li>parseBytes: before 13.9 ms (10.5-14.1), now 11.3 ms (8.9-19.3); libbpf btf__new 3.5 ms
 *     (3.0-4.1).</li>
 * <li>On an idle machine (load average below 1; -f 2 -wi 4 -i 5 -w 1 -r 1, the C tool before
 *     and after): readFile 7.4 ms ± 0.6 vs btf__parse 4.5 / 3.4 ms; parseBytes 8.9 ms ± 1.8
 *     (it clones the 5.5 MB array first) vs btf__new 2.5 / 1.9 ms; findId 0.09 us vs
 *     btf__find_by_name_kind 0.4-0.5 us. Still not faster than libbpf.</li>
 * <li>The parse itself (index + checks, thread CPU time, bytes already in a direct buffer):
 *     before ~7.7 ms (1.5 index + 6.2 checks), now ~4.0 ms (3.5 + 0.5); libbpf's btf__new
 *     5.3-6.4 ms CPU (it copies the bytes first), btf__parse 6.9-8.2 ms CPU.</li>
 * </ul>
 * Where the rest of readFile goes: allocateDirect zeroes 5.5 MB of fresh memory (page faults:
 * ~0.8-2 ms that libbpf, reusing freed malloc memory in its loop, does not pay), ~1350 read(2)
 * calls (~2.7 ms, the same in C), and on this loaded machine the reader thread rarely finds a
 * free core, so reading and parsing seldom overlap. Retained heap of a parsed vmlinux: 0.53 MiB,
 * 1.53 MiB with the name index (unchanged; KernelBtfTest checks the 4 MiB bound).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BtfParseBenchmark {

    /** A raw BTF file; the running kernel's by default. */
    @Param({"/sys/kernel/btf/vmlinux"})
    public String file;

    private Path path;
    private byte[] bytes;
    private Btf parsed;
    private final KernelBtf shared = new KernelBtf();

    @Setup
    public void load() throws IOException {
        path = Path.of(file);
        if (!Files.isReadable(path))
            throw new IllegalStateException(file + " is not readable: run with -p file=<a raw BTF file>");
        bytes = Files.readAllBytes(path);
        parsed = Btf.read(path);
        parsed.typeByName("task_struct", BtfType.Struct.class); // builds the name index once
        shared.load(path);
    }

    /** File to parsed Btf (the bytes end up off-heap): libbpf's btf__parse. */
    @Benchmark
    public Btf readFile() throws IOException {
        return Btf.read(path);
    }

    /** Bytes in memory to parsed Btf (one copy, on the heap): libbpf's btf__new. */
    @Benchmark
    public Btf parseBytes() {
        return Btf.parse(bytes);
    }

    /** A lookup of an id by name and kind on a parsed Btf whose name index exists: btf__find_by_name_kind. */
    @Benchmark
    public OptionalInt findId() {
        return parsed.findId("task_struct", BtfKind.STRUCT);
    }

    /** The same lookup, returning the decoded record (task_struct: ~250 members, so mostly decoding). */
    @Benchmark
    public Optional<BtfType.Struct> lookupByName() {
        return parsed.typeByName("task_struct", BtfType.Struct.class);
    }

    /** Parse, then the first lookup by name, which builds the name index. */
    @Benchmark
    public Optional<BtfType.Struct> parseAndFirstLookup() {
        return Btf.parse(bytes).typeByName("task_struct", BtfType.Struct.class);
    }

    /** What a second load against the kernel's BTF pays when it shares a KernelBtf: a stat and a map lookup. */
    @Benchmark
    public Btf sharedLoad() throws IOException {
        return shared.load(path);
    }
}
