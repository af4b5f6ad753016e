package dev.bpf4j.emulator;

import dev.bpf4j.Bpf4j;
import dev.bpf4j.backend.Backend;
import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.UpdateFlag;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.MapKind;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.MapType;
import dev.bpf4j.loader.ObjectSpec;
import dev.bpf4j.loader.Pinning;
import dev.bpf4j.loader.SpecReader;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernel's map semantics through {@link MapHandle}: flags, errno values, frozen maps, closing. */
class EmulatorMapTest {
    static final ObjectSpec XDP_PARSER = SpecReader.read("xdp_parser.o", TestObjects.object("xdp_parser", Target.BPFEL));

    static MapSpec map(String name, MapType type, int keySize, int valueSize, int maxEntries) {
        return new MapSpec(name, MapKind.BTF, type, keySize, valueSize, maxEntries, 0, 0, Pinning.NONE, 0, ".maps", 0,
                null, null, null, null, List.of());
    }

    static LoadedObject load(MapSpec... maps) {
        return new EmulatorBackend().load(new LoadPlan(XDP_PARSER, List.of(), List.of(maps)));
    }

    static void errno(int expected, Executable e) {
        BackendException x = assertThrows(BackendException.class, e);
        assertEquals(-expected, x.errno(), x.getMessage());
    }

    @Test
    void defaultBackendIsTheEmulator() {
        assertInstanceOf(EmulatorBackend.class, Bpf4j.defaultBackend());
        Backend b = Bpf4j.defaultBackend();
        assertTrue(b.capabilities().testRun());
        assertTrue(b.capabilities().mapTracing() && b.capabilities().attach() && !b.capabilities().pinning());
    }

    @Test
    void hashFlagsAndErrors() {
        try (LoadedObject obj = load(map("h", MapType.HASH, 4, 8, 2))) {
            MapHandle h = obj.map("h");
            assertTrue(h.lookup(1L).isEmpty());
            errno(BackendException.ENOENT, () -> h.update(h.key(1), h.value(10), UpdateFlag.EXIST));
            h.update(h.key(1), h.value(10), UpdateFlag.NOEXIST);
            errno(BackendException.EEXIST, () -> h.update(h.key(1), h.value(11), UpdateFlag.NOEXIST));
            assertEquals(10, h.lookupLong(1).orElseThrow());
            h.update(h.key(1), h.value(12), UpdateFlag.EXIST);
            h.update(h.key(1), h.value(13), UpdateFlag.ANY);
            assertEquals(13, h.lookupLong(1).orElseThrow());
            h.update(h.key(2), h.value(20));
            errno(BackendException.E2BIG, () -> h.update(h.key(3), h.value(30), UpdateFlag.ANY));
            h.update(h.key(2), h.value(21), UpdateFlag.ANY); // replacing in a full map is fine
            assertEquals(2, h.keys().size());
            assertEquals(List.of(1L, 2L), h.entries().stream().map(e -> MapHandle.decode(e.key(), h.byteOrder())).toList());
            h.delete(h.key(1));
            errno(BackendException.ENOENT, () -> h.delete(h.key(1)));
            h.update(h.key(3), h.value(30), UpdateFlag.NOEXIST); // the freed slot is reused
            assertEquals(30, h.lookupLong(3).orElseThrow());
            errno(BackendException.EINVAL, () -> h.update(new byte[3], h.value(1), UpdateFlag.ANY));
            errno(BackendException.EINVAL, () -> h.update(h.key(4), new byte[4], UpdateFlag.ANY));
            errno(BackendException.EINVAL, () -> h.lookup(new byte[8]));
            errno(BackendException.EINVAL, () -> h.delete(new byte[2]));
        }
    }

    @Test
    void arrayFlagsAndErrors() {
        try (LoadedObject obj = load(map("a", MapType.ARRAY, 4, 4, 3))) {
            MapHandle a = obj.map("a");
            assertEquals(0, a.lookupLong(2).orElseThrow());    // every index exists, zero-filled
            assertTrue(a.lookup(3L).isEmpty());                 // past the end
            a.update(a.key(2), a.value(7), UpdateFlag.EXIST);
            a.update(a.key(1), a.value(8), UpdateFlag.ANY);
            assertArrayEquals(a.value(7), a.lookup(2L).orElseThrow());
            errno(BackendException.EEXIST, () -> a.update(a.key(0), a.value(1), UpdateFlag.NOEXIST));
            errno(BackendException.E2BIG, () -> a.update(a.key(3), a.value(1), UpdateFlag.ANY));
            errno(BackendException.EINVAL, () -> a.delete(a.key(0)));
            assertEquals(3, a.keys().size());
        }
    }

