package dev.bpf4j.bench;

import dev.bpf4j.elf.ElfReader;
import dev.bpf4j.loader.KernelConfig;
import dev.bpf4j.loader.LinkOptions;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.ObjectSpec;
import dev.bpf4j.loader.SpecReader;
import dev.bpf4j.testdata.TestObjects;
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
import org.openjdk.jmh.infra.Blackhole;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Parsing cost: bytes already in memory to an {@link ObjectSpec} (ELF, BTF, programs, maps,
 * variables), per object and for the whole testdata corpus; the ELF layer alone; and open plus
 * link (what libbpf's bpf_object__open does, plus the relocation libbpf defers to load).
 *
 * <pre>
 * mvn -B -q package -pl benchmarks -am -DskipTests
 * java -jar benchmarks/target/benchmarks.jar ParseBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class ParseBenchmark {

    @Param({"xdp_parser", "sections", "globals"})
    public String object;

    private byte[] one;
    private List<byte[]> corpus;
    private List<String> names;

    // A fixed configuration: the benchmark measures linking, not reading /proc/config.gz.
    private final LinkOptions options = new LinkOptions(KernelConfig.parse("CONFIG_BPF_SYSCALL=y\nCONFIG_HZ=250\n",
            KernelConfig.version(6, 1, 0)));

    @Setup
    public void load() {
        one = TestObjects.object(object, TestObjects.Target.BPFEL);
        names = TestObjects.names();
        corpus = names.stream().map(n -> TestObjects.object(n, TestObjects.Target.BPFEL)).toList();
    }

    @Benchmark
    public ObjectSpec spec() {
        return SpecReader.read(object + ".o", one);
    }

    @Benchmark
    public Object elfOnly() {
        return ElfReader.read(object + ".o", one);
    }

    @Benchmark
    public LoadPlan openAndLink() {
        return Linker.link(SpecReader.read(object + ".o", one), options);
    }

    /** Every testdata object once (the figure for the issue: "parsing every testdata object"). */
    @Benchmark
    public void allObjects(Blackhole bh) {
        for (int i = 0; i < corpus.size(); i++)
            bh.consume(SpecReader.read(names.get(i) + ".o", corpus.get(i)));
    }
}
