package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.UpdateFlag;
import dev.bpf4j.loader.MapSlot;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.MapType;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.bpf4j.backend.BackendException.E2BIG;
import static dev.bpf4j.backend.BackendException.EBADF;
import static dev.bpf4j.backend.BackendException.EEXIST;
import static dev.bpf4j.backend.BackendException.EINVAL;
import static dev.bpf4j.backend.BackendException.ENODEV;
import static dev.bpf4j.backend.BackendException.ENOENT;
import static dev.bpf4j.backend.BackendException.ENOMEM;
import static dev.bpf4j.backend.BackendException.ENOSPC;
import static dev.bpf4j.backend.BackendException.ENOTSUPP;
import static dev.bpf4j.backend.BackendException.EOPNOTSUPP;
import static dev.bpf4j.backend.BackendException.EOVERFLOW;
import static dev.bpf4j.backend.BackendException.EPERM;
import static dev.bpf4j.emulator.MapTestKit.errno;
import static dev.bpf4j.emulator.MapTestKit.le;
import static dev.bpf4j.emulator.MapTestKit.load;
import static dev.bpf4j.emulator.MapTestKit.outer;
import static dev.bpf4j.emulator.MapTestKit.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each map type through {@link MapHandle}, as user space sees it: the kernel's semantics and errno values. */
class MapTypesTest {
    static final byte[] NO_KEY = new byte[0];