    @Test
    void badDefinitionsAreRefused() {
        errno(BackendException.EINVAL, () -> load(map("z", MapType.HASH, 0, 8, 1)));
        errno(BackendException.EINVAL, () -> load(map("z", MapType.HASH, 4, 8, 0)));
        errno(BackendException.EINVAL, () -> load(map("z", MapType.ARRAY, 8, 8, 1)));
        errno(BackendException.ENOTSUPP, () -> load(map("z", MapType.SOCKMAP, 4, 4, 1)));
    }

    @Test
    void rodataIsFrozenAndDataMapsStartWithTheirSection() throws Exception {
        try (LoadedObject obj = Bpf4j.open("xdp_parser.o", TestObjects.object("xdp_parser", Target.BPFEL)).load()) {
            MapHandle ro = obj.map("xdp_pars.rodata");
            byte[] v = ro.lookup(0L).orElseThrow();
            var port = XDP_PARSER.variable("blocked_udp_port").orElseThrow();
            assertEquals(9, (v[(int) port.offset()] & 0xff) | (v[(int) port.offset() + 1] & 0xff) << 8);
            errno(BackendException.EPERM, () -> ro.update(ro.key(0), v, UpdateFlag.ANY));
            MapHandle bss = obj.map("xdp_pars.bss");
            byte[] zero = bss.lookup(0L).orElseThrow();
            bss.update(bss.key(0), zero, UpdateFlag.EXIST); // .bss is not frozen
        }
    }

    @Test
    void testdataObjectsLoad() {
        for (Target t : Target.values()) {
            for (String n : List.of("globals", "kconfig", "legacy_maps_iproute2", "map_trace", "maps_btf", "sections", "subprogs",
                    "tail_calls", "xdp_parser"))
                try (LoadedObject obj = Bpf4j.open(n + ".o", TestObjects.object(n, t)).load()) {
                    assertTrue(!obj.programs().isEmpty(), n);
                }
        }
    }

    @Test
    void closingMakesHandlesUnusable() throws Exception {
        LoadedObject obj = Bpf4j.open("xdp_parser.o", TestObjects.object("xdp_parser", Target.BPFEL)).load();
        MapHandle m = obj.map("pkt_count");
        var p = obj.program("xdp_parser");
        obj.close();
        obj.close(); // idempotent
        assertTrue(obj.isClosed());
        errno(BackendException.EBADF, () -> m.lookup(0L));
        errno(BackendException.EBADF, () -> m.update(m.key(0), m.value(1)));
        errno(BackendException.EBADF, () -> m.delete(m.key(0)));
        errno(BackendException.EBADF, m::keys);
        errno(BackendException.EBADF, () -> p.testRun(TestRun.ofData(new byte[64])));
        errno(BackendException.EBADF, () -> obj.map("pkt_count"));
    }

    @Test
    void unknownNamesAndBadRequests() throws Exception {
        try (LoadedObject obj = Bpf4j.open("xdp_parser.o", TestObjects.object("xdp_parser", Target.BPFEL)).load()) {
            errno(BackendException.ENOENT, () -> obj.map("nope"));
            errno(BackendException.ENOENT, () -> obj.program("nope"));
            var p = obj.program("xdp_parser");
            errno(BackendException.EINVAL, () -> p.testRun(TestRun.ofData(new byte[13])));
            errno(BackendException.EINVAL, () -> p.testRun(TestRun.ofData(new byte[64]).withCtx(new byte[] {0, 0, 0, 0, 1})));
            byte[] ctx = new byte[24];
            ctx[4] = 64; // data_end = size
            ctx[20] = 1; // egress_ifindex
            errno(BackendException.EINVAL, () -> p.testRun(TestRun.ofData(new byte[64]).withCtx(ctx)));
            ctx[20] = 0;
            ctx[12] = 5; // ingress_ifindex: the emulator has only the loopback device
            errno(BackendException.ENODEV, () -> p.testRun(TestRun.ofData(new byte[64]).withCtx(ctx)));
            ctx[12] = 1;
            var r = p.testRun(TestRun.ofData(new byte[64]).withCtx(ctx));
            assertEquals(1, r.ctxOut()[12]);
        }
    }
}
