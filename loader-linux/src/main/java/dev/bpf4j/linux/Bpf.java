package dev.bpf4j.linux;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import dev.bpf4j.backend.BackendException;

import java.nio.charset.StandardCharsets;

/**
 * The bpf(2) commands the backend issues, each building its part of {@code union bpf_attr}
 * (uapi linux/bpf.h) in native memory at the kernel's offsets, written out here rather than
 * derived by reflection. Offsets are checked against the installed uapi header by
 * {@code BpfAttrLayoutTest}. The {@code size} passed is the end of the command's last field
 * used, as libbpf's {@code offsetofend}; the kernel requires the rest of its union to be zero,
 * and the buffer is zero-filled.
 *
 * <p>Raw element operations return the kernel's result (a negative errno on failure), since
 * some failures are answers ({@code -ENOENT}: no such key); the rest throw
 * {@link BackendException} naming the command, the object and the errno.
 */
final class Bpf {
    /** sizeof(union bpf_attr) in the uapi header this layout was written from. */
    static final int ATTR_SIZE = 144;
    /** BPF_OBJ_NAME_LEN: map and program names, NUL included. */
    static final int OBJ_NAME_LEN = 16;

    private final Sys sys;

    Bpf(Sys sys) {
        this.sys = sys;
    }

    Sys sys() {
        return sys;
    }

    // ---- BPF_MAP_CREATE

    /** What BPF_MAP_CREATE takes; {@code btfFd} 0 (and ids 0) for a map without BTF types. */
    record MapCreate(int type, int keySize, int valueSize, int maxEntries, int flags, int innerMapFd, int numaNode,
                     String name, int btfFd, int btfKeyTypeId, int btfValueTypeId, long mapExtra) {
        MapCreate withoutBtf() {
            return new MapCreate(type, keySize, valueSize, maxEntries, flags, innerMapFd, numaNode, name, 0, 0, 0, mapExtra);
        }
    }

    /** BPF_MAP_CREATE: the new map's fd, or {@code -errno}. */
    long mapCreate(MapCreate m) {
        // struct { /* anonymous struct used by BPF_MAP_CREATE command */ } in union bpf_attr
        try (Memory a = attr()) {
            a.setInt(0, m.type());               // __u32 map_type
            a.setInt(4, m.keySize());            // __u32 key_size
            a.setInt(8, m.valueSize());          // __u32 value_size
            a.setInt(12, m.maxEntries());        // __u32 max_entries
            a.setInt(16, m.flags());             // __u32 map_flags
            a.setInt(20, m.innerMapFd());        // __u32 inner_map_fd
            a.setInt(24, m.numaNode());          // __u32 numa_node
            putName(a, 28, m.name());            // char map_name[BPF_OBJ_NAME_LEN]
            // 44: __u32 map_ifindex (0: not offloaded)
            a.setInt(48, m.btfFd());             // __u32 btf_fd
            a.setInt(52, m.btfKeyTypeId());      // __u32 btf_key_type_id
            a.setInt(56, m.btfValueTypeId());    // __u32 btf_value_type_id
            // 60: __u32 btf_vmlinux_value_type_id (struct_ops only)
            a.setLong(64, m.mapExtra());         // __u64 map_extra
            return sys.bpf(BpfCommand.MAP_CREATE, a, 72);
        }
    }

    // ---- element commands: struct { map_fd; key; value | next_key; flags } /* BPF_MAP_*_ELEM commands */

    /** BPF_MAP_LOOKUP_ELEM into {@code value}: 0 or {@code -errno}. */
    long lookup(int mapFd, byte[] key, byte[] value, long flags) {
        return elem(BpfCommand.MAP_LOOKUP_ELEM, mapFd, key, value, true, flags);
    }

    /** BPF_MAP_UPDATE_ELEM: 0 or {@code -errno}. */
    long update(int mapFd, byte[] key, byte[] value, long flags) {
        return elem(BpfCommand.MAP_UPDATE_ELEM, mapFd, key, value, false, flags);
    }