    @Test
    void creationChecksFollowTheKernel() {
        int rdwr = MapChecks.F_RDONLY | MapChecks.F_WRONLY;
        Object[][] cases = {
                {EINVAL, spec("a", MapType.ARRAY, 4, 0, 1)},
                {EINVAL, spec("a", MapType.ARRAY, 4, 8, 0)},
                {EINVAL, spec("a", MapType.ARRAY, 8, 8, 1)},
                {EINVAL, spec("a", MapType.ARRAY, 4, 8, 1, MapChecks.F_NO_PREALLOC, 0)},
                {EINVAL, spec("a", MapType.ARRAY, 4, 8, 1, rdwr, 0)},
                {EINVAL, spec("a", MapType.ARRAY, 4, 8, 1, MapChecks.F_RDONLY_PROG | MapChecks.F_WRONLY_PROG, 0)},
                {EINVAL, spec("a", MapType.ARRAY, 4, 8, 1, MapChecks.F_PRESERVE_ELEMS, 0)},
                {EINVAL, spec("a", MapType.PERCPU_ARRAY, 4, 8, 1, MapChecks.F_MMAPABLE, 0)},
                {EINVAL, spec("a", MapType.PERCPU_ARRAY, 4, 8, 1, MapChecks.F_NUMA_NODE, 0)},
                {E2BIG, spec("a", MapType.PERCPU_ARRAY, 4, 32 * 1024 + 1, 1)},
                {ENOMEM, spec("a", MapType.ARRAY, 4, 1 << 20, 1 << 10)},
                {EINVAL, spec("h", MapType.HASH, 0, 8, 1)},
                {EINVAL, spec("h", MapType.HASH, 4, 0, 1)},
                {EINVAL, spec("h", MapType.HASH, 4, 8, 0)},
                {EINVAL, spec("h", MapType.HASH, 4, 8, 1, MapChecks.F_NO_COMMON_LRU, 0)},
                {EINVAL, spec("h", MapType.HASH, 4, 8, 1, MapChecks.F_MMAPABLE, 0)},
                {E2BIG, spec("h", MapType.HASH, 1 << 21, 1 << 21, 1)},
                {ENOTSUPP, spec("h", MapType.LRU_HASH, 4, 8, 1, MapChecks.F_NO_PREALLOC, 0)},
                {EINVAL, spec("h", MapType.PERCPU_HASH, 4, 8, 1, MapChecks.F_NUMA_NODE, 0)},
                {E2BIG, spec("h", MapType.LRU_PERCPU_HASH, 4, 40000, 1)},
                {EINVAL, spec("l", MapType.LPM_TRIE, 8, 4, 16)},                                     // no BPF_F_NO_PREALLOC
                {EINVAL, spec("l", MapType.LPM_TRIE, 4, 4, 16, MapChecks.F_NO_PREALLOC, 0)},         // no data byte
                {EINVAL, spec("l", MapType.LPM_TRIE, 261, 4, 16, MapChecks.F_NO_PREALLOC, 0)},       // 257 data bytes
                {EINVAL, spec("l", MapType.LPM_TRIE, 8, 0, 16, MapChecks.F_NO_PREALLOC, 0)},
                {EINVAL, spec("l", MapType.LPM_TRIE, 8, 4, 0, MapChecks.F_NO_PREALLOC, 0)},
                {EINVAL, spec("l", MapType.LPM_TRIE, 8, 4, 16, MapChecks.F_NO_PREALLOC | MapChecks.F_ZERO_SEED, 0)},
                {EINVAL, spec("q", MapType.QUEUE, 4, 4, 4)},
                {EINVAL, spec("q", MapType.STACK, 0, 0, 4)},
                {EINVAL, spec("q", MapType.QUEUE, 0, 4, 0)},
                {EINVAL, spec("q", MapType.QUEUE, 0, 4, 4, MapChecks.F_NO_PREALLOC, 0)},
                {E2BIG, spec("q", MapType.QUEUE, 0, (4 << 20) + 1, 1)},
                {EINVAL, spec("b", MapType.BLOOM_FILTER, 4, 4, 4)},
                {EINVAL, spec("b", MapType.BLOOM_FILTER, 0, 4, 4, 0, 16)},
                {EINVAL, spec("b", MapType.BLOOM_FILTER, 0, 0, 4)},
                {EINVAL, spec("b", MapType.BLOOM_FILTER, 0, 4, 4, MapChecks.F_NO_PREALLOC, 0)},
                {EINVAL, spec("r", MapType.RINGBUF, 0, 0, 4096 * 3)},
                {EINVAL, spec("r", MapType.RINGBUF, 0, 0, 2048)},
                {EINVAL, spec("r", MapType.RINGBUF, 4, 0, 4096)},
                {EINVAL, spec("r", MapType.RINGBUF, 0, 0, 4096, MapChecks.F_RDONLY_PROG, 0)},
                {EINVAL, spec("p", MapType.PROG_ARRAY, 4, 8, 4)},
                {EINVAL, spec("p", MapType.PROG_ARRAY, 4, 4, 4, MapChecks.F_RDONLY_PROG, 0)},
                {EBADF, spec("p", MapType.ARRAY_OF_MAPS, 4, 4, 4)},                                  // no inner template
                {ENOTSUPP, outer("o", MapType.HASH_OF_MAPS, 4, 4, outer("i", MapType.ARRAY_OF_MAPS, 4, 1,
                        spec("x", MapType.ARRAY, 4, 4, 1), List.of()), List.of())},
                {EINVAL, spec("d", MapType.DEVMAP, 4, 6, 4)},
                {EINVAL, spec("d", MapType.DEVMAP_HASH, 8, 4, 4)},
                {EINVAL, spec("d", MapType.CPUMAP, 4, 4, 4, MapChecks.F_NO_PREALLOC, 0)},
                {E2BIG, spec("d", MapType.CPUMAP, 4, 4, 5000)},
                {EINVAL, spec("x", MapType.XSKMAP, 4, 8, 4)},
                {ENOTSUPP, spec("s", MapType.SOCKMAP, 4, 4, 4)},
        };
        for (Object[] c : cases) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(BackendException.class, () -> load((MapSpec) c[1]), c[1].toString());
            assertEquals(-(int) c[0], e.errno(), c[1] + ": " + e.getMessage());
        }
        // and the good ones load
        try (LoadedObject obj = load(spec("l", MapType.LPM_TRIE, 8, 4, 16, MapChecks.F_NO_PREALLOC, 0),
                spec("r", MapType.RINGBUF, 0, 0, 4096), spec("b", MapType.BLOOM_FILTER, 0, 4, 100, 0, 3),
                spec("lru", MapType.LRU_HASH, 4, 8, 4, MapChecks.F_NO_COMMON_LRU, 0))) {
            assertEquals(4, obj.maps().size());
        }
    }

    @Test
    void perCpuArrayUserSpaceSeesEveryCpuPaddedTo8() {
        try (LoadedObject obj = load(EmulatorConfig.defaults().withCpus(3), Map.of(), spec("pa", MapType.PERCPU_ARRAY, 4, 4, 2))) {
            MapHandle m = obj.map("pa");
            assertEquals(24, m.userValueSize());
            assertArrayEquals(new byte[24], m.lookup(1L).orElseThrow());
            byte[] v = new byte[24];
            v[0] = 1; v[8] = 2; v[16] = 3; v[4] = 9; // byte 4 is padding: not stored
            m.update(m.key(1), v);
            byte[] back = m.lookup(1L).orElseThrow();
            assertEquals(1, back[0]);
            assertEquals(2, back[8]);
            assertEquals(3, back[16]);
            assertEquals(0, back[4]);
            errno(EINVAL, () -> m.update(m.key(0), new byte[4]));           // one CPU's value is not enough
            errno(E2BIG, () -> m.update(m.key(2), new byte[24]));
            errno(EEXIST, () -> m.update(m.key(0), new byte[24], UpdateFlag.NOEXIST));
            errno(EINVAL, () -> m.delete(m.key(0)));
        }
    }

    @Test
    void perCpuHashNewKeysStartZeroOnOtherCpus() {
        try (LoadedObject obj = load(EmulatorConfig.defaults().withCpus(2), Map.of(), spec("ph", MapType.PERCPU_HASH, 4, 8, 2))) {
            MapHandle m = obj.map("ph");
            assertEquals(16, m.userValueSize());
            byte[] v = new byte[16];
            v[0] = 5; v[8] = 6;
            m.update(m.key(7), v, UpdateFlag.NOEXIST);
            assertArrayEquals(v, m.lookup(7L).orElseThrow());
            errno(EEXIST, () -> m.update(m.key(7), v, UpdateFlag.NOEXIST));
            m.update(m.key(8), v);
            errno(E2BIG, () -> m.update(m.key(9), v));
            assertArrayEquals(v, m.lookupAndDelete(m.key(7)).orElseThrow());
            assertTrue(m.lookup(7L).isEmpty());
            assertTrue(m.lookupAndDelete(m.key(7)).isEmpty());
        }
    }

    @Test
    void lruHashEvictsTheLeastRecentlyUsedAndSyscallLookupsDoNotCount() {
        try (LoadedObject obj = load(spec("lru", MapType.LRU_HASH, 4, 8, 3))) {
            MapHandle m = obj.map("lru");
            for (int k = 1; k <= 3; k++)
                m.update(m.key(k), m.value(k * 10L));
            m.lookup(1L);                                        // a syscall lookup is not a use
            m.update(m.key(1), m.value(11), UpdateFlag.EXIST);  // an update is
            m.update(m.key(4), m.value(40));                    // full: evicts 2, the least recently used
            assertTrue(m.lookup(2L).isEmpty());
            assertEquals(List.of(3L, 1L, 4L), m.keys().stream().map(k -> MapHandle.decode(k, m.byteOrder())).toList());
            m.update(m.key(5), m.value(50), UpdateFlag.NOEXIST); // evicts 3
            assertTrue(m.lookup(3L).isEmpty());
            assertEquals(11, m.lookupLong(1).orElseThrow());
            errno(ENOENT, () -> m.update(m.key(6), m.value(1), UpdateFlag.EXIST));
            errno(EEXIST, () -> m.update(m.key(1), m.value(1), UpdateFlag.NOEXIST));
        }
    }

    @Test
    void hashRejectsBadUpdateFlagsAndAccessModes() {
        try (LoadedObject obj = load(spec("ro", MapType.HASH, 4, 8, 4, MapChecks.F_RDONLY, 0),
                spec("wo", MapType.HASH, 4, 8, 4, MapChecks.F_WRONLY, 0), spec("h", MapType.HASH, 4, 8, 4))) {
            MapHandle ro = obj.map("ro"), wo = obj.map("wo");
            errno(EPERM, () -> ro.update(ro.key(1), ro.value(1)));
            errno(EPERM, () -> ro.delete(ro.key(1)));
            wo.update(wo.key(1), wo.value(1));
            errno(EPERM, () -> wo.lookup(1L));
            var h = (EmulatorMap) obj.map("h");
            assertEquals(-EINVAL, h.update(h.key(1), h.value(1), 3, null));
            assertEquals(-EINVAL, h.update(h.key(1), h.value(1), 1L << 40, null));
            assertEquals(0, h.update(h.key(1), h.value(1), EmulatorMap.F_LOCK, null));
        }
    }

    static byte[] lpmKey(int prefix, int... data) {
        byte[] k = new byte[4 + data.length];
        System.arraycopy(le(4, prefix), 0, k, 0, 4);
        for (int i = 0; i < data.length; i++)
            k[4 + i] = (byte) data[i];
        return k;
    }

    @Test
    void lpmTrieLongestPrefixMatchAndKernelIterationOrder() {
        try (LoadedObject obj = load(spec("lpm", MapType.LPM_TRIE, 8, 4, 4, MapChecks.F_NO_PREALLOC, 0))) {
            MapHandle m = obj.map("lpm");
            // The example at the top of the kernel's lpm_trie.c
            m.update(lpmKey(16, 192, 168, 0, 0), le(4, 1));
            m.update(lpmKey(24, 192, 168, 0, 0), le(4, 2));
            m.update(lpmKey(24, 192, 168, 128, 0), le(4, 3));
            m.update(lpmKey(24, 192, 168, 1, 0), le(4, 4));
            assertEquals(List.of("24 192.168.0.0", "24 192.168.1.0", "24 192.168.128.0", "16 192.168.0.0"),
                    m.keys().stream().map(MapTypesTest::prefixString).toList());
            assertEquals(2, le(m.lookup(lpmKey(32, 192, 168, 0, 7)).orElseThrow(), 0, 4));
            assertEquals(4, le(m.lookup(lpmKey(32, 192, 168, 1, 1)).orElseThrow(), 0, 4));
            assertEquals(1, le(m.lookup(lpmKey(32, 192, 168, 200, 1)).orElseThrow(), 0, 4));
            assertEquals(1, le(m.lookup(lpmKey(20, 192, 168, 0, 7)).orElseThrow(), 0, 4)); // the key's prefixlen limits the match
            assertTrue(m.lookup(lpmKey(32, 10, 0, 0, 1)).isEmpty());
            assertTrue(m.lookup(lpmKey(33, 192, 168, 0, 0)).isEmpty());
            errno(ENOSPC, () -> m.update(lpmKey(8, 10, 0, 0, 0), le(4, 5)));
            m.update(lpmKey(24, 192, 168, 1, 99), le(4, 6), UpdateFlag.EXIST);   // same prefix: bits past it ignored
            errno(EEXIST, () -> m.update(lpmKey(24, 192, 168, 1, 0), le(4, 6), UpdateFlag.NOEXIST));
            errno(ENOENT, () -> m.update(lpmKey(23, 192, 168, 1, 0), le(4, 6), UpdateFlag.EXIST));
            errno(EINVAL, () -> m.update(lpmKey(33, 192, 168, 1, 0), le(4, 6)));
            errno(EINVAL, () -> m.delete(lpmKey(40, 0, 0, 0, 0)));
            errno(ENOENT, () -> m.delete(lpmKey(8, 192, 0, 0, 0)));
            m.delete(lpmKey(24, 192, 168, 0, 0));
            assertEquals(1, le(m.lookup(lpmKey(32, 192, 168, 0, 7)).orElseThrow(), 0, 4));
            m.update(lpmKey(0, 0, 0, 0, 0), le(4, 7));                             // a default route
            assertEquals(7, le(m.lookup(lpmKey(32, 10, 0, 0, 1)).orElseThrow(), 0, 4));
        }
    }

    static String prefixString(byte[] k) {
        return le(k, 0, 4) + " " + (k[4] & 0xff) + "." + (k[5] & 0xff) + "." + (k[6] & 0xff) + "." + (k[7] & 0xff);
    }

    @Test
    void queueIsFifoStackIsLifoWithTheKernelsErrors() {
        try (LoadedObject obj = load(spec("q", MapType.QUEUE, 0, 4, 2), spec("s", MapType.STACK, 0, 4, 2))) {
            MapHandle q = obj.map("q"), s = obj.map("s");
            for (MapHandle m : List.of(q, s)) {
                assertTrue(m.lookup(NO_KEY).isEmpty());
                assertTrue(m.lookupAndDelete(NO_KEY).isEmpty());
                m.update(NO_KEY, le(4, 1));
                m.update(NO_KEY, le(4, 2));
                errno(E2BIG, () -> m.update(NO_KEY, le(4, 3)));
                errno(EINVAL, () -> m.update(NO_KEY, le(4, 3), UpdateFlag.NOEXIST));
                m.update(NO_KEY, le(4, 3), UpdateFlag.EXIST);               // overwrites the oldest (1)
                errno(EINVAL, () -> m.delete(NO_KEY));
                errno(EINVAL, m::keys);
                errno(EINVAL, () -> m.lookup(new byte[4]));                 // no key
            }
            assertEquals(2, le(q.lookup(NO_KEY).orElseThrow(), 0, 4));     // peek
            assertEquals(2, le(q.lookupAndDelete(NO_KEY).orElseThrow(), 0, 4));
            assertEquals(3, le(q.lookupAndDelete(NO_KEY).orElseThrow(), 0, 4));
            assertEquals(3, le(s.lookup(NO_KEY).orElseThrow(), 0, 4));
            assertEquals(3, le(s.lookupAndDelete(NO_KEY).orElseThrow(), 0, 4));
            assertEquals(2, le(s.lookupAndDelete(NO_KEY).orElseThrow(), 0, 4));
            assertTrue(s.lookupAndDelete(NO_KEY).isEmpty());
        }
    }

    @Test
    void bloomFilterHasNoFalseNegativesAndFewFalsePositives() {
        try (LoadedObject obj = load(spec("b", MapType.BLOOM_FILTER, 0, 4, 1000, 0, 3))) {
            MapHandle b = obj.map("b");
            for (int i = 0; i < 1000; i++)
                b.update(NO_KEY, le(4, i * 7919L));
            for (int i = 0; i < 1000; i++)
                assertTrue(b.lookup(le(4, i * 7919L)).isPresent(), "false negative " + i);
            int positives = 0;
            for (int i = 0; i < 10000; i++)
                if (b.lookup(le(4, 1_000_000_007L + i)).isPresent())
                    positives++;
            assertTrue(positives < 1500, positives + " false positives in 10000"); // ~3 % expected with k=3, 8192 bits
            assertTrue(positives > 0, "an 8192-bit filter with 1000 values must have some false positives");
            errno(EINVAL, () -> b.update(NO_KEY, le(4, 1), UpdateFlag.EXIST));
            errno(EOPNOTSUPP, () -> b.delete(le(4, 1)));
            errno(EOPNOTSUPP, b::keys);
            errno(EINVAL, () -> b.lookup(new byte[3]));
        }
        assertEquals(8192, BloomFilterMap.bitCount(spec("b", MapType.BLOOM_FILTER, 0, 4, 1000, 0, 3)));
        assertEquals(64, BloomFilterMap.bitCount(spec("b", MapType.BLOOM_FILTER, 0, 4, 1, 0, 0)));
        assertEquals(5, BloomFilterMap.hashCount(spec("b", MapType.BLOOM_FILTER, 0, 4, 1, 0, 0)));
    }

    @Test
    void ringBufferAndPerfArrayRefuseKeyedOperations() {
        try (LoadedObject obj = load(spec("r", MapType.RINGBUF, 0, 0, 4096), spec("p", MapType.PERF_EVENT_ARRAY, 4, 4, 0),
                spec("h", MapType.HASH, 4, 4, 1))) {
            MapHandle r = obj.map("r"), p = obj.map("p");
            errno(ENOTSUPP, () -> r.lookup(NO_KEY));
            errno(ENOTSUPP, () -> r.update(NO_KEY, NO_KEY));
            errno(ENOTSUPP, () -> r.delete(NO_KEY));
            errno(ENOTSUPP, r::keys);
            assertTrue(r.consume().isEmpty());
            assertEquals(2, p.keys().size());                                // max_entries 0: one slot per CPU, as libbpf
            assertEquals(2, p.spec().maxEntries());
            errno(ENOTSUPP, () -> p.lookup(0L));
            p.delete(p.key(1));
            errno(ENOENT, () -> p.delete(p.key(1)));
            p.update(p.key(1), p.value(99));
            errno(EINVAL, () -> p.update(p.key(1), p.value(99), UpdateFlag.EXIST));
            errno(E2BIG, () -> p.delete(p.key(2)));
            errno(EINVAL, () -> obj.map("h").consume());
        }
    }

    @Test
    void progArrayAndMapsOfMapsTakeFdsAndGiveIds() {
        MapSpec inner = spec("inner", MapType.ARRAY, 4, 8, 4);
        var noop = new MapTestKit.Asm().mov(0, 2).exit().build();
        try (LoadedObject obj = load(EmulatorConfig.defaults(), MapTestKit.programs("p1", noop, "p2", noop),
                spec("inner_a", MapType.ARRAY, 4, 8, 4), spec("inner_big", MapType.ARRAY, 4, 8, 5),
                spec("other", MapType.HASH, 4, 8, 4),
                outer("arr", MapType.ARRAY_OF_MAPS, 4, 2, inner, List.of(new MapSlot(1, "inner_a"))),
                outer("hom", MapType.HASH_OF_MAPS, 4, 2, inner, List.of(new MapSlot(3, "inner_a"))),
                outer("progs", MapType.PROG_ARRAY, 4, 4, null, List.of(new MapSlot(2, "p2"))))) {
            MapHandle arr = obj.map("arr"), hom = obj.map("hom"), progs = obj.map("progs");
            int a = obj.map("inner_a").fd(), big = obj.map("inner_big").fd(), other = obj.map("other").fd();
            int p1 = obj.program("p1").fd(), p2 = obj.program("p2").fd();
            assertTrue(a > 2 && p1 != p2 && a != p1);
            assertEquals(a, le(arr.lookup(1L).orElseThrow(), 0, 4));         // from the BTF initialiser
            assertEquals(a, le(hom.lookup(3L).orElseThrow(), 0, 4));
            assertEquals(p2, le(progs.lookup(2L).orElseThrow(), 0, 4));
            assertTrue(arr.lookup(0L).isEmpty());
            errno(EINVAL, () -> arr.update(arr.key(0), le(4, big)));          // max_entries differs from the template
            errno(EINVAL, () -> arr.update(arr.key(0), le(4, other)));        // type differs
            errno(EINVAL, () -> arr.update(arr.key(0), le(4, p1)));           // a program is not a map
            errno(EBADF, () -> arr.update(arr.key(0), le(4, 1_000_000)));
            errno(EINVAL, () -> arr.update(arr.key(0), le(4, a), UpdateFlag.NOEXIST)); // fd arrays: BPF_ANY only
            errno(E2BIG, () -> arr.update(arr.key(2), le(4, a)));
            arr.update(arr.key(0), le(4, a));
            arr.delete(arr.key(0));
            errno(ENOENT, () -> arr.delete(arr.key(0)));
            errno(E2BIG, () -> arr.delete(arr.key(5)));
            errno(EINVAL, () -> hom.update(hom.key(1), le(4, big)));
            errno(EEXIST, () -> hom.update(hom.key(3), le(4, a), UpdateFlag.NOEXIST));
            progs.update(progs.key(0), le(4, p1));
            errno(EINVAL, () -> progs.update(progs.key(1), le(4, a)));        // a map is not a program
            errno(EBADF, () -> progs.update(progs.key(1), le(4, -5)));
            assertEquals(4, progs.keys().size());
            assertEquals(2, progs.entries().size());
        }
    }

    @Test
    void redirectMapsStoreTargets() {
        try (LoadedObject obj = load(EmulatorConfig.defaults().withCpus(2), Map.of(), spec("dev", MapType.DEVMAP, 4, 8, 4),
                spec("devh", MapType.DEVMAP_HASH, 4, 4, 2), spec("cpu", MapType.CPUMAP, 4, 4, 4),
                spec("xsk", MapType.XSKMAP, 4, 4, 2))) {
            MapHandle dev = obj.map("dev"), devh = obj.map("devh"), cpu = obj.map("cpu"), xsk = obj.map("xsk");
            byte[] v = new byte[8];
            v[0] = 7; v[4] = -1; v[5] = -1; v[6] = -1; v[7] = -1;            // ifindex 7, no program (fd -1)
            dev.update(dev.key(1), v);
            byte[] back = dev.lookup(1L).orElseThrow();
            assertEquals(7, le(back, 0, 4));
            assertEquals(0, le(back, 4, 4));                                 // program id 0
            assertTrue(dev.lookup(0L).isEmpty());
            errno(EEXIST, () -> dev.update(dev.key(0), v, UpdateFlag.NOEXIST));
            errno(E2BIG, () -> dev.update(dev.key(4), v));
            byte[] withProg = v.clone();
            withProg[4] = 3; withProg[5] = 0; withProg[6] = 0; withProg[7] = 0;
            errno(EINVAL, () -> dev.update(dev.key(1), withProg));
            dev.update(dev.key(1), new byte[8]);                            // ifindex 0 empties the slot
            assertTrue(dev.lookup(1L).isEmpty());
            dev.delete(dev.key(1));                                          // an empty slot: still 0
            errno(EINVAL, () -> dev.delete(dev.key(4)));
            devh.update(devh.key(1000), le(4, 3));
            errno(EINVAL, () -> devh.update(devh.key(1001), le(4, 0)));
            devh.update(devh.key(1001), le(4, 4));
            errno(E2BIG, () -> devh.update(devh.key(1002), le(4, 5)));
            errno(ENOENT, () -> devh.delete(devh.key(5)));
            cpu.update(cpu.key(1), le(4, 192));
            assertEquals(192, le(cpu.lookup(1L).orElseThrow(), 0, 4));
            errno(ENODEV, () -> cpu.update(cpu.key(2), le(4, 192)));          // only 2 CPUs
            errno(EOVERFLOW, () -> cpu.update(cpu.key(0), le(4, 16385)));
            errno(EEXIST, () -> cpu.update(cpu.key(0), le(4, 1), UpdateFlag.NOEXIST));
            cpu.update(cpu.key(1), le(4, 0));
            assertTrue(cpu.lookup(1L).isEmpty());
            xsk.update(xsk.key(0), le(4, 42), UpdateFlag.NOEXIST);
            errno(EEXIST, () -> xsk.update(xsk.key(0), le(4, 42), UpdateFlag.NOEXIST));
            errno(ENOENT, () -> xsk.update(xsk.key(1), le(4, 42), UpdateFlag.EXIST));
            errno(EOPNOTSUPP, () -> xsk.lookup(0L));
        }
    }

    @Test
    void capabilitiesListEveryCreatableType() {
        var types = new EmulatorBackend().capabilities().mapTypes();
        var loaded = new ArrayList<MapType>();
        for (MapType t : MapType.values()) {
            MapSpec s = switch (t) {
                case ARRAY, PERCPU_ARRAY -> spec("m", t, 4, 8, 2);
                case HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH -> spec("m", t, 4, 8, 2);
                case LPM_TRIE -> spec("m", t, 8, 8, 2, MapChecks.F_NO_PREALLOC, 0);
                case PROG_ARRAY, PERF_EVENT_ARRAY -> spec("m", t, 4, 4, 2);
                case ARRAY_OF_MAPS, HASH_OF_MAPS -> outer("m", t, 4, 2, spec("i", MapType.ARRAY, 4, 4, 1), List.of());
                case QUEUE, STACK, BLOOM_FILTER -> spec("m", t, 0, 4, 2);
                case RINGBUF -> spec("m", t, 0, 0, 4096);
                case DEVMAP, DEVMAP_HASH, CPUMAP, XSKMAP -> spec("m", t, 4, 4, 2);
                default -> spec("m", t, 4, 4, 2);
            };
            try (LoadedObject obj = load(s)) {
                loaded.add(t);
            } catch (BackendException e) {
                assertEquals(-ENOTSUPP, e.errno(), t + ": " + e.getMessage());
            }
        }
        assertEquals(Set(types), Set(loaded));
        assertFalse(types.contains(MapType.SOCKMAP));
    }

    private static java.util.Set<MapType> Set(java.util.Collection<MapType> c) {
        return new java.util.TreeSet<>(c);
    }

    @Test
    void closedObjectsRefuseEveryMapOperation() {
        LoadedObject obj = load(spec("r", MapType.RINGBUF, 0, 0, 4096), spec("q", MapType.QUEUE, 0, 4, 2));
        MapHandle r = obj.map("r"), q = obj.map("q");
        obj.close();
        errno(EBADF, r::consume);
        errno(EBADF, () -> q.lookupAndDelete(NO_KEY));
        errno(EBADF, () -> q.update(NO_KEY, new byte[4]));
    }
}
