package dev.bpf4j.bench;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.asm.Reference;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.emulator.EmulatorBackend;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.MapKind;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.MapType;
import dev.bpf4j.loader.Pinning;
import dev.bpf4j.loader.ProgramSpec;
import dev.bpf4j.loader.ProgramType;
import dev.bpf4j.loader.SectionTable;
import dev.bpf4j.loader.SpecReader;
import dev.bpf4j.testdata.TestObjects;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Hash map operations per second in the emulator: from user space through {@link MapHandle}
 * (1024 keys in a 4096-entry u32 -> u64 map), and from a program (an XDP test run repeated
 * {@value #REPEAT} times whose program does one bpf_map_lookup_elem or bpf_map_update_elem;
 * the figure includes the run's other 8 instructions).
 *
 * <pre>
 * mvn -B -q package -pl benchmarks -am -DskipTests
 * java -jar benchmarks/target/benchmarks.jar MapBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class MapBenchmark {
    static final int KEYS = 1024, REPEAT = 1000;

    private LoadedObject obj;
    private MapHandle map;
    private byte[][] keys;
    private byte[] value;
    private ProgramHandle lookup, update;
    private TestRun run;
    private int i;

    private static Instruction i(int op, int dst, int src, int off, long imm) {
        return Instruction.of(op, dst, src, off, imm);
    }

    /** *(u32 *)(fp-4) = 7; *(u64 *)(fp-16) = 1; r0 = helper(h, fp-4, fp-16, BPF_ANY); return XDP_PASS. */
    private static List<Instruction> program(int helper) {
        return List.of(
                i(0x62, 10, 0, -4, 7),
                i(0x7a, 10, 0, -16, 1),
                Instruction.of(Opcodes.LD_IMM64, 1, Opcodes.PSEUDO_MAP_FD, 0, 0).withReference(new Reference.Map("h")),
                i(0xbf, 2, 10, 0, 0), i(0x07, 2, 0, 0, -4),
                i(0xbf, 3, 10, 0, 0), i(0x07, 3, 0, 0, -16),
                i(0xb7, 4, 0, 0, 0),
                i(0x85, 0, 0, 0, helper),
                i(0xb7, 0, 0, 0, 2),
                i(0x95, 0, 0, 0, 0));
    }

    private static LinkedProgram linked(String name, List<Instruction> insns) {
        var def = SectionTable.match("xdp").orElseThrow().def();
        var spec = new ProgramSpec(name, "xdp", ProgramType.XDP, Optional.empty(), null, def, true, 0, 0, true, insns,
                List.of(), "GPL", 0);
        return new LinkedProgram(spec, insns, List.of());
    }

    @Setup(Level.Trial)
    public void setUp() {
        var object = SpecReader.read("xdp_parser.o", TestObjects.object("xdp_parser", TestObjects.Target.BPFEL));
        var h = new MapSpec("h", MapKind.BTF, MapType.HASH, 4, 8, 4096, 0, 0, Pinning.NONE, 0, ".maps", 0, null, null,
                null, null, List.of());
        obj = new EmulatorBackend().load(new LoadPlan(object, List.of(linked("lookup", program(1)), linked("update", program(2))),
                List.of(h)));
        map = obj.map("h");
        keys = new byte[KEYS][];
        for (int k = 0; k < KEYS; k++) {
            keys[k] = map.key(k);
            map.update(keys[k], map.value(k));
        }
        value = map.value(42);
        lookup = obj.program("lookup");
        update = obj.program("update");
        run = TestRun.ofData(new byte[64]).withRepeat(REPEAT);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        obj.close();
    }

    @Benchmark
    public void userUpdate() {
        map.update(keys[i++ & (KEYS - 1)], value);
    }

    @Benchmark
    public Object userLookup() {
        return map.lookup(keys[i++ & (KEYS - 1)]);
    }

    @Benchmark
    @OperationsPerInvocation(REPEAT)
    public int programLookup() {
        return lookup.testRun(run).retval();
    }

    @Benchmark
    @OperationsPerInvocation(REPEAT)
    public int programUpdate() {
        return update.testRun(run).retval();
    }
}
