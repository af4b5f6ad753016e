package dev.bpf4j.emulator;

import dev.bpf4j.backend.Backend;
import dev.bpf4j.backend.Capabilities;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.MapType;
import dev.bpf4j.loader.ProgramType;

import java.util.Set;

/**
 * The emulator kernel as a {@link Backend}: the default one, registered in
 * {@code META-INF/services/dev.bpf4j.backend.Backend}. Each {@link #load} gets its own
 * address space. Maps: array (and the internal .data/.rodata/.bss/.kconfig maps) and hash;
 * helpers 1-3 (map lookup, update, delete); test runs: xdp.
 *
 * <pre>{@code
 * try (LoadedObject obj = Bpf4j.open(Path.of("xdp_parser.o")).load(new EmulatorBackend())) {
 *     int verdict = obj.program("xdp_parser").testRun(TestRun.ofData(packet)).retval();
 * }
 * }</pre>
 */
public final class EmulatorBackend implements Backend {
    private static final Capabilities CAPABILITIES = new Capabilities(true, false, false, false,
            Set.of(MapType.ARRAY, MapType.HASH), Set.of(ProgramType.XDP));

    @Override
    public String name() {
        return "emulator";
    }

    @Override
    public Capabilities capabilities() {
        return CAPABILITIES;
    }

    @Override
    public LoadedObject load(LoadPlan plan) {
        return new EmulatorObject(plan);
    }
}
