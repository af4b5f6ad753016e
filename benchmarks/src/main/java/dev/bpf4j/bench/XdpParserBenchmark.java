package dev.bpf4j.bench;

import dev.bpf4j.Bpf4j;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.testdata.KernelPeer;
import dev.bpf4j.testdata.TestObjects;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import org.opentest4j.TestAbortedException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * xdp_parser (bpfel) over the 23 frames of testdata/pcap/sample.pcap in the emulator, in
 * nanoseconds per packet: one {@code testRun} per packet (repeat 1: the whole request, packet
 * copy and result included), and repeat 100 (the program runs 100 times per request, so the
 * request's overhead is spread). Beside it, {@link #main} prints the kernel's own figure.
 *
 * <pre>
 * mvn -B -q package -pl benchmarks -am -DskipTests
 * java -jar benchmarks/target/benchmarks.jar XdpParserBenchmark -f 1 -wi 2 -i 3
 * java -cp benchmarks/target/benchmarks.jar dev.bpf4j.bench.XdpParserBenchmark   # the kernel (root, gcc, libbpf-dev)
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class XdpParserBenchmark {
    /** 23 frames in sample.pcap; checked at set-up, since @OperationsPerInvocation must be a constant. */
    static final int PACKETS = 23;
    static final int REPEAT = 100;

    private LoadedObject object;
    private ProgramHandle program;
    private List<TestRun> once;
    private List<TestRun> repeated;

    @Setup
    public void setUp() {
        object = Bpf4j.open("xdp_parser.o", TestObjects.object("xdp_parser", TestObjects.Target.BPFEL)).load();
        program = object.program("xdp_parser");
        List<byte[]> frames = TestObjects.pcapFrames("pcap/sample.pcap");
        if (frames.size() != PACKETS)
            throw new IllegalStateException("sample.pcap has " + frames.size() + " frames, the benchmark counts " + PACKETS);
        once = frames.stream().map(TestRun::ofData).toList();
        repeated = frames.stream().map(f -> TestRun.ofData(f).withRepeat(REPEAT)).toList();
    }

    @TearDown
    public void tearDown() {
        object.close();
    }

    /** One BPF_PROG_TEST_RUN-like request per packet. */
    @Benchmark
    @OperationsPerInvocation(PACKETS)
    public void repeat1(Blackhole bh) {
        for (TestRun r : once)
            bh.consume(program.testRun(r).retval());
    }

    /** One request per packet, the program run 100 times in it: the per-run time. */
    @Benchmark
    @OperationsPerInvocation(PACKETS * REPEAT)
    public void repeat100(Blackhole bh) {
        for (TestRun r : repeated)
            bh.consume(program.testRun(r).retval());
    }

    /**
     * The kernel's figure: every frame of sample.pcap through BPF_PROG_TEST_RUN with repeat
     * 1,000,000, printing the duration the kernel reports (its mean per run, timed inside
     * the kernel), and the emulator's own reported duration for the same request, after a
     * warm-up. Needs root, gcc and libbpf-dev; says why not otherwise.
     */
    public static void main(String[] args) throws Exception {
        int repeat = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        List<byte[]> frames = TestObjects.pcapFrames("pcap/sample.pcap");
        Path work = Files.createTempDirectory("bpf4j-xdp-bench");
        try {
            Path file = work.resolve("xdp_parser.o");
            Files.write(file, TestObjects.object("xdp_parser", TestObjects.Target.BPFEL));
            try (KernelPeer kernel = KernelPeer.start(work, file);
                 LoadedObject emulator = Bpf4j.open(file).load()) {
                ProgramHandle p = emulator.program("xdp_parser");
                for (int i = 0; i < 20; i++)            // let the JIT compile the interpreter
                    for (byte[] f : frames)
                        p.testRun(TestRun.ofData(f).withRepeat(1000));
                long kernelSum = 0;
                long emulatorSum = 0;
                System.out.printf("%-6s %6s %7s %12s %14s%n", "packet", "bytes", "retval", "kernel ns", "emulator ns");
                for (int i = 0; i < frames.size(); i++) {
                    byte[] f = frames.get(i);
                    KernelPeer.Run k = kernel.run("xdp_parser", f, null, repeat);
                    if (!k.ok())
                        throw new IllegalStateException("kernel refused packet " + (i + 1) + ": " + k.message());
                    long e = p.testRun(TestRun.ofData(f).withRepeat(Math.min(repeat, 100_000))).durationNs();
                    kernelSum += k.durationNs();
                    emulatorSum += e;
                    System.out.printf("%-6d %6d %7d %12d %14d%n", i + 1, f.length, k.retval(), k.durationNs(), e);
                }
                System.out.printf("mean per packet: kernel %.1f ns (BPF_PROG_TEST_RUN duration, repeat %d), "
                                + "emulator %.1f ns (TestRunResult.durationNs, repeat %d)%n",
                        (double) kernelSum / frames.size(), repeat, (double) emulatorSum / frames.size(),
                        Math.min(repeat, 100_000));
            }
        } catch (TestAbortedException e) {
            System.out.println("no kernel figure: " + e.getMessage());
        } finally {
            try (var files = Files.walk(work)) {
                for (Path f : files.sorted(Comparator.reverseOrder()).toList())
                    Files.delete(f);
            }
        }
    }
}
