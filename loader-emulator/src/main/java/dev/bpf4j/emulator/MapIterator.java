package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.loader.AttachType;
import dev.bpf4j.loader.MapType;
import dev.bpf4j.loader.ProgramType;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The map element iterators of one {@link EmulatorKernel}: running an
 * {@code iter/bpf_map_elem} program over a map as reading its {@code bpf_iter} file does
 * ({@code kernel/bpf/bpf_iter.c} {@code bpf_seq_read}, {@code map_iter.c}, the array and hash
 * maps' {@code seq_show}), and the per-CPU regions those runs use.
 *
 * <p>What the program sees: {@code struct bpf_iter__bpf_map_elem} ({@link MapIterContext})
 * with {@code meta} pointing at a read-only {@code struct bpf_iter_meta { seq; session_id;
 * seq_num; }}, {@code map} the map's handle, {@code key} a read-only copy of the key, and
 * {@code value} the element's value: for array and hash maps its address in the map (a
 * store lands in the map, as the kernel allows), for per-CPU maps a writable copy of every
 * CPU's value, {@code round_up(value_size, 8)} bytes apart (stores are lost). After the last
 * element the program runs once more with key and value NULL (the kernel's call from
 * {@code seq_stop}). {@code seq_num} counts the elements shown from 0; the final call sees
 * the last element's (0 for an empty map); {@code session_id} is new for every iteration.
 *
 * <p>The iteration reads the map's keys once, at the start, and visits each key that is
 * still present when its turn comes: the read of its value and the program run happen
 * while holding the map's lock ({@link EmulatorMap#lock}). Every change of the map also
 * happens under that lock, and with it the map tracers it triggers, so an element's visit
 * and a traced update of that element are serialised: the stateful upgrade's bulk copy
 * relies on that to never copy a value older than one its tracer has already migrated.
 *
 * <p>Output and return values follow {@code bpf_seq_read}, repeated until it returns 0 as
 * a reader of the file does. Each read fills a {@link SeqFile} of 32 KiB with whole
 * elements' output: when an element's output does not fit (its write returns
 * {@code -EOVERFLOW}), its output is dropped and the element runs again at the start of
 * the next read, unless it was the first of its read: then its output alone is too big
 * and the iteration fails with {@code -E2BIG}. A program that returns nonzero (the kernel
 * allows 0 and 1, "retry the same object") has its element's output dropped and the read
 * ends there, as {@code -EAGAIN}: if the element was the first of the read the iteration
 * fails with {@code -EAGAIN}, otherwise it runs again first in the next read.
 */
final class MapIterator {
    /** The map types with element iterators in the kernel (and the emulator): arrays and hashes. */
    static final Set<MapType> TYPES = Set.of(MapType.ARRAY, MapType.PERCPU_ARRAY, MapType.HASH, MapType.PERCPU_HASH,
            MapType.LRU_HASH, MapType.LRU_PERCPU_HASH);
    /** sizeof(struct bpf_iter_meta). */
    static final int META_SIZE = 24;

    private final Memory memory;
    /** Each CPU's regions, made on its first iteration and remapped onto each element's bytes. */
    private final Map<Integer, Regions> byCpu = new ConcurrentHashMap<>();
    /** The kernel's session_id counter: incremented for every opened iterator. */
    private final AtomicLong sessions = new AtomicLong();

    MapIterator(Memory memory) {
        this.memory = memory;
    }

    /** The regions of one CPU's iterator runs, and the output of the run in progress there. */
    private static final class Regions {
        Region ctx, meta, seq, key, value;
        /** The output of the read in progress on this CPU, or null between iterations. */
        volatile SeqFile out;
    }

    /**
     * The seq_file that {@code address} (a program's {@code ctx->meta->seq}) stands for on
     * CPU {@code cpu}, or null when it is not that of an iteration running there.
     */
    SeqFile seqFile(long address, int cpu) {
        Regions r = byCpu.get(cpu);
        return r == null || r.seq.base() != address ? null : r.out;
    }

    /** Runs {@code program} over every element of {@code map}; see the class comment. */
    byte[] iterate(EmulatorProgram program, MapHandle handle) {
        String who = "program '" + program.name() + "'";
        if (program.type() != ProgramType.TRACING || program.attachType() != AttachType.TRACE_ITER
                || !"bpf_map_elem".equals(program.spec().attachTarget()))
            throw new BackendException(-BackendException.EINVAL, who + " (" + program.type().libbpfName() + ", "
                    + program.attachTypeName() + ", section '" + program.spec().sectionName()
                    + "') is not a map element iterator (SEC(\"iter/bpf_map_elem\"))");
        if (!(handle instanceof EmulatorMap map) || map.owner.kernel != program.owner().kernel)
            throw new BackendException(-BackendException.EINVAL, who + ": " + handle
                    + " is not a map of this emulator backend" + (handle instanceof EmulatorMap ? " (other byte order)" : ""));
        map.owner.checkOpen();
        if (!TYPES.contains(map.spec.type()))
            throw new BackendException(-BackendException.EINVAL, who + ": " + map + " has no element iterator (the kernel's: "
                    + TYPES.stream().map(MapType::libbpfName).sorted().toList() + ")");
        Cpu cpu = program.owner().acquireCpu();
        Regions regions = byCpu.computeIfAbsent(cpu.index, this::regions);
        try {
            return new Session(program, map, cpu, regions).readAll();
        } finally {
            regions.out = null;
            program.owner().releaseCpu(cpu);
        }
    }