    /** BPF_MAP_DELETE_ELEM: 0 or {@code -errno}. */
    long delete(int mapFd, byte[] key) {
        return elem(BpfCommand.MAP_DELETE_ELEM, mapFd, key, null, false, 0);
    }

    /** BPF_MAP_GET_NEXT_KEY after {@code key} (null: the first key) into {@code next}: 0 or {@code -errno}. */
    long nextKey(int mapFd, byte[] key, byte[] next) {
        return elem(BpfCommand.MAP_GET_NEXT_KEY, mapFd, key, next, true, 0);
    }

    /** BPF_MAP_LOOKUP_AND_DELETE_ELEM into {@code value}: 0 or {@code -errno}. */
    long lookupAndDelete(int mapFd, byte[] key, byte[] value) {
        return elem(BpfCommand.MAP_LOOKUP_AND_DELETE_ELEM, mapFd, key, value, true, 0);
    }

    /** BPF_MAP_FREEZE: 0 or {@code -errno}. */
    long freeze(int mapFd) {
        try (Memory a = attr()) {
            a.setInt(0, mapFd);                  // __u32 map_fd
            return sys.bpf(BpfCommand.MAP_FREEZE, a, 4);
        }
    }

    private long elem(BpfCommand cmd, int mapFd, byte[] key, byte[] value, boolean valueOut, long flags) {
        try (Memory a = attr(); Memory k = copyIn(key); Memory v = value == null ? null : copyIn(value)) {
            a.setInt(0, mapFd);                  // __u32 map_fd
            a.setLong(8, address(k));            // __aligned_u64 key
            a.setLong(16, address(v));           // __aligned_u64 value (or next_key)
            a.setLong(24, flags);                // __u64 flags
            long r = sys.bpf(cmd, a, 32);
            if (r >= 0 && valueOut && v != null)
                v.read(0, value, 0, value.length);
            return r;
        }
    }

    /** What one BPF_MAP_LOOKUP_BATCH call gave: how many elements, and whether the map has no more. */
    record Batch(int count, boolean last) {
    }

    /**
     * BPF_MAP_LOOKUP_BATCH: up to {@code keys.length / keySize} elements after the position in
     * {@code inBatch} (null: from the start) into {@code keys} and {@code values}; the position
     * after them goes to {@code outBatch}. The kernel's {@code -ENOENT} means "these were the
     * last" and is an answer here; other failures return null with {@code errno[0]} set.
     */
    Batch lookupBatch(int mapFd, byte[] inBatch, byte[] outBatch, byte[] keys, byte[] values, int count, int[] errno) {
        // struct { /* struct used by BPF_MAP_*_BATCH commands */ } batch; in union bpf_attr
        try (Memory a = attr(); Memory in = copyIn(inBatch); Memory out = zeroed(outBatch.length);
             Memory k = zeroed(keys.length); Memory v = zeroed(values.length)) {
            a.setLong(0, address(in));           // __aligned_u64 in_batch
            a.setLong(8, address(out));          // __aligned_u64 out_batch
            a.setLong(16, address(k));           // __aligned_u64 keys
            a.setLong(24, address(v));           // __aligned_u64 values
            a.setInt(32, count);                 // __u32 count: in, room; out, filled
            a.setInt(36, mapFd);                 // __u32 map_fd
            long r = sys.bpf(BpfCommand.MAP_LOOKUP_BATCH, a, 56);
            if (r < 0 && r != -Errno.ENOENT) {
                errno[0] = (int) -r;
                return null;
            }
            int filled = a.getInt(32);
            k.read(0, keys, 0, keys.length);
            v.read(0, values, 0, values.length);
            out.read(0, outBatch, 0, outBatch.length);
            return new Batch(filled, r == -Errno.ENOENT);
        }
    }

    // ---- BPF_BTF_LOAD

