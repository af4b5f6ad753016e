package dev.bpf4j.bench;

import dev.bpf4j.Bpf4j;
import dev.bpf4j.backend.Link;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.loader.SectionTable.MapTraceTarget.Operation;
import dev.bpf4j.testdata.TestObjects;
import java.util.concurrent.TimeUnit;
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

/**
 * What map tracing costs a program's map update: testdata map_trace.o's XDP writer does
 * one bpf_map_update_elem of "values" per run, with no tracer attached ({@code traced =
 * false}) or with its copy-on-write tracer (which bumps a counter and updates "mirror": a
 * nested program run of 20 instructions and two more map operations per update).
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar MapTracingBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MapTracingBenchmark {
    static final int REPEAT = 1000;

    @Param({"false", "true"})
    public boolean traced;

    private LoadedObject obj;
    private Link link;
    private ProgramHandle writer;
    private TestRun run;

    @Setup(Level.Trial)
    public void setUp() {
        obj = Bpf4j.open("map_trace.o", TestObjects.object("map_trace", TestObjects.Target.BPFEL)).load();
        if (traced)
            link = obj.program("trace_values_update").attachMapTrace(obj.map("values"), Operation.UPDATE_ELEM, false);
        writer = obj.program("values_writer");
        run = TestRun.ofData(new byte[64]).withRepeat(REPEAT); // 64 & 16 == 0: an update of key 0
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (link != null)
            link.close();
        obj.close();
    }

    /** One traced (or untraced) update from a program, per operation. */
    @Benchmark
    @OperationsPerInvocation(REPEAT)
    public int programUpdate() {
        return writer.testRun(run).retval();
    }
}
