package dev.bpf4j.linux;

import com.sun.jna.Pointer;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link MapHandle#entries()} by BPF_MAP_LOOKUP_BATCH gives exactly what key-by-key iteration
 * (BPF_MAP_GET_NEXT_KEY then BPF_MAP_LOOKUP_ELEM) gives, in the same order, with far fewer calls;
 * map types without batches fall back to key by key.
 */
class BatchLookupTest {
    /** The real kernel, with a count of the commands issued. */
    static final class Counting implements Sys {
        final Sys real = NativeSys.open();
        final Map<BpfCommand, Integer> calls = new EnumMap<>(BpfCommand.class);

        @Override
        public long bpf(BpfCommand cmd, Pointer attr, int size) {
            calls.merge(cmd, 1, Integer::sum);
            return real.bpf(cmd, attr, size);
        }

        @Override
        public int close(int fd) {
            return real.close(fd);
        }
    }

    static List<String> keyByKey(MapHandle m) {
        List<String> out = new ArrayList<>();
        for (byte[] k : m.keys())
            m.lookup(k).ifPresent(v -> out.add(HexFormat.of().formatHex(k) + "=" + HexFormat.of().formatHex(v)));
        return out;
    }

    static List<String> batched(MapHandle m) {
        return m.entries().stream().map(e -> HexFormat.of().formatHex(e.key()) + "=" + HexFormat.of().formatHex(e.value())).toList();
    }

    /** Any set of keys in a hash map (max 256 entries), including more than one batch's worth in a bucket's reach. */
    @Property(tries = 30)
    void batchEqualsKeyByKey(@ForAll @Size(max = 256) List<@IntRange(min = 0, max = 100_000) Integer> keys) {
        KernelObjects.backend();
        var sys = new Counting();
        var linux = new LinuxBackend(() -> sys);
        try (LoadedObject obj = KernelObjects.open("xdp_parser").load(linux)) {
            MapHandle m = obj.map("ip_proto_count");    // hash, 256 entries
            for (int k : keys)
                m.update(m.key(k), m.value(k * 3L));
            sys.calls.clear();
            List<String> batch = batched(m);
            int batchCalls = sys.calls.getOrDefault(BpfCommand.MAP_LOOKUP_BATCH, 0);
            assertEquals(0, sys.calls.getOrDefault(BpfCommand.MAP_GET_NEXT_KEY, 0), sys.calls.toString());
            assertTrue(batchCalls <= 3, sys.calls.toString());
            assertEquals(keyByKey(m), batch);
            assertEquals(keys.stream().distinct().count(), batch.size());
        }
    }

    @Test
    void arraysAndPerCpuMapsToo() {
        try (var pins = KernelObjects.TempPinRoot.create();
             LoadedObject obj = KernelObjects.open("maps_btf").load(KernelObjects.backend(pins.path()))) {
            for (String name : List.of("counts", "cpu_stats", "cpu_hash", "flows")) {
                MapHandle m = obj.map(name);
                if (m.spec().type() != dev.bpf4j.loader.MapType.ARRAY && m.spec().type() != dev.bpf4j.loader.MapType.PERCPU_ARRAY)
                    for (int i = 0; i < 5; i++) {
                        byte[] k = new byte[m.spec().keySize()];
                        k[0] = (byte) i;
                        byte[] v = new byte[m.userValueSize()];
                        v[0] = (byte) (i + 1);
                        m.update(k, v);
                    }
                assertEquals(keyByKey(m), batched(m), name);
                assertTrue(!batched(m).isEmpty(), name);
            }
            // an LPM trie has no batch lookup: entries() falls back to key by key
            MapHandle prefixes = obj.map("prefixes");
            byte[] k = new byte[prefixes.spec().keySize()];
            k[0] = 24;
            prefixes.update(k, new byte[prefixes.userValueSize()]);
            assertEquals(keyByKey(prefixes), batched(prefixes));
            assertEquals(1, batched(prefixes).size());
        }
    }
}
