package dev.bpf4j.emulator;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The emulated 64-bit address space: a set of {@link Region regions}, each at its own
 * base address, with every load and store checked against its region and permissions.
 *
 * <p>Region {@code i} starts at {@code (i + 1) << 44} ({@code 0x1000_0000_0000} apart), so
 * pointers into different regions never overlap, pointer arithmetic within a region and
 * comparisons between pointers behave as in the kernel, and the region of an address is
 * found in constant time from its top 20 bits: no search, no cache to keep coherent.
 * Address 0 (NULL) and everything below the first base belong to no region. A region
 * that is {@link #unmap unmapped} leaves its slot empty, so stale pointers into it fault
 * instead of reaching a newer region.
 *
 * <p>Values are read and written in the memory's byte order: little-endian for bpfel
 * programs, big-endian for bpfeb. Reads return the value zero-extended to 64 bits.
 *
 * <pre>{@code
 * var memory = new Memory(ByteOrder.LITTLE_ENDIAN);
 * Region packet = memory.map("packet", new byte[18], true);
 * memory.store(packet.base() + 4, 2, 0xabcd);
 * long v = memory.load(packet.base() + 4, 2);            // 0xabcd
 * memory.load(packet.base() + 0x14, 4);                  // VmFault: "... is 2 bytes past the end of region 'packet' ..."
 * }</pre>
 *
 * <p>Thread-safe as the kernel's address space is: several runs (one per emulated CPU) may
 * load and store at once, and regions may be mapped and unmapped meanwhile. Plain loads and
 * stores race as they do on real CPUs; the atomic instructions are atomic
 * ({@link #atomic}).
 */
public final class Memory {
    /** log2 of the distance between region bases. */
    static final int REGION_SHIFT = 44;
    /** At most this many regions: the top 20 bits of an address select one (slot 0 is NULL's). */
    static final int MAX_REGIONS = (1 << (64 - REGION_SHIFT)) - 1;
    /** The low bits of an address: its offset inside its region. */
    private static final long OFFSET_MASK = (1L << REGION_SHIFT) - 1;

    private static final VarHandle SHORT_LE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT_BE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT_BE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle LONG_BE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final boolean big;
    /**
     * Indexed by {@code address >>> REGION_SHIFT}; slot 0 stays empty (NULL and low addresses).
     * Replaced, never resized in place, when it grows. Deliberately not volatile (the
     * interpreter reads it on every access): a run only reaches a region through a pointer
     * it made itself or received through a lock (a map's, the CPU queue's), and that lock
     * publishes the table written before the pointer was handed over.
     */
    private Region[] table = new Region[8];
    /**
     * The interpreter's view of {@link #table}: each slot's backing array, in {@code loads}
     * for every region and in {@code stores} only for writable ones (null elsewhere). One
     * load fewer per access than going through the region, and a store into read-only
     * memory is just a miss. Written with the table, under the same lock, before it.
     */
    private byte[][] loads = new byte[8][], stores = new byte[8][];
    /**
     * What the interpreter's inlined fast path reads: {@link #loads} and {@link #stores} in
     * a little-endian memory, empty tables in a big-endian one (whose accesses all take the
     * general path). So the fast path never tests the byte order.
     */
    private byte[][] littleLoads, littleStores;
    private int next = 1;

    /** An empty little-endian address space. */
    public Memory() {
        this(ByteOrder.LITTLE_ENDIAN);
    }

    /** An empty address space whose multi-byte values are in {@code order}. */
    public Memory(ByteOrder order) {
        this.big = order == ByteOrder.BIG_ENDIAN;
        littleLoads = big ? new byte[0][] : loads;
        littleStores = big ? new byte[0][] : stores;
    }

    public ByteOrder byteOrder() {
        return big ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
    }

    /**
     * Places {@code bytes} at a fresh base address. The region shares the array: what a
     * program stores is visible to the caller, and the other way round.
     */
    public synchronized Region map(String name, byte[] bytes, boolean writable) {
        if (next > MAX_REGIONS)
            throw new IllegalStateException("address space full: " + MAX_REGIONS + " regions");
        Region[] t = table;
        byte[][] l = loads, s = stores;
        if (next == t.length) {
            int grown = Math.min(t.length * 2, MAX_REGIONS + 1);
            t = Arrays.copyOf(t, grown);
            l = Arrays.copyOf(l, grown);
            s = Arrays.copyOf(s, grown);
        }
        Region r = new Region(name, (long) next << REGION_SHIFT, bytes, writable);
        l[next] = bytes;
        s[next] = writable ? bytes : null;
        t[next++] = r;
        loads = l;
        stores = s;
        if (!big) {
            littleLoads = l;
            littleStores = s;
        }
        table = t;
        return r;
    }

    /**
     * Replaces {@code old} by a region of the same name and permissions at the same base
     * address, backed by {@code bytes}: a packet buffer reused across test runs without
     * using up region slots. Pointers into the old region now reach the new bytes.
     */
    public synchronized Region remap(Region old, byte[] bytes) {
        int i = (int) (old.base() >>> REGION_SHIFT);
        Region[] table = this.table;
        if (i >= next || table[i] != old)
            throw new IllegalArgumentException("not a mapped region: " + old);
        Region r = new Region(old.name(), old.base(), bytes, old.writable());
        loads[i] = bytes;
        stores[i] = old.writable() ? bytes : null;
        table[i] = r;
        return r;
    }

    /** Removes a region; later accesses to its addresses fault. */
    public synchronized void unmap(Region region) {
        int i = (int) (region.base() >>> REGION_SHIFT);
        Region[] table = this.table;
        if (i < next && table[i] == region) {
            loads[i] = null;
            stores[i] = null;
            table[i] = null;
        }
    }

    /** The region holding {@code address}, or {@code null}. */
    public Region regionAt(long address) {
        long i = address >>> REGION_SHIFT;
        Region[] table = this.table;
        if (i >= table.length)
            return null;
        Region r = table[(int) i];
        return r != null && r.contains(address) ? r : null;
    }

    /** The regions in address order. */
    public synchronized List<Region> regions() {
        var out = new ArrayList<Region>();
        for (int i = 1; i < next; i++)
            if (table[i] != null)
                out.add(table[i]);
        return out;
    }

    /** Reads {@code size} (1, 2, 4 or 8) bytes at {@code address}, zero-extended. */
    public long load(long address, int size) {
        return load(address, size, -1, -1, 0);
    }

    /** Writes the low {@code size} (1, 2, 4 or 8) bytes of {@code value} at {@code address}. */
    public void store(long address, int size, long value) {
        store(address, size, value, -1, -1, 0);
    }

    /**
     * {@link #load(long, int)} on behalf of instruction {@code slot}, whose address was
     * register {@code reg} (or -1) plus {@code off}: those name the culprit in a fault.
     */
    long load(long address, int size, int slot, int reg, int off) {
        byte[] b = bytesFor(address, size, false, slot, reg, off);
        int p = (int) (address & OFFSET_MASK); // offset in region; bounds checked above
        switch (size) {
            case 1:
                return b[p] & 0xffL;
            case 2:
                return (short) (big ? SHORT_BE.get(b, p) : SHORT_LE.get(b, p)) & 0xffffL;
            case 4:
                return (int) (big ? INT_BE.get(b, p) : INT_LE.get(b, p)) & 0xffffffffL;
            default:
                return big ? (long) LONG_BE.get(b, p) : (long) LONG_LE.get(b, p);
        }
    }

    /** {@link #store(long, int, long)} on behalf of instruction {@code slot}; see {@link #load(long, int, int, int, int)}. */
    void store(long address, int size, long value, int slot, int reg, int off) {
        byte[] b = bytesFor(address, size, true, slot, reg, off);
        int p = (int) (address & OFFSET_MASK);
        switch (size) {
            case 1:
                b[p] = (byte) value;
                break;
            case 2:
                if (big) SHORT_BE.set(b, p, (short) value); else SHORT_LE.set(b, p, (short) value);
                break;
            case 4:
                if (big) INT_BE.set(b, p, (int) value); else INT_LE.set(b, p, (int) value);
                break;
            default:
                if (big) LONG_BE.set(b, p, value); else LONG_LE.set(b, p, value);
                break;
        }
    }

    // Size-specialised accessors for the interpreter: a little-endian fast path small enough
    // to inline into the run loop (one table, no byte-order test, no fault code), and the
    // general path for everything else: big-endian memories, misses and faults.

    long load8(long address, int slot, int reg, int off) {
        byte[] b = hit(littleLoads, address, 8);
        return b != null ? (long) LONG_LE.get(b, (int) (address & OFFSET_MASK)) : load(address, 8, slot, reg, off);
    }

    long load4(long address, int slot, int reg, int off) {
        byte[] b = hit(littleLoads, address, 4);
        return b != null ? (int) INT_LE.get(b, (int) (address & OFFSET_MASK)) & 0xffffffffL : load(address, 4, slot, reg, off);
    }

    long load2(long address, int slot, int reg, int off) {
        byte[] b = hit(littleLoads, address, 2);
        return b != null ? (short) SHORT_LE.get(b, (int) (address & OFFSET_MASK)) & 0xffffL : load(address, 2, slot, reg, off);
    }

    long load1(long address, int slot, int reg, int off) {
        byte[] b = hit(littleLoads, address, 1);
        return b != null ? b[(int) (address & OFFSET_MASK)] & 0xffL : load(address, 1, slot, reg, off);
    }

    void store8(long address, long value, int slot, int reg, int off) {
        byte[] b = hit(littleStores, address, 8);
        if (b != null) LONG_LE.set(b, (int) (address & OFFSET_MASK), value); else store(address, 8, value, slot, reg, off);
    }

    void store4(long address, long value, int slot, int reg, int off) {
        byte[] b = hit(littleStores, address, 4);
        if (b != null) INT_LE.set(b, (int) (address & OFFSET_MASK), (int) value); else store(address, 4, value, slot, reg, off);
    }

    void store2(long address, long value, int slot, int reg, int off) {
        byte[] b = hit(littleStores, address, 2);
        if (b != null) SHORT_LE.set(b, (int) (address & OFFSET_MASK), (short) value); else store(address, 2, value, slot, reg, off);
    }

    void store1(long address, long value, int slot, int reg, int off) {
        byte[] b = hit(littleStores, address, 1);
        if (b != null) b[(int) (address & OFFSET_MASK)] = (byte) value; else store(address, 1, value, slot, reg, off);
    }

    /** The array in {@code table} that holds the whole access, or null. */
    private static byte[] hit(byte[][] table, long address, int size) {
        int i = (int) (address >>> REGION_SHIFT); // 20 bits: an int, and never negative
        if (i < table.length) {
            byte[] b = table[i];
            // Bases are multiples of 1 << REGION_SHIFT, so the low bits are the offset in the region.
            if (b != null && (address & OFFSET_MASK) <= b.length - size)
                return b;
        }
        return null;
    }

    /** The {@code n} bytes at {@code address}, or null when they do not all lie in one region (no bytes lie anywhere). */
    byte[] bytesOrNull(long address, int n) {
        if (n == 0)
            return new byte[0];
        Region r = regionAt(address);
        if (r == null || address - r.base() > r.size() - n)
            return null;
        return java.util.Arrays.copyOfRange(r.bytes(), (int) (address - r.base()), (int) (address - r.base()) + n);
    }

    /**
     * The bytes at {@code address} before the first NUL, at most {@code max}; null when the
     * address is unreadable (strncpy_from_kernel_nofault's -EFAULT). A string that runs into
     * the end of its region ends there, as if a NUL followed: in the kernel the memory after
     * a packet or a map value is readable (tailroom, padding) and, in test runs, zero.
     */
    byte[] stringOrNull(long address, int max) {
        Region r = regionAt(address);
        if (r == null)
            return null;
        byte[] bytes = r.bytes();
        int start = (int) (address - r.base()), end = start;
        while (end - start < max && end < bytes.length && bytes[end] != 0)
            end++;
        return java.util.Arrays.copyOfRange(bytes, start, end);
    }

    /** The {@code n} bytes at {@code address}, on behalf of instruction {@code slot}; the fault a load there raises otherwise. */
    byte[] read(long address, int n, int slot) {
        byte[] out = bytesOrNull(address, n);
        if (out == null)
            throw fault(address, n, false, slot, -1, 0);
        return out;
    }

    /** Stores {@code bytes} at {@code address}, on behalf of instruction {@code slot}; the fault a store there raises otherwise. */
    void write(long address, byte[] bytes, int slot) {
        if (bytes.length == 0)
            return;
        Region r = regionAt(address);
        if (r == null || !r.writable() || address - r.base() > r.size() - bytes.length)
            throw fault(address, bytes.length, true, slot, -1, 0);
        System.arraycopy(bytes, 0, r.bytes(), (int) (address - r.base()), bytes.length);
    }

    /** The read-modify-write operations of {@link #atomic}. */
    enum AtomicOp { ADD, OR, AND, XOR, XCHG }

    /**
     * Atomically replaces the 4- or 8-byte value at {@code address} by {@code op(old, operand)}
     * and returns the old value (zero-extended): the STX|ATOMIC instructions and helpers
     * that need them. Like the kernel, the address must be a multiple of the size.
     */
    long atomic(AtomicOp op, long address, int size, long operand, int slot, int reg, int off) {
        byte[] b = bytesFor(address, size, true, slot, reg, off);
        int p = checkAligned(address, size, slot, reg, off);
        VarHandle h = size == 8 ? (big ? LONG_BE : LONG_LE) : (big ? INT_BE : INT_LE);
        for (;;) {
            long old = size == 8 ? (long) h.getVolatile(b, p) : (int) h.getVolatile(b, p) & 0xffffffffL;
            long value = switch (op) {
                case ADD -> old + operand;
                case OR -> old | operand;
                case AND -> old & operand;
                case XOR -> old ^ operand;
                case XCHG -> operand;
            };
            if (size == 8 ? h.compareAndSet(b, p, old, value) : h.compareAndSet(b, p, (int) old, (int) value))
                return old;
        }
    }

    /** Atomic compare-and-exchange: stores {@code value} when the old value equals {@code expected}; returns the old value. */
    long compareAndExchange(long address, int size, long expected, long value, int slot, int reg, int off) {
        byte[] b = bytesFor(address, size, true, slot, reg, off);
        int p = checkAligned(address, size, slot, reg, off);
        if (size == 8)
            return (long) (big ? LONG_BE : LONG_LE).compareAndExchange(b, p, expected, value);
        return (int) (big ? INT_BE : INT_LE).compareAndExchange(b, p, (int) expected, (int) value) & 0xffffffffL;
    }

    private static int checkAligned(long address, int size, int slot, int reg, int off) {
        if ((address & (size - 1)) != 0)
            throw new VmFault(VmFault.Kind.MISALIGNED, slot, String.format("%sunaligned %d-byte atomic access at 0x%x",
                    reg >= 0 ? "r" + reg + (off < 0 ? "-0x" : "+0x") + Integer.toHexString(Math.abs(off)) + ": " : "", size, address));
        return (int) (address & OFFSET_MASK);
    }

    /** The backing array of the region that holds the whole access, or a fault. */
    private byte[] bytesFor(long address, int size, boolean write, int slot, int reg, int off) {
        byte[] b = hit(write ? stores : loads, address, size);
        if (b == null)
            throw fault(address, size, write, slot, reg, off);
        return b;
    }

    /** Builds the message of a failed access: where it was, and how it missed the nearest region. */
    VmFault fault(long address, int size, boolean write, int slot, int reg, int off) {
        var m = new StringBuilder();
        if (reg >= 0)
            m.append('r').append(reg).append(off < 0 ? "-0x" : "+0x").append(Integer.toHexString(Math.abs(off))).append(": ");
        m.append(size).append("-byte ").append(write ? "write" : "read").append(String.format(" at 0x%x", address));
        if (address > -4096 && address < 4096)
            m.append(" (a null pointer)");
        Region r = nearest(address);
        if (r == null) {
            m.append(" is outside every region (none is mapped)");
        } else if (r.contains(address) && Long.compareUnsigned(address - r.base() + size, r.size()) <= 0) {
            m.append(" into read-only region ").append(r);
        } else if (r.contains(address)) {
            m.append(String.format(" runs %d bytes past the end of region %s", address + size - r.end(), r));
        } else if (address < r.base()) {
            m.append(" is ").append(Long.toUnsignedString(r.base() - address)).append(" bytes before the start of region ").append(r);
        } else {
            m.append(" is ").append(Long.toUnsignedString(address - r.end())).append(" bytes past the end of region ").append(r);
        }
        return new VmFault(r != null && r.contains(address) && Long.compareUnsigned(address - r.base() + size, r.size()) <= 0
                ? VmFault.Kind.READ_ONLY : VmFault.Kind.OUT_OF_REGION, slot, m.toString());
    }

    /**
     * The region containing {@code address} or closest to it, or null. Addresses count as
     * signed here: a pointer that went below NULL (r1 - 4 with r1 = 0) is "before" every
     * region, not past the last one.
     */
    synchronized Region nearest(long address) {
        Region best = null;
        long bestDistance = -1; // unsigned max
        for (int i = 1; i < next; i++) {
            Region r = table[i];
            if (r == null)
                continue;
            long d = r.contains(address) ? 0 : address < r.base() ? r.base() - address : address - r.end();
            if (Long.compareUnsigned(d, bestDistance) < 0) {
                best = r;
                bestDistance = d;
            }
        }
        return best;
    }
}
