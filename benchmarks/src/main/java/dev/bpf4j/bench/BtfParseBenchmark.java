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
 * <p>Figures from a shared 2-core machine (load average 1-2, other builds running; treat as
 * +-30%), vmlinux of 5.5 MB with 126,611 types, JDK 17, libbpf 1.1.2, C tool run right before
 * and after: readFile 11.5 ms vs btf__parse 4.6-5.1 ms; parseBytes 11.1 ms vs btf__new 3.0 ms;
 * findId 0.1 us vs btf__find_by_name_kind 0.6 us; sharedLoad 1.8 us (libbpf has no equivalent:
 * it parses vmlinux again for every object it loads). bpf4j checks every reference, name and
 * by-value cycle at parse time; libbpf 1.1 checks only the layout (1.3+ adds reference checks,
 * still no cycles). Retained heap of a parsed vmlinux: 0.5 MiB, 1.5 MiB with the name index
 * (KernelBtfTest measures it).
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
