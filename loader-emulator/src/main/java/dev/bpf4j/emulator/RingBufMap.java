package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.loader.MapSpec;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * BPF_MAP_TYPE_RINGBUF: {@code max_entries} bytes (a power-of-2 multiple of the page size)
 * shared by all CPUs. A record takes an 8-byte header and its data, rounded up to 8 bytes;
 * reserve (helper 131) hands out the data's address and returns NULL when the record would
 * not fit beside the unconsumed ones (the kernel keeps used space below the size), output
 * (130) is reserve, copy and submit, answering {@code -EAGAIN} when full. User space takes
 * submitted records in order with {@link #consume()}; as in the kernel, a record still
 * reserved holds back the ones after it, and discarded records are skipped.
 *
 * <p>The kernel maps the data pages twice so that a record that wraps around is contiguous;
 * the emulator's region is twice the size for the same reason: a record starting at ring
 * offset {@code o} occupies {@code [o, o + len)} of the region, and live records never
 * overlap there. The headers' bookkeeping is kept beside the bytes, not in them.
 */
final class RingBufMap extends EmulatorMap {
    /** BPF_RINGBUF_HDR_SZ. */
    static final int HEADER = 8;
    static final long RB_NO_WAKEUP = 1, RB_FORCE_WAKEUP = 2;
    static final int AVAIL_DATA = 0, RING_SIZE = 1, CONS_POS = 2, PROD_POS = 3;

    private enum State { BUSY, COMMITTED, DISCARDED }

    /** One record: its position (of the header), its data size, the producing CPU. */
    private static final class Record {
        final long pos;
        final int size;
        final int cpu;
        State state = State.BUSY;

        Record(long pos, int size, int cpu) {
            this.pos = pos;
            this.size = size;
            this.cpu = cpu;
        }

        long length() {
            return MapChecks.round8(size + HEADER);
        }
    }

    private final long size;
    private final Region data;
    private final ArrayDeque<Record> records = new ArrayDeque<>();
    private long producer, consumer;

    RingBufMap(EmulatorObject owner, MapSpec spec) {
        super(owner, spec);
        this.size = spec.maxEntries() & 0xffffffffL;
        this.data = map(spec.name(), new byte[(int) (2 * size)], true);
    }

    Region data() {
        return data;
    }

    /** bpf_ringbuf_reserve: the address of {@code n} bytes of record data, or 0. */
    long reserve(long n, VmState s) {
        int cpu = s.cpu();
        if (n < 0 || n > size)
            return 0;
        synchronized (lock) {
            long len = MapChecks.round8(n + HEADER);
            if (producer + len - consumer > size - 1)
                return 0;
            Record r = new Record(producer, (int) n, cpu);
            producer += len;
            records.addLast(r);
            int off = (int) (r.pos % size) + HEADER;
            Arrays.fill(data.bytes(), off, off + r.size, (byte) 0);
            updated(MapObserver.Change.RECORD, position(r), null, new byte[r.size], 0, s);
            return data.base() + off;
        }
    }

    /** bpf_ringbuf_submit ({@code discard} false) or bpf_ringbuf_discard of the record at {@code address}; false if none is reserved there. */
    boolean commit(long address, boolean discard, long flags, VmState s) {
        synchronized (lock) {
            for (Record r : records)
                if (r.state == State.BUSY && data.base() + r.pos % size + HEADER == address) {
                    r.state = discard ? State.DISCARDED : State.COMMITTED;
                    if (discard)
                        deleted(MapObserver.Change.RECORD, position(r), bytes(r), s);
                    else
                        updated(MapObserver.Change.RECORD, position(r), null, bytes(r), flags, s);
                    return true;
                }
        }
        return false;
    }

    /** The data of the record at {@code address} (reserved there earlier). */
    byte[] committedAt(long address) {
        synchronized (lock) {
            for (Record r : records)
                if (data.base() + r.pos % size + HEADER == address)
                    return bytes(r);
        }
        return new byte[0];
    }

    /** bpf_ringbuf_query. */
    long query(long flags) {
        synchronized (lock) {
            return switch ((int) flags) {
                case AVAIL_DATA -> producer - consumer;
                case RING_SIZE -> size;
                case CONS_POS -> consumer;
                case PROD_POS -> producer;
                default -> 0;
            };
        }
    }

    private byte[] bytes(Record r) {
        int off = (int) (r.pos % size) + HEADER;
        return Arrays.copyOfRange(data.bytes(), off, off + r.size);
    }

    private byte[] position(Record r) {
        return ByteBuffer.allocate(8).order(byteOrder()).putLong(r.pos).array();
    }

    @Override
    public List<TestRunResult.OutputRecord> consume() {
        owner.checkOpen();
        var out = new ArrayList<TestRunResult.OutputRecord>();
        synchronized (lock) {
            while (!records.isEmpty() && records.peekFirst().state != State.BUSY) {
                Record r = records.pollFirst();
                consumer = r.pos + r.length();
                if (r.state == State.COMMITTED) {
                    byte[] b = bytes(r);
                    out.add(new TestRunResult.OutputRecord(name(), r.cpu, b));
                    deleted(MapObserver.Change.RECORD, position(r), b, null);
                }
            }
        }
        return out;
    }

    @Override
    long lookupAddress(byte[] key, VmState s) {
        return 0;
    }

    @Override
    byte[] userLookup(byte[] key) {
        throw error(-BackendException.ENOTSUPP, "lookup");
    }

    @Override
    int update(byte[] key, byte[] value, long flags, VmState s) {
        return -BackendException.ENOTSUPP;
    }

    @Override
    int delete(byte[] key, VmState s) {
        return -BackendException.ENOTSUPP;
    }

    @Override
    List<byte[]> keyList() {
        throw error(-BackendException.ENOTSUPP, "key iteration");
    }

}
