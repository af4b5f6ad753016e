package dev.bpf4j.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The interpreter's loads and stores go through the memory's per-slot backing arrays
 * (loads: every region; stores: writable ones) and, in little-endian memories, through an
 * inlined fast path: after any sequence of map, remap and unmap, every access, by either
 * path and in either byte order, must still see exactly the live regions, as a plain list of
 * them says.
 */
class MemoryTableProperties {
    /** One step: map a region (size, writable), remap or unmap the k-th live one. */
    record Step(int kind, int size, boolean writable, int k) {}

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> step = net.jqwik.api.Combinators.combine(Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 24), Arbitraries.of(true, false), Arbitraries.integers().between(0, 40))
                .as((kind, size, writable, k) -> new Step(kind, size, writable, k));
        return step.list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 300)
    void accessesSeeExactlyTheLiveRegions(@ForAll("steps") List<Step> steps, @ForAll @IntRange(min = 0, max = 3) int sizeIndex,
                                          @ForAll boolean big, @ForAll boolean interpreterPath) {
        int size = new int[] {1, 2, 4, 8}[sizeIndex];
        var memory = new Memory(big ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        Access access = interpreterPath ? new Interpreter(memory) : new Access() {
            public long load(long address, int n) { return memory.load(address, n); }
            public void store(long address, int n, long value) { memory.store(address, n, value); }
        };
        var live = new ArrayList<Region>();
        var dead = new ArrayList<Region>();
        for (Step s : steps) {
            if (s.kind() <= 1 || live.isEmpty()) {                 // map (twice as often)
                live.add(memory.map("r" + live.size(), new byte[s.size()], s.writable()));
            } else if (s.kind() == 2) {                             // remap onto fresh bytes
                int k = s.k() % live.size();
                live.set(k, memory.remap(live.get(k), new byte[s.size()]));
            } else {                                                // unmap
                Region gone = live.remove(s.k() % live.size());
                memory.unmap(gone);
                dead.add(gone);
            }
        }
        long value = 0x0102030405060708L & (size == 8 ? -1L : (1L << 8 * size) - 1);
        for (Region r : live) {
            for (int off = -1; off <= r.size(); off++) {
                long address = r.base() + off;
                boolean inside = off >= 0 && off + size <= r.size();
                if (!inside) {
                    assertEquals(VmFault.Kind.OUT_OF_REGION, assertThrows(VmFault.class, () -> access.load(address, size)).kind());
                    continue;
                }
                if (r.writable()) {
                    access.store(address, size, value);
                    assertEquals(value, access.load(address, size), r + " +" + off);
                    assertEquals(value & 0xff, r.bytes()[big ? off + size - 1 : off] & 0xff, "the region shares its bytes");
                } else {
                    assertEquals(VmFault.Kind.READ_ONLY, assertThrows(VmFault.class, () -> access.store(address, size, value)).kind());
                    assertEquals(0, access.load(address, size));
                }
            }
        }
        for (Region r : dead)
            if (r.size() >= size)
                assertEquals(VmFault.Kind.OUT_OF_REGION, assertThrows(VmFault.class, () -> access.load(r.base(), size)).kind(),
                        "a stale pointer into unmapped " + r);
    }

    interface Access {
        long load(long address, int size);

        void store(long address, int size, long value);
    }

    /** The size-specialised accessors the run loop calls. */
    record Interpreter(Memory memory) implements Access {
        public long load(long address, int size) {
            return switch (size) {
                case 1 -> memory.load1(address, 0, 1, 0);
                case 2 -> memory.load2(address, 0, 1, 0);
                case 4 -> memory.load4(address, 0, 1, 0);
                default -> memory.load8(address, 0, 1, 0);
            };
        }

        public void store(long address, int size, long value) {
            switch (size) {
                case 1 -> memory.store1(address, value, 0, 1, 0);
                case 2 -> memory.store2(address, value, 0, 1, 0);
                case 4 -> memory.store4(address, value, 0, 1, 0);
                default -> memory.store8(address, value, 0, 1, 0);
            }
        }
    }
}
