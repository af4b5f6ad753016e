package dev.bpf4j.bench;

import dev.bpf4j.Bpf4j;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.linux.LinuxBackend;
import dev.bpf4j.testdata.TestObjects;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Loading into the running kernel: bytes in memory to programs and maps in the kernel (open +
 * link + load through bpf(2)), then closed again, per testdata object; beside it the same
 * object through libbpf in C ({@code bpf_object__open_mem} + {@code bpf_object__load} +
 * {@code bpf_object__close}), timed by a small C program in its own loop, so that process start
 * is not counted. Needs root; the libbpf side needs gcc and libbpf-dev. The target:
 * within 1.5x of libbpf.
 *
 * <pre>
 * mvn -B -q package -pl benchmarks -am -DskipTests
 * sudo java -jar benchmarks/target/benchmarks.jar LinuxLoadBenchmark
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class LinuxLoadBenchmark {

    @Param({"xdp_parser", "globals", "tail_calls", "subprogs"})
    public String object;

    private byte[] bytes;
    private LinuxBackend linux;
    private Path work;
    private Path libbpfLoad;
    /** Print the C program's own figures (off while JMH measures: its output would be noise). */
    boolean verbose;

    @Setup
    public void setUp() throws Exception {
        bytes = TestObjects.object(object, TestObjects.Target.BPFEL);
        linux = new LinuxBackend();
        linux.unavailable().ifPresent(why -> {
            throw new IllegalStateException("LinuxLoadBenchmark needs the kernel: " + why);
        });
        work = Files.createTempDirectory("bpf4j-load-bench");
        Files.write(work.resolve(object + ".o"), bytes);
    }

    /** open + link + load + close through this library. */
    @Benchmark
    public int bpf4j() {
        try (LoadedObject obj = Bpf4j.open(object + ".o", bytes).load(linux)) {
            return obj.programs().size();
        }
    }

    /** Loads per run of the C program: its start (about a millisecond) spreads over them. */
    static final int LIBBPF_LOADS = 100;

    /**
     * open + load + close through libbpf: one run of the C program loads the object
     * {@link #LIBBPF_LOADS} times, so JMH's time per operation is per load, process start
     * included (a few microseconds per load); the C program's own mean is printed beside it.
     */
    @Benchmark
    @OperationsPerInvocation(LIBBPF_LOADS)
    public long libbpf() throws Exception {
        return libbpfMeanNanos(LIBBPF_LOADS, 0);
    }

    /** Runs the C loop and returns its mean open+load+close time in ns (printed too). */
    long libbpfMeanNanos(int iterations, int warmup) throws Exception {
        if (libbpfLoad == null)
            libbpfLoad = build(work);
        Process p = new ProcessBuilder(libbpfLoad.toString(), work.resolve(object + ".o").toString(),
                String.valueOf(iterations), String.valueOf(warmup)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        if (p.waitFor() != 0)
            throw new IllegalStateException("libbpf_load failed: " + out);
        String[] f = out.split(" ");
        long total = Long.parseLong(f[1]) + Long.parseLong(f[2]);
        if (verbose)
            System.out.println("\nlibbpf " + object + ": open+load " + f[1] + " ns, close " + f[2] + " ns, total " + total + " ns");
        return total;
    }

    static Path build(Path dir) throws IOException, InterruptedException {
        Path c = dir.resolve("libbpf_load.c");
        try (InputStream in = LinuxLoadBenchmark.class.getResourceAsStream("libbpf_load.c")) {
            Files.write(c, in.readAllBytes());
        }
        Path bin = dir.resolve("libbpf_load");
        Process gcc = new ProcessBuilder("gcc", "-O2", "-o", bin.toString(), c.toString(), "-lbpf").redirectErrorStream(true).start();
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (gcc.waitFor() != 0)
            throw new IllegalStateException("cannot build libbpf_load.c (gcc and libbpf-dev needed):\n" + out);
        return bin;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try (var files = Files.list(work)) {
            for (Path f : files.toList())
                Files.delete(f);
        }
        Files.delete(work);
    }
}