    /** BPF_BTF_LOAD of {@code blob}, with a verifier log into {@code log} when it is not null: the fd or {@code -errno}. */
    long btfLoad(byte[] blob, byte[] log) {
        // struct { /* anonymous struct used by BPF_BTF_LOAD */ } in union bpf_attr
        try (Memory a = attr(); Memory b = copyIn(blob); Memory l = log == null ? null : new Memory(log.length)) {
            a.setLong(0, address(b));            // __aligned_u64 btf
            if (l != null) {
                l.clear();
                a.setLong(8, address(l));        // __aligned_u64 btf_log_buf
                a.setInt(20, log.length);        // __u32 btf_log_size
                a.setInt(24, 1);                 // __u32 btf_log_level
            }
            a.setInt(16, blob.length);           // __u32 btf_size
            long r = sys.bpf(BpfCommand.BTF_LOAD, a, 28);
            if (l != null)
                l.read(0, log, 0, log.length);
            return r;
        }
    }

    // ---- BPF_PROG_LOAD

    /** What BPF_PROG_LOAD takes. {@code funcInfo}: 8-byte records; {@code lineInfo}: 16-byte records. */
    record ProgLoad(int type, byte[] insns, String license, int kernVersion, int flags, String name,
                    int expectedAttachType, int btfFd, byte[] funcInfo, byte[] lineInfo, int attachBtfId) {
    }

    /** bpf_func_info and bpf_line_info record sizes. */
    static final int FUNC_INFO_SIZE = 8, LINE_INFO_SIZE = 16;

    /** BPF_PROG_LOAD, with the verifier log at {@code logLevel} into {@code log} when it is not null: the fd or {@code -errno}. */
    long progLoad(ProgLoad p, byte[] log, int logLevel) {
        // struct { /* anonymous struct used by BPF_PROG_LOAD command */ } in union bpf_attr
        try (Memory a = attr(); Memory insns = copyIn(p.insns()); Memory lic = cString(p.license());
             Memory l = log == null ? null : new Memory(log.length);
             Memory fi = p.funcInfo().length == 0 ? null : copyIn(p.funcInfo());
             Memory li = p.lineInfo().length == 0 ? null : copyIn(p.lineInfo())) {
            a.setInt(0, p.type());                           // __u32 prog_type
            a.setInt(4, p.insns().length / 8);               // __u32 insn_cnt
            a.setLong(8, address(insns));                    // __aligned_u64 insns
            a.setLong(16, address(lic));                     // __aligned_u64 license
            if (l != null) {
                l.clear();
                a.setInt(24, logLevel);                      // __u32 log_level
                a.setInt(28, log.length);                    // __u32 log_size
                a.setLong(32, address(l));                   // __aligned_u64 log_buf
            }
            a.setInt(40, p.kernVersion());                   // __u32 kern_version
            a.setInt(44, p.flags());                         // __u32 prog_flags
            putName(a, 48, p.name());                        // char prog_name[BPF_OBJ_NAME_LEN]
            // 64: __u32 prog_ifindex (0: not offloaded)
            a.setInt(68, p.expectedAttachType());            // __u32 expected_attach_type
            a.setInt(72, p.btfFd());                         // __u32 prog_btf_fd
            if (fi != null) {
                a.setInt(76, FUNC_INFO_SIZE);                // __u32 func_info_rec_size
                a.setLong(80, address(fi));                  // __aligned_u64 func_info
                a.setInt(88, p.funcInfo().length / FUNC_INFO_SIZE); // __u32 func_info_cnt
            }
            if (li != null) {
                a.setInt(92, LINE_INFO_SIZE);                // __u32 line_info_rec_size
                a.setLong(96, address(li));                  // __aligned_u64 line_info
                a.setInt(104, p.lineInfo().length / LINE_INFO_SIZE); // __u32 line_info_cnt
            }
            a.setInt(108, p.attachBtfId());                  // __u32 attach_btf_id
            // 112: attach_prog_fd / attach_btf_obj_fd (0: vmlinux)
            long r = sys.bpf(BpfCommand.PROG_LOAD, a, 116);
            if (l != null)
                l.read(0, log, 0, log.length);
            return r;
        }
    }