    private Regions regions(int cpu) {
        Regions r = new Regions();
        r.ctx = memory.map("iter ctx cpu" + cpu, new byte[MapIterContext.LAYOUT.regionSize()], false);
        r.meta = memory.map("bpf_iter_meta cpu" + cpu, new byte[META_SIZE], false);
        r.seq = memory.map("seq_file cpu" + cpu, new byte[8], false);
        r.key = memory.map("iter key cpu" + cpu, new byte[0], false);
        r.value = memory.map("iter value cpu" + cpu, new byte[0], true);
        return r;
    }

    /** One opened iterator file, read to the end. */
    private final class Session {
        final EmulatorProgram program;
        final EmulatorMap map;
        final Cpu cpu;
        final Regions regions;
        final List<byte[]> keys;
        final long sessionId = sessions.incrementAndGet();
        long seqNum;
        boolean doneStop;
        /** The index in {@link #keys} of the element a read starts from. */
        int position;

        Session(EmulatorProgram program, EmulatorMap map, Cpu cpu, Regions regions) {
            this.program = program;
            this.map = map;
            this.cpu = cpu;
            this.regions = regions;
            this.keys = map.keys();
        }

        byte[] readAll() {
            var out = new ByteArrayOutputStream();
            for (;;) {
                byte[] chunk = read();
                if (chunk.length == 0)
                    return out.toByteArray();
                out.writeBytes(chunk);
            }
        }

        /** One bpf_seq_read with a buffer large enough for the whole seq_file. */
        private byte[] read() {
            SeqFile seq = new SeqFile();
            regions.out = seq;
            int shown = -1;
            int err = 0;
            // start: the first element still present from the position, with the current seq_num
            for (int i = position; i < keys.size() && shown < 0; i++) {
                Integer e = show(i, seqNum);
                if (e != null) {
                    shown = i;
                    err = e;
                }
            }
            if (shown >= 0) {
                position = shown;
                if (err < 0 || seq.overflowed())
                    throw failure(err < 0 ? err : -BackendException.E2BIG, shown);
                // next, show, ... until the end or an element that does not fit
                for (int i = shown + 1; i < keys.size(); i++) {
                    int offs = seq.count();
                    Integer e = show(i, seqNum + 1);
                    if (e == null)
                        continue;
                    seqNum++;
                    position = i;
                    if (e < 0 || seq.overflowed()) {
                        seq.truncate(offs);
                        if (offs == 0)
                            throw failure(e < 0 ? e : -BackendException.E2BIG, i);
                        return seq.bytes(); // this element runs again first in the next read
                    }
                }
            }
            position = keys.size();
            // the end: the final call with key and value NULL, once its output fits
            int offs = seq.count();
            if (!doneStop) {
                run(0, 0, seqNum);
                if (!seq.overflowed()) {
                    doneStop = true;
                } else {
                    seq.truncate(offs);
                    if (offs == 0)
                        throw new BackendException(-BackendException.E2BIG, "iterator " + program.name() + " over " + map
                                + ": the output of its final call (NULL key) does not fit the " + SeqFile.SIZE
                                + "-byte seq_file buffer");
                }
            }
            return seq.bytes();
        }

        /**
         * Runs the program on element {@code i} with {@code seq_num} {@code num}, holding the
         * map's lock: -EAGAIN when it returned nonzero, 0 otherwise, null when the key is gone.
         */
        private Integer show(int i, long num) {
            byte[] key = keys.get(i);
            synchronized (map.lock) {
                long value;
                if (map.perCpu()) {
                    byte[] all = map.userLookup(key);
                    if (all == null)
                        return null;
                    regions.value = memory.remap(regions.value, all);
                    value = regions.value.base();
                } else {
                    value = map.lookupAddress(key, null);
                    if (value == 0)
                        return null;
                }
                regions.key = memory.remap(regions.key, key.clone());
                long r0 = run(regions.key.base(), value, num);
                // bpf_iter_run_prog: 0 is "okay", anything else "retry the same object" (-EAGAIN)
                return (int) r0 == 0 ? 0 : -BackendException.EAGAIN;
            }
        }

        private long run(long key, long value, long num) {
            ByteBuffer meta = ByteBuffer.allocate(META_SIZE).order(memory.byteOrder());
            meta.putLong(0, regions.seq.base()).putLong(8, sessionId).putLong(16, num);
            regions.meta = memory.remap(regions.meta, meta.array());
            ByteBuffer ctx = ByteBuffer.allocate(regions.ctx.size()).order(memory.byteOrder());
            ctx.putLong(0, regions.meta.base()).putLong(8, map.handle.base()).putLong(16, key).putLong(24, value);
            regions.ctx = memory.remap(regions.ctx, ctx.array());
            return program.execute(cpu, regions.ctx.base(), 1, new KernelRun(program), null).r0();
        }

        private BackendException failure(int errno, int element) {
            String why = errno == -BackendException.EAGAIN
                    ? "it returned nonzero (\"retry the same object\") for the first element of a read"
                    : "the output for that element alone does not fit the " + SeqFile.SIZE + "-byte seq_file buffer";
            return new BackendException(errno, "iterator " + program.name() + " over " + map + ", element #" + element
                    + " (key " + hex(keys.get(element)) + "): " + why);
        }
    }

    private static String hex(byte[] b) {
        var s = new StringBuilder();
        for (byte x : b)
            s.append(String.format("%02x", x & 0xff));
        return s.length() == 0 ? "(empty)" : s.toString();
    }
}
