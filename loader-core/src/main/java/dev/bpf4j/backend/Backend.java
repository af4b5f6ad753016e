package dev.bpf4j.backend;

import dev.bpf4j.loader.LoadPlan;

/**
 * Something that runs linked BPF objects: it creates the maps of a {@link LoadPlan},
 * binds the programs' map references to them, loads the programs and hands back a
 * {@link LoadedObject}. The emulator kernel (module loader-emulator) is the default
 * backend; it registers itself for {@link java.util.ServiceLoader} in
 * {@code META-INF/services/dev.bpf4j.backend.Backend}.
 *
 * <pre>{@code
 * LoadPlan plan = Linker.link(SpecReader.read(Path.of("xdp_parser.o")));
 * try (LoadedObject obj = backend.load(plan)) {
 *     obj.map("pkt_count").lookup(0L);
 * }
 * }</pre>
 *
 * Most callers go through {@link dev.bpf4j.Bpf4j#open(java.nio.file.Path)} instead.
 */
public interface Backend {
    /** A short name for messages and selection, e.g. "emulator" or "linux". */
    String name();

    /** What this backend supports. */
    Capabilities capabilities();

    /**
     * Creates the maps (with their initial contents), binds references and loads every
     * program of {@code plan} whose {@code autoload} is set.
     *
     * @throws BackendException with the kernel's errno when a map or program is refused
     */
    LoadedObject load(LoadPlan plan);

    /**
     * {@link #load(LoadPlan)}, but the maps named in {@code reuse} are not created: the
     * object's references to them are bound to those maps, which must be loaded in this
     * backend and match the plan's definitions (type, key and value size, max entries,
     * flags), as libbpf's {@code bpf_map__reuse_fd} and pin reuse require.
     *
     * <pre>{@code
     * LoadedObject migration = backend.load(plan, Map.of("old_values", old.map("values")));
     * }</pre>
     *
     * @throws BackendException {@code -EINVAL} naming the map and the difference when one
     *                          does not match, {@code -ENOTSUPP} where the backend cannot
     */
    default LoadedObject load(LoadPlan plan, java.util.Map<String, MapHandle> reuse) {
        if (reuse.isEmpty())
            return load(plan);
        throw new BackendException(-BackendException.ENOTSUPP, name() + " backend: cannot reuse maps " + reuse.keySet());
    }
}
