package dev.bpf4j.bench;

import dev.bpf4j.backend.Hook;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.emulator.EmulatorBackend;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.ObjectSpec;
import dev.bpf4j.loader.SpecReader;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.upgrade.StatefulUpgrade;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One stateful upgrade in the emulator, start to end: testdata dynencap_old.o, attached to
 * its two hooks with its map full (64 entries), upgraded to dynencap_new.o through
 * dynencap_migration.o (load new, load migration and attach its tracers, bulk copy with the
 * iterator, swap both hooks, unload). The old object is loaded and filled outside the
 * measured time.
 *
 * <pre>
 * java -jar benchmarks/target/benchmarks.jar UpgradeBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class UpgradeBenchmark {
    static final int ENTRIES = 64;

    private EmulatorBackend backend;
    private ObjectSpec oldSpec, newSpec, migrationSpec;
    private LoadedObject old, upgraded;

    private static ObjectSpec spec(String name) {
        return SpecReader.read(name + ".o", TestObjects.object(name, TestObjects.Target.BPFEL));
    }

    @Setup(Level.Trial)
    public void specs() {
        backend = new EmulatorBackend();
        oldSpec = spec("dynencap_old");
        newSpec = spec("dynencap_new");
        migrationSpec = spec("dynencap_migration");
    }

    @Setup(Level.Invocation)
    public void loadOld() {
        old = backend.load(Linker.link(oldSpec));
        for (var p : old.programs())
            Hook.forProgram(p.spec()).ifPresent(p::attach);
        MapHandle m = old.map("dynencap_map");
        for (int k = 0; k < ENTRIES; k++)
            m.update(m.key(k), MapHandle.encode(0x0a000001L << 32 | k, 8, m.byteOrder()));
    }

    @TearDown(Level.Invocation)
    public void closeNew() {
        if (upgraded != null)
            upgraded.close();
        old.close();
    }

    @Benchmark
    public LoadedObject upgrade() {
        upgraded = StatefulUpgrade.of(backend, old, newSpec, migrationSpec).run().newObject();
        return upgraded;
    }
}