    // ---- BPF_PROG_TEST_RUN

    /** What BPF_PROG_TEST_RUN reports. */
    record TestRunOut(int retval, int dataSizeOut, int durationNs, int ctxSizeOut) {
    }

    /**
     * BPF_PROG_TEST_RUN; {@code dataOut}/{@code ctxOut} receive the outputs (null: none asked),
     * and {@code ctxIn} what the kernel left in the ctx_in buffer.
     *
     * @return the kernel's report, or null with {@code errno[0]} set on failure
     */
    TestRunOut testRun(int progFd, byte[] dataIn, byte[] dataOut, byte[] ctxIn, byte[] ctxOut, int repeat, int[] errno) {
        // struct { /* anonymous struct used by BPF_PROG_TEST_RUN command */ } test; in union bpf_attr
        try (Memory a = attr(); Memory di = copyIn(dataIn); Memory d = dataOut == null ? null : zeroed(dataOut.length);
             Memory ci = copyIn(ctxIn); Memory c = ctxOut == null ? null : zeroed(ctxOut.length)) {
            a.setInt(0, progFd);                             // __u32 prog_fd
            a.setInt(8, dataIn == null ? 0 : dataIn.length); // __u32 data_size_in
            a.setInt(12, dataOut == null ? 0 : dataOut.length); // __u32 data_size_out
            a.setLong(16, address(di));                      // __aligned_u64 data_in
            a.setLong(24, address(d));                       // __aligned_u64 data_out
            a.setInt(32, repeat);                            // __u32 repeat
            a.setInt(40, ctxIn == null ? 0 : ctxIn.length);  // __u32 ctx_size_in
            a.setInt(44, ctxOut == null ? 0 : ctxOut.length); // __u32 ctx_size_out
            a.setLong(48, address(ci));                      // __aligned_u64 ctx_in
            a.setLong(56, address(c));                       // __aligned_u64 ctx_out
            long r = sys.bpf(BpfCommand.PROG_TEST_RUN, a, 72);
            if (r < 0) {
                errno[0] = (int) -r;
                return null;
            }
            if (d != null)
                d.read(0, dataOut, 0, dataOut.length);
            if (c != null)
                c.read(0, ctxOut, 0, ctxOut.length);
            // syscall programs get no ctx_out: the kernel writes their context back into ctx_in
            if (ci != null)
                ci.read(0, ctxIn, 0, ctxIn.length);
            return new TestRunOut(a.getInt(4), a.getInt(12), a.getInt(36), a.getInt(44));
        }
    }

    // ---- BPF_OBJ_GET_INFO_BY_FD

    /**
     * The kernel's id of the program or map behind {@code fd} ({@code struct bpf_prog_info} and
     * {@code struct bpf_map_info} both hold {@code __u32 id} at offset 4), or {@code -errno}.
     */
    long id(int fd) {
        // struct { /* anonymous struct used by BPF_OBJ_GET_INFO_BY_FD */ } info; in union bpf_attr
        try (Memory a = attr(); Memory info = zeroed(8)) {
            a.setInt(0, fd);                     // __u32 bpf_fd
            a.setInt(4, 8);                      // __u32 info_len: only type and id
            a.setLong(8, address(info));         // __aligned_u64 info
            long r = sys.bpf(BpfCommand.OBJ_GET_INFO_BY_FD, a, 16);
            return r < 0 ? r : Integer.toUnsignedLong(info.getInt(4));
        }
    }

    /** What {@code struct bpf_map_info} says of a map: what libbpf compares before it reuses a pinned map. */
    record MapInfo(int type, int id, int keySize, int valueSize, int maxEntries, int flags, long mapExtra) {
    }

