package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.UpdateFlag;
import dev.bpf4j.loader.MapType;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.bpf4j.emulator.MapTestKit.le;
import static dev.bpf4j.emulator.MapTestKit.load;
import static dev.bpf4j.emulator.MapTestKit.spec;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The maps against plain Java models under random operation sequences: same answers, same errno values. */
class MapProperties {
    /** One operation: kind 0 update, 1 delete, 2 lookup, 3 lookup-and-delete; flag for updates. */
    record Op(int kind, int key, long value, UpdateFlag flag) {
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        return Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 11),
                Arbitraries.longs(), Arbitraries.of(UpdateFlag.class)).as(Op::new).list().ofMaxSize(80);
    }

    /** errno of the call, 0 when it succeeds. */
    static int errno(Runnable r) {
        try {
            r.run();
            return 0;
        } catch (BackendException e) {
            return e.errno();
        }
    }

    @Property(tries = 150)
    void hashMapBehavesAsAJavaMap(@ForAll("ops") List<Op> ops) {
        hashAgainstModel(MapType.HASH, ops);
    }

    @Property(tries = 150)
    void lruHashEvictsAsAnAccessOrderedMap(@ForAll("ops") List<Op> ops) {
        hashAgainstModel(MapType.LRU_HASH, ops);
    }

    private static void hashAgainstModel(MapType type, List<Op> ops) {
        int max = 6;
        boolean lru = type == MapType.LRU_HASH;
        try (LoadedObject obj = load(spec("h", type, 4, 8, max))) {
            MapHandle h = obj.map("h");
            var model = new LinkedHashMap<Long, Long>();   // insertion order = the emulator's; LRU: least recent first
            for (Op op : ops) {
                long k = op.key();
                switch (op.kind()) {
                    case 0 -> {
                        boolean present = model.containsKey(k);
                        int expected = present && op.flag() == UpdateFlag.NOEXIST ? -BackendException.EEXIST
                                : !present && op.flag() == UpdateFlag.EXIST ? -BackendException.ENOENT
                                : !present && model.size() == max && !lru ? -BackendException.E2BIG : 0;
                        assertEquals(expected, errno(() -> h.update(h.key(k), h.value(op.value()), op.flag())), op.toString());
                        if (expected == 0) {
                            if (!present && model.size() == max)
                                model.remove(model.keySet().iterator().next());
                            if (lru)
                                model.remove(k);
                            model.put(k, op.value());
                        }
                    }
                    case 1 -> assertEquals(model.remove(k) == null ? -BackendException.ENOENT : 0, errno(() -> h.delete(h.key(k))));
                    case 2 -> assertEquals(Optional.ofNullable(model.get(k)), h.lookupLong(k).isPresent()
                            ? Optional.of(h.lookupLong(k).getAsLong()) : Optional.empty());
                    default -> assertEquals(Optional.ofNullable(model.remove(k)),
                            h.lookupAndDelete(h.key(k)).map(v -> MapHandle.decode(v, h.byteOrder())));
                }
                assertEquals(List.copyOf(model.keySet()), h.keys().stream().map(b -> MapHandle.decode(b, h.byteOrder())).toList());
            }
        }
    }

    /** A prefix of 16-bit data: length 0..16. */
    record Prefix(int length, int bits) {
        Prefix {
            bits = length == 0 ? 0 : bits & ((0xffff << (16 - length)) & 0xffff);
        }

        byte[] key() {
            return MapTypesTest.lpmKey(length, bits >> 8, bits & 0xff);
        }

        boolean matches(int address, int limit) {
            return length <= limit && ((address ^ bits) & ((0xffff << (16 - length)) & 0xffff)) == 0;
        }
    }

    record LpmOp(int kind, Prefix prefix, int value) {
    }

    @Provide
    Arbitrary<List<LpmOp>> lpmOps() {
        Arbitrary<Prefix> prefixes = Combinators.combine(Arbitraries.integers().between(0, 16),
                Arbitraries.integers().between(0, 0xffff)).as(Prefix::new);
        return Combinators.combine(Arbitraries.integers().between(0, 2), prefixes, Arbitraries.integers().between(0, 1000))
                .as(LpmOp::new).list().ofMaxSize(60);
    }

    @Property(tries = 150)
    void lpmTrieAnswersAsANaiveLongestPrefixSearch(@ForAll("lpmOps") List<LpmOp> ops) {
        int max = 12;
        try (LoadedObject obj = load(spec("lpm", MapType.LPM_TRIE, 6, 4, max, MapChecks.F_NO_PREALLOC, 0))) {
            MapHandle m = obj.map("lpm");
            var model = new LinkedHashMap<Prefix, Integer>();
            for (LpmOp op : ops) {
                Prefix p = op.prefix();
                switch (op.kind()) {
                    case 0 -> {
                        int expected = !model.containsKey(p) && model.size() == max ? -BackendException.ENOSPC : 0;
                        assertEquals(expected, errno(() -> m.update(p.key(), le(4, op.value()))));
                        if (expected == 0)
                            model.put(p, op.value());
                    }
                    case 1 -> assertEquals(model.remove(p) == null ? -BackendException.ENOENT : 0, errno(() -> m.delete(p.key())));
                    default -> {
                        // a lookup of the address p.bits with p.length as the key's own prefix length
                        Integer best = null;
                        int bestLength = -1;
                        for (var e : model.entrySet())
                            if (e.getKey().matches(p.bits(), p.length()) && e.getKey().length() > bestLength) {
                                best = e.getValue();
                                bestLength = e.getKey().length();
                            }
                        Optional<Long> got = m.lookup(p.key()).map(v -> le(v, 0, 4));
                        assertEquals(Optional.ofNullable(best).map(Integer::longValue), got, p.toString());
                    }
                }
                assertEquals(postOrder(model), m.keys().stream().map(k -> new Prefix((int) le(k, 0, 4),
                        (k[4] & 0xff) << 8 | (k[5] & 0xff))).toList());
            }
        }
    }

    /** The stored prefixes in a post-order walk of the binary trie: 0-subtree, 1-subtree, then the node. */
    static List<Prefix> postOrder(Map<Prefix, Integer> stored) {
        var out = new ArrayList<Prefix>();
        walk(new Prefix(0, 0), stored, out);
        return out;
    }

    private static void walk(Prefix node, Map<Prefix, Integer> stored, List<Prefix> out) {
        if (node.length() < 16 && stored.keySet().stream().anyMatch(p -> p.length() > node.length() && node.matches(p.bits(), 16))) {
            walk(new Prefix(node.length() + 1, node.bits()), stored, out);
            walk(new Prefix(node.length() + 1, node.bits() | 1 << (15 - node.length())), stored, out);
        }
        if (stored.containsKey(node))
            out.add(node);
    }

    @Provide
    Arbitrary<List<Op>> queueOps() {
        return Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.just(0),
                Arbitraries.longs(), Arbitraries.of(UpdateFlag.class)).as(Op::new).list().ofMaxSize(60);
    }

    @Property(tries = 100)
    void queueAndStackBehaveAsADeque(@ForAll("queueOps") List<Op> ops, @ForAll boolean stack) {
        int max = 4;
        byte[] none = new byte[0];
        try (LoadedObject obj = load(spec("q", stack ? MapType.STACK : MapType.QUEUE, 0, 8, max))) {
            MapHandle q = obj.map("q");
            var model = new ArrayDeque<Long>();
            for (Op op : ops) {
                switch (op.kind()) {
                    case 0 -> {
                        int expected = op.flag() == UpdateFlag.NOEXIST ? -BackendException.EINVAL
                                : model.size() == max && op.flag() != UpdateFlag.EXIST ? -BackendException.E2BIG : 0;
                        assertEquals(expected, errno(() -> q.update(none, le(8, op.value()), op.flag())));
                        if (expected == 0) {
                            if (model.size() == max)
                                model.pollFirst();
                            model.addLast(op.value());
                        }
                    }
                    case 1 -> assertEquals(Optional.ofNullable(stack ? model.pollLast() : model.pollFirst()),
                            q.lookupAndDelete(none).map(v -> le(v, 0, 8)));
                    default -> assertEquals(Optional.ofNullable(stack ? model.peekLast() : model.peekFirst()),
                            q.lookup(none).map(v -> le(v, 0, 8)));
                }
            }
        }
    }

    @Property(tries = 60)
    void perCpuHashKeepsEachCpusValue(@ForAll("ops") List<Op> ops) {
        try (LoadedObject obj = load(EmulatorConfig.defaults().withCpus(3), Map.of(), spec("h", MapType.PERCPU_HASH, 4, 4, 12))) {
            MapHandle h = obj.map("h");
            var model = new LinkedHashMap<Long, byte[]>();
            for (Op op : ops) {
                long k = op.key();
                byte[] v = new byte[h.userValueSize()];
                for (int c = 0; c < 3; c++)
                    System.arraycopy(le(4, op.value() + c), 0, v, c * 8, 4);
                if (op.kind() % 2 == 0 && errno(() -> h.update(h.key(k), v, op.flag())) == 0)
                    model.put(k, v);
                else if (op.kind() % 2 == 1 && errno(() -> h.delete(h.key(k))) == 0)
                    model.remove(k);
                for (var e : model.entrySet())
                    assertArrayEquals(e.getValue(), h.lookup(h.key(e.getKey())).orElseThrow(), Arrays.toString(e.getValue()));
            }
        }
    }
}
