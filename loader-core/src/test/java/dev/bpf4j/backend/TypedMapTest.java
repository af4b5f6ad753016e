package dev.bpf4j.backend;

import dev.bpf4j.btf.BtfDumper;
import dev.bpf4j.btf.BtfValueException;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.MapType;
import dev.bpf4j.loader.ObjectSpec;
import dev.bpf4j.loader.SpecReader;
import dev.bpf4j.testdata.TestObjects;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link TypedMap} over an in-memory map: the codec's laws for every testdata map type, and the API. */
class TypedMapTest {

    /** Every testdata object and kernel selftest, in both byte orders. */
    static List<ObjectSpec> allObjects() {
        var out = new ArrayList<ObjectSpec>();
        for (TestObjects.Target t : TestObjects.Target.values()) {
            for (String n : TestObjects.names())
                out.add(SpecReader.read(n + ".o", TestObjects.object(n, t)));
            for (String n : TestObjects.selftestNames())
                out.add(SpecReader.read(n + ".o", TestObjects.selftest(n, t)));
        }
        return out;
    }

    private static final List<ObjectSpec> OBJECTS = allObjects();

    private static Optional<TypedMap> typed(ObjectSpec spec, MapSpec m) {
        try {
            return Optional.of(TypedMap.of(new InMemoryMap(m, spec.byteOrder()), spec));
        } catch (UntypedMapException e) {
            return Optional.empty();
        }
    }

