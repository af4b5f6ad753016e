package dev.bpf4j.bench;

import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.KernelBtf;
import dev.bpf4j.loader.KernelConfig;
import dev.bpf4j.loader.LinkOptions;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.SpecReader;
import dev.bpf4j.loader.TargetBtf;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * CO-RE against the kernel's BTF: open a CO-RE object and link it (CO-RE relocations, then
 * subprograms, maps and data), with the vmlinux BTF already parsed and shared
 * ({@link #openAndLinkShared}: every load after the first), and with vmlinux parsed as part of
 * the operation ({@link #openAndLinkParsingVmlinux}: a first load, and what libbpf does on
 * every load). The C side is {@code benchmarks/src/main/c/libbpf_core.c}: libbpf's
 * {@code bpf_object__open_file} + {@code bpf_object__load} against a fake kernel (libbpf 1.1
 * relocates only inside load), which answers the bpf(2) calls so that nothing is loaded.
 *
 * <pre>
 * mvn -B -q package -pl benchmarks -am -DskipTests
 * java -jar benchmarks/target/benchmarks.jar CoreRelocationBenchmark
 * gcc -O2 -o /tmp/libbpf_core benchmarks/src/main/c/libbpf_core.c -lbpf -ldl
 * /tmp/libbpf_core testdata/obj/bpfel/core_vmlinux.o
 * </pre>
 *
 * <p>The object is {@code core_vmlinux} (testdata: kprobes, tp_btf, raw_tp and fentry programs
 * written against a vmlinux.h, with field, type and enum relocations and a ___flavor).
 *
 * <p>Results (JDK 17, libbpf 1.1.2, vmlinux 5.5 MB / 126,611 types; four rounds, each JMH
 * -f 1 -wi 3 -i 5 -w 1 -r 1 then the C tool, on a shared 2-core machine at load average 4-6;
 * median (range)):
 * <ul>
 * <li>openAndLinkShared 14.1 ms (12.7-25.2) vs libbpf open + load 27.5 ms (23.7-38.1): libbpf
 *     parses vmlinux again on every load; with a shared parse bpf4j does not.</li>
 * <li>openAndLinkParsingVmlinux 40 ms (26.6-87.2) vs the same 27.5 ms: with the parse included,
 *     libbpf is faster. A profile of the link shows ~40% of its samples in the CO-RE engine's
 *     search for flavored names (it copies the whole blob and scans every string, per link);
 *     {@link Btf#idsByEssentialName} answers the same question from two indexes built once
 *     per {@code Btf}.</li>
 * <li>openOnly 0.2-0.6 ms vs libbpf's bpf_object__open_file 0.04-0.1 ms.</li>
 * <li>After the engine switched to {@link Btf#idsByEssentialName}, on an idle machine (-f 2 -wi 4
 *     -i 5 -w 1 -r 1, the C tool before and after): openAndLinkShared 1.02 ms ± 0.20,
 *     openAndLinkParsingVmlinux 24.5 ms ± 3.8 (of which ~7.4 ms reading and parsing vmlinux; most
 *     of the rest builds the name and flavor indexes of the fresh parse), openOnly 0.13 ms;
 *     libbpf open + load 24.6 / 30.0 ms, open 0.04 / 0.07 ms.</li>
 * <li>libbpf with btf_custom_path=/sys/kernel/btf/vmlinux: 36-60 ms, since tp_btf/fentry
 *     attach ids still come from the kernel's BTF, parsed a second time.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class CoreRelocationBenchmark {

    /** A testdata object with CO-RE relocations against kernel types. */
    @Param({"core_vmlinux"})
    public String object;

    /** The target BTF; the running kernel's by default. */
    @Param({"/sys/kernel/btf/vmlinux"})
    public String vmlinux;

    private byte[] bytes;
    private Path vmlinuxPath;
    private final KernelBtf shared = new KernelBtf();

    // A fixed configuration: the benchmark measures CO-RE, not reading /proc/config.gz.
    private final LinkOptions options = new LinkOptions(KernelConfig.parse("CONFIG_BPF_SYSCALL=y\nCONFIG_HZ=250\n",
            KernelConfig.version(6, 1, 0)));

    @Setup
    public void load() throws IOException {
        vmlinuxPath = Path.of(vmlinux);
        if (!Files.isReadable(vmlinuxPath))
            throw new IllegalStateException(vmlinux + " is not readable: run with -p vmlinux=<a raw BTF file>");
        bytes = TestObjects.object(object, TestObjects.Target.BPFEL);
        // Fail here rather than time an error: the object must link against this BTF.
        openAndLinkParsingVmlinux();
        shared.load(vmlinuxPath);
    }

    /** Open + link against a vmlinux that an earlier load parsed ({@link KernelBtf}: a stat and a map lookup). */
    @Benchmark
    public LoadPlan openAndLinkShared() throws IOException {
        Btf target = shared.load(vmlinuxPath);
        return Linker.link(SpecReader.read(object + ".o", bytes), options.withTargetBtf(TargetBtf.of(target)));
    }

    /** Open + read and parse vmlinux + link: libbpf's bpf_object__open_file + bpf_object__load (fake kernel). */
    @Benchmark
    public LoadPlan openAndLinkParsingVmlinux() throws IOException {
        Btf target = Btf.read(vmlinuxPath);
        return Linker.link(SpecReader.read(object + ".o", bytes), options.withTargetBtf(TargetBtf.of(target)));
    }

    /** Open alone, for the share of the figures above that is not CO-RE: libbpf_core's "open". */
    @Benchmark
    public Object openOnly() {
        return SpecReader.read(object + ".o", bytes);
    }
}
