package dev.bpf4j;

import dev.bpf4j.backend.Backend;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.loader.LinkOptions;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.ObjectSpec;
import dev.bpf4j.loader.SpecReader;
import dev.bpf4j.loader.TargetBtf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;

/**
 * The entry point: open a BPF object, load it into a backend, use its maps and programs.
 *
 * <pre>{@code
 * try (LoadedObject obj = Bpf4j.open(Path.of("xdp_parser.o")).load()) {   // the emulator
 *     TestRunResult r = obj.program("xdp_parser").testRun(TestRun.ofData(packet));
 *     System.out.println("verdict " + r.retval() + ", total " + obj.map("pkt_count").lookupLong(0).orElse(0));
 * }
 *
 * Bpf4j.open(path).withLinkOptions(opts).load(otherBackend);              // pick the backend
 * Bpf4j.open(path).withTargetBtf(TargetBtf.file(Path.of("vmlinux-6.1.btf"))).load(); // CO-RE against another kernel
 * }</pre>
 *
 * The default backend is the emulator kernel (module loader-emulator, which registers itself
 * for {@link ServiceLoader}) when it is on the class path, else the first {@link Backend}
 * registered; others, such as {@code linux}, are picked by name from {@link #backends()}.
 */
public final class Bpf4j {
    private Bpf4j() {
    }

    /** An object read from a file, ready to load. */
    public static OpenObject open(Path path) throws IOException {
        return new OpenObject(SpecReader.read(path), LinkOptions.defaults());
    }

    /** An object read from bytes ({@code fileName} names it in messages and gives the object name). */
    public static OpenObject open(String fileName, byte[] bytes) {
        return new OpenObject(SpecReader.read(fileName, bytes), LinkOptions.defaults());
    }

    /** The backends on the class path, in {@link ServiceLoader} order. */
    public static List<Backend> backends() {
        var out = new ArrayList<Backend>();
        ServiceLoader.load(Backend.class).forEach(out::add);
        return out;
    }

    /**
     * The default backend: the emulator when it is on the class path, else the first registered one.
     *
     * @throws IllegalStateException when none is on the class path
     */
    public static Backend defaultBackend() {
        // The emulator wins wherever it is on the class path: other backends (linux) need a
        // kernel and privileges, so they are only used when asked for by name.
        List<Backend> all = backends();
        for (Backend b : all)
            if (b.name().equals("emulator"))
                return b;
        return all.stream().findFirst().orElseThrow(() -> new IllegalStateException(
                "no bpf4j backend on the class path: add the module dev.bpf4j:loader-emulator (the emulator kernel)"
                        + " or another module that registers META-INF/services/" + Backend.class.getName()));
    }

    /**
     * An object opened but not loaded: its spec and the options for linking it.
     *
     * @param spec    what the object declares
     * @param options what linking depends on (kernel configuration, the target BTF of CO-RE)
     */
    public record OpenObject(ObjectSpec spec, LinkOptions options) {
        public OpenObject {
            Objects.requireNonNull(spec);
            Objects.requireNonNull(options);
        }

        public OpenObject withLinkOptions(LinkOptions o) {
            return new OpenObject(spec, o);
        }

        /**
         * The BTF that CO-RE relocations adapt the programs to, instead of the running
         * kernel's ({@code /sys/kernel/btf/vmlinux}, the default, as in libbpf): raw BTF or an
         * ELF object's {@code .BTF} ({@link TargetBtf#file}), or types already parsed.
         *
         * <pre>{@code
         * KernelBtf shared = new KernelBtf();                // parse the kernel's BTF once for many loads
         * Bpf4j.open(a).withTargetBtf(TargetBtf.runningKernel(shared)).load();
         * Bpf4j.open(b).withTargetBtf(TargetBtf.runningKernel(shared)).load();
         * }</pre>
         */
        public OpenObject withTargetBtf(TargetBtf target) {
            return new OpenObject(spec, options.withTargetBtf(target));
        }

        /** Links and loads into the {@linkplain Bpf4j#defaultBackend() default backend}. */
        public LoadedObject load() {
            return load(defaultBackend());
        }

        /** Links and loads into {@code backend}. */
        public LoadedObject load(Backend backend) {
            return backend.load(Linker.link(spec, options));
        }
    }
}