    private static byte[] bytes(Random r, int n, boolean texty) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            int k = r.nextInt(10);
            b[i] = (byte) (!texty ? r.nextInt(256) : k < 4 ? 0 : k < 9 ? 0x20 + r.nextInt(0x5f) : r.nextInt(256));
        }
        return b;
    }

    @Property(tries = 30)
    void everyTestdataKeyAndValueRoundTrips(@ForAll long seed) {
        var r = new Random(seed);
        int checked = 0;
        for (ObjectSpec spec : OBJECTS) {
            for (MapSpec m : spec.maps()) {
                if (m.valueSize() > 1 << 16)
                    continue; // test_skeleton's 16 MiB .bss: covered by its zeros below, not 30 times
                TypedMap t = typed(spec, m).orElse(null);
                if (t == null)
                    continue;
                for (boolean texty : new boolean[] {false, true}) {
                    byte[] value = bytes(r, m.valueSize(), texty);
                    Object v = t.decodeValue(value);
                    assertEquals(v, t.decodeValue(t.encodeValue(v)), spec.name() + " " + m.name());
                    byte[] ones = new byte[m.valueSize()];
                    Arrays.fill(ones, (byte) 0xff);
                    byte[] mask = t.encodeValue(t.decodeValue(ones));
                    byte[] back = t.encodeValue(v);
                    for (int i = 0; i < value.length; i++)
                        assertEquals(value[i] & mask[i], back[i], spec.name() + " " + m.name() + " byte " + i);
                    if (t.keyType().isPresent()) {
                        byte[] key = bytes(r, m.keySize(), texty);
                        Object k = t.decodeKey(key);
                        assertEquals(k, t.decodeKey(t.encodeKey(k)), spec.name() + " " + m.name() + " key");
                    }
                }
                checked++;
            }
        }
        assertTrue(checked > 50, "only " + checked + " typed maps");
    }

    private static ObjectSpec spec(String name, TestObjects.Target target) {
        return SpecReader.read(name + ".o", TestObjects.object(name, target));
    }

    private static Map<String, Object> map(Object... kv) {
        var m = new LinkedHashMap<String, Object>();
        for (int i = 0; i < kv.length; i += 2)
            m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    @Test
    void structKeysAndValues() {
        for (TestObjects.Target target : TestObjects.Target.values()) {
            ObjectSpec spec = spec("maps_btf", target);
            MapSpec flows = spec.map("flows").orElseThrow();
            TypedMap t = new InMemoryMap(flows, spec.byteOrder()).typed(spec);
            var key = map("saddr", 0x0a000001L, "daddr", 0x7f000001L, "sport", 1234L, "dport", 80L, "proto", 6L);
            t.update(Map.of("saddr", 0x0a000001, "daddr", 0x7f000001, "sport", 1234, "dport", 80, "proto", 6),
                    Map.of("packets", 1, "bytes", 60), UpdateFlag.NOEXIST);
            assertEquals(Optional.of(map("packets", 1L, "bytes", 60L)), t.lookup(key));
            assertEquals(List.of(new TypedMap.Entry(key, map("packets", 1L, "bytes", 60L))), t.entries());
            byte[] raw = t.handle().keys().get(0);
            assertEquals(16, raw.length);
            assertEquals(target == TestObjects.Target.BPFEL ? 1 : 0x0a, raw[0], "saddr in the object's byte order");
            t.delete(key);
            assertEquals(Optional.empty(), t.lookup(key));
        }
    }

    @Test
    void internalMapsAreKeyedByIndexAndHoldTheirVariables() {
        ObjectSpec spec = spec("globals", TestObjects.Target.BPFEB);
        MapSpec data = spec.maps().stream().filter(m -> m.name().endsWith(".data")).findFirst().orElseThrow();
        TypedMap t = TypedMap.of(new InMemoryMap(data, spec.byteOrder()), spec);
        t.handle().update(t.handle().key(0), data.initialData());
        Map<?, ?> vars = (Map<?, ?>) t.lookup(0).orElseThrow();
        Map<?, ?> cfg = (Map<?, ?>) vars.get("cfg");
        assertEquals(8080L, cfg.get("port"));
        assertEquals(List.of(new TypedMap.Entry(0L, vars)), t.entries());
        assertTrue(t.dump(BtfDumper.Style.TEXT).contains("\"port\": 8080"), t.dump(BtfDumper.Style.TEXT));
        assertEquals("key: expected an index (a number 0..4294967295) for the internal map '" + data.name()
                + "', got x", assertThrows(BtfValueException.class, () -> t.lookup("x")).getMessage());
    }

    @Test
    void dumpAndFormat() {
        ObjectSpec spec = spec("xdp_parser", TestObjects.Target.BPFEL);
        TypedMap t = TypedMap.of(new InMemoryMap(spec.map("ip_proto_count").orElseThrow(), ByteOrder.LITTLE_ENDIAN), spec);
        t.update(17, 3);
        assertEquals("[{\n        \"key\": 17,\n        \"value\": 3\n    }\n]\n", t.dump(BtfDumper.Style.TEXT));
        assertEquals("[{\"key\":[\"0x11\",\"0x00\",\"0x00\",\"0x00\"],\"value\":[\"0x03\",\"0x00\",\"0x00\",\"0x00\","
                + "\"0x00\",\"0x00\",\"0x00\",\"0x00\"],\"formatted\":{\"key\":17,\"value\":3}}]\n", t.dump(BtfDumper.Style.JSON));
        assertEquals("42", t.format(42, BtfDumper.Style.JSON));
    }

    @Test
    void wrongShapesNameTheKeyOrValue() {
        ObjectSpec spec = spec("maps_btf", TestObjects.Target.BPFEL);
        TypedMap t = TypedMap.of(new InMemoryMap(spec.map("prefixes").orElseThrow(), ByteOrder.LITTLE_ENDIAN), spec);
        var e = assertThrows(BtfValueException.class,
                () -> t.update(Map.of("prefixlen", 24, "addr", List.of(10, 0, 0, 300)), 1));
        assertEquals("key.addr[3]: 300 does not fit in u8 (0..255)", e.getMessage());
        e = assertThrows(BtfValueException.class, () -> t.update(Map.of("prefixlen", 24), -1));
        assertEquals("value: -1 does not fit in u32 (0..4294967295)", e.getMessage());
    }

    @Test
    void mapsWithoutTypesAreRefused() {
        ObjectSpec spec = spec("maps_btf", TestObjects.Target.BPFEL);
        var slots = new InMemoryMap(spec.map("slots").orElseThrow(), ByteOrder.LITTLE_ENDIAN);
        assertEquals("map 'slots' has no BTF value type: it was declared by size (__uint(value_size, N) or "
                + "SEC(\"maps\")), not with __type(value, T)", assertThrows(UntypedMapException.class,
                () -> slots.typed(spec)).getMessage());
        var perCpu = new InMemoryMap(spec.map("cpu_stats").orElseThrow(), ByteOrder.LITTLE_ENDIAN);
        assertEquals("map 'cpu_stats' is a percpu_array map: per-CPU values are not supported by typed access yet",
                assertThrows(UntypedMapException.class, () -> perCpu.typed(spec)).getMessage());
        ObjectSpec legacy = spec("legacy_maps", TestObjects.Target.BPFEL);
        MapSpec first = legacy.maps().stream().filter(m -> m.type() == MapType.HASH || m.type() == MapType.ARRAY)
                .findFirst().orElseThrow();
        assertThrows(UntypedMapException.class, () -> TypedMap.of(new InMemoryMap(first, ByteOrder.LITTLE_ENDIAN), legacy));
    }
}