    /** sizeof(struct bpf_map_info) up to and including map_extra. */
    static final int MAP_INFO_SIZE = 88;

    /** BPF_OBJ_GET_INFO_BY_FD of a map; null with {@code errno[0]} set on failure. */
    MapInfo mapInfo(int fd, int[] errno) {
        try (Memory a = attr(); Memory info = zeroed(MAP_INFO_SIZE)) {
            a.setInt(0, fd);                     // __u32 bpf_fd
            a.setInt(4, MAP_INFO_SIZE);          // __u32 info_len
            a.setLong(8, address(info));         // __aligned_u64 info
            long r = sys.bpf(BpfCommand.OBJ_GET_INFO_BY_FD, a, 16);
            if (r < 0) {
                errno[0] = (int) -r;
                return null;
            }
            // struct bpf_map_info { __u32 type; __u32 id; __u32 key_size; __u32 value_size;
            //   __u32 max_entries; __u32 map_flags; char name[16]; ...; __u64 map_extra (at 80); }
            return new MapInfo(info.getInt(0), info.getInt(4), info.getInt(8), info.getInt(12), info.getInt(16),
                    info.getInt(20), info.getLong(80));
        }
    }

    // ---- BPF_OBJ_PIN and BPF_OBJ_GET: struct { pathname; bpf_fd; file_flags; ... }

    /** BPF_OBJ_PIN of {@code fd} at {@code path}: 0 or {@code -errno}. */
    long pin(int fd, String path) {
        try (Memory a = attr(); Memory p = cString(path)) {
            a.setLong(0, address(p));            // __aligned_u64 pathname
            a.setInt(8, fd);                     // __u32 bpf_fd
            return sys.bpf(BpfCommand.OBJ_PIN, a, 16);
        }
    }

    /** BPF_OBJ_GET of the object pinned at {@code path}: a new fd or {@code -errno}. */
    long objGet(String path) {
        try (Memory a = attr(); Memory p = cString(path)) {
            a.setLong(0, address(p));            // __aligned_u64 pathname
            return sys.bpf(BpfCommand.OBJ_GET, a, 16);
        }
    }

    // ---- helpers

    /** Closes {@code fd}; 0 or {@code -errno}. */
    int close(int fd) {
        return sys.close(fd);
    }

    private static Memory attr() {
        return zeroed(ATTR_SIZE);
    }

    private static Memory zeroed(int size) {
        Memory m = new Memory(Math.max(1, size));
        m.clear();
        return m;
    }

    /** Native copy of {@code bytes}, or null for null or empty (the kernel takes a NULL pointer for zero sizes). */
    private static Memory copyIn(byte[] bytes) {
        if (bytes == null || bytes.length == 0)
            return null;
        Memory m = new Memory(bytes.length);
        m.write(0, bytes, 0, bytes.length);
        return m;
    }

    private static Memory cString(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        Memory m = new Memory(b.length + 1L);
        m.write(0, b, 0, b.length);
        m.setByte(b.length, (byte) 0);
        return m;
    }

    private static long address(Pointer p) {
        return p == null ? 0 : Pointer.nativeValue(p);
    }

    /** Writes {@code name}, cut to BPF_OBJ_NAME_LEN - 1 bytes, NUL-terminated (the buffer is zero already). */
    private static void putName(Memory a, int offset, String name) {
        byte[] b = name.getBytes(StandardCharsets.US_ASCII);
        a.write(offset, b, 0, Math.min(b.length, OBJ_NAME_LEN - 1));
    }

    /** A failure of {@code cmd} on {@code what} ("map 'counters'"), errno by name. */
    static BackendException failure(BpfCommand cmd, String what, long result) {
        int errno = (int) -result;
        return new BackendException(-errno, "bpf(" + cmd.uapiName() + ") for " + what + " failed: " + Errno.name(errno)
                + Hints.of(cmd, errno));
    }
}
