package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.MapType;

/**
 * What BPF_MAP_CREATE refuses, per map type, after the kernel's {@code map_alloc_check}
 * functions (arraymap.c, hashtab.c, lpm_trie.c, queue_stack_maps.c, bloom_filter.c,
 * ringbuf.c, devmap.c, cpumap.c, xskmap.c): sizes, {@code max_entries} and {@code map_flags}.
 * The emulator adds one limit of its own: a map whose storage would exceed
 * {@link #MAX_BYTES} is {@code -ENOMEM}, as a kernel short of memory answers.
 */
final class MapChecks {
    static final int F_NO_PREALLOC = 1, F_NO_COMMON_LRU = 2, F_NUMA_NODE = 4, F_RDONLY = 8, F_WRONLY = 16,
            F_ZERO_SEED = 64, F_RDONLY_PROG = 128, F_WRONLY_PROG = 256, F_MMAPABLE = 1024, F_PRESERVE_ELEMS = 2048,
            F_INNER_MAP = 4096;
    static final int F_ACCESS_MASK = F_RDONLY | F_WRONLY | F_RDONLY_PROG | F_WRONLY_PROG;
    static final int ARRAY_FLAGS = F_NUMA_NODE | F_MMAPABLE | F_ACCESS_MASK | F_PRESERVE_ELEMS | F_INNER_MAP;
    static final int HASH_FLAGS = F_NO_PREALLOC | F_NO_COMMON_LRU | F_NUMA_NODE | F_ACCESS_MASK | F_ZERO_SEED;
    static final int LPM_FLAGS = F_NO_PREALLOC | F_NUMA_NODE | F_ACCESS_MASK;
    static final int QUEUE_STACK_FLAGS = F_NUMA_NODE | F_ACCESS_MASK;
    static final int BLOOM_FLAGS = F_NUMA_NODE | F_ZERO_SEED | F_ACCESS_MASK;
    static final int DEV_FLAGS = F_NUMA_NODE | F_RDONLY | F_WRONLY;
    /** PCPU_MIN_UNIT_SIZE: the largest per-CPU value. */
    static final int PCPU_MIN_UNIT_SIZE = 32 << 10;
    /** KMALLOC_MAX_SIZE on x86-64 (4 MiB). */
    static final long KMALLOC_MAX_SIZE = 4L << 20;
    /** The largest storage the emulator gives one map (values of all CPUs, bit arrays, ring pages). */
    static final long MAX_BYTES = 256L << 20;
    static final int PAGE_SIZE = 4096;
    /** LPM trie keys: a u32 prefix length and 1 to 256 bytes of data. */
    static final int LPM_DATA_SIZE_MAX = 256;

    private MapChecks() {
    }

    /** Throws what BPF_MAP_CREATE would return for {@code m} on a machine with {@code cpus} CPUs. */
    static void check(MapSpec m, int cpus) {
        MapType t = m.type();
        int flags = m.flags();
        long key = m.keySize() & 0xffffffffL, value = m.valueSize() & 0xffffffffL, max = m.maxEntries() & 0xffffffffL;
        if (!accessOk(flags))
            refuse(m, -BackendException.EINVAL, "map_flags 0x%x: read-only and write-only at once", flags);
        switch (t) {
            case ARRAY, PERCPU_ARRAY, PROG_ARRAY, PERF_EVENT_ARRAY, ARRAY_OF_MAPS -> {
                boolean percpu = t == MapType.PERCPU_ARRAY;
                if (t == MapType.PROG_ARRAY || t == MapType.ARRAY_OF_MAPS || t == MapType.PERF_EVENT_ARRAY) {
                    // fd_array_map_alloc_check
                    if (value != 4)
                        refuse(m, -BackendException.EINVAL, "value size %d, must be 4 (a file descriptor)", value);
                    if ((flags & (F_RDONLY_PROG | F_WRONLY_PROG)) != 0)
                        refuse(m, -BackendException.EINVAL, "map_flags 0x%x: BPF_F_RDONLY_PROG/WRONLY_PROG not allowed", flags);
                }
                if (max == 0 || key != 4 || value == 0)
                    refuse(m, -BackendException.EINVAL, "key size %d (must be 4), value size %d and max_entries %d (must be positive)",
                            key, value, max);
                flagsWithin(m, ARRAY_FLAGS);
                if (percpu && (flags & F_NUMA_NODE) != 0)
                    refuse(m, -BackendException.EINVAL, "BPF_F_NUMA_NODE on a per-CPU map");
                if (t != MapType.ARRAY && (flags & (F_MMAPABLE | F_INNER_MAP)) != 0)
                    refuse(m, -BackendException.EINVAL, "BPF_F_MMAPABLE/BPF_F_INNER_MAP only for arrays");
                if (t != MapType.PERF_EVENT_ARRAY && (flags & F_PRESERVE_ELEMS) != 0)
                    refuse(m, -BackendException.EINVAL, "BPF_F_PRESERVE_ELEMS only for perf event arrays");
                if (percpu && round8(value) > PCPU_MIN_UNIT_SIZE)
                    refuse(m, -BackendException.E2BIG, "per-CPU value of %d bytes exceeds %d", value, PCPU_MIN_UNIT_SIZE);
                if (t == MapType.ARRAY_OF_MAPS)
                    checkInner(m);
                storage(m, round8(value) * max * (percpu ? cpus : 1));
            }
            case HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, HASH_OF_MAPS -> {
                boolean percpu = t == MapType.PERCPU_HASH || t == MapType.LRU_PERCPU_HASH;
                boolean lru = t == MapType.LRU_HASH || t == MapType.LRU_PERCPU_HASH;
                if (t == MapType.HASH_OF_MAPS && value != 4)
                    refuse(m, -BackendException.EINVAL, "value size %d, must be 4 (a map file descriptor)", value);
                flagsWithin(m, HASH_FLAGS);
                if (!lru && (flags & F_NO_COMMON_LRU) != 0)
                    refuse(m, -BackendException.EINVAL, "BPF_F_NO_COMMON_LRU on a map that is not LRU");
                if (lru && (flags & F_NO_PREALLOC) != 0)
                    refuse(m, -BackendException.ENOTSUPP, "LRU maps are always preallocated (BPF_F_NO_PREALLOC)");
                if ((flags & F_NUMA_NODE) != 0 && (percpu || (flags & F_NO_COMMON_LRU) != 0))
                    refuse(m, -BackendException.EINVAL, "BPF_F_NUMA_NODE on a per-CPU map");
                if (max == 0 || key == 0 || value == 0)
                    refuse(m, -BackendException.EINVAL, "key size %d, value size %d and max_entries %d must all be positive",
                            key, value, max);
                if (key + value >= KMALLOC_MAX_SIZE - 48)
                    refuse(m, -BackendException.E2BIG, "key and value of %d bytes exceed KMALLOC_MAX_SIZE", key + value);
                if (percpu && round8(value) > PCPU_MIN_UNIT_SIZE)
                    refuse(m, -BackendException.E2BIG, "per-CPU value of %d bytes exceeds %d", value, PCPU_MIN_UNIT_SIZE);
                if (t == MapType.HASH_OF_MAPS)
                    checkInner(m);
                storage(m, round8(value) * max * (percpu ? cpus : 1));
            }
            case LPM_TRIE -> {
                if (max == 0 || (flags & F_NO_PREALLOC) == 0 || (flags & ~LPM_FLAGS) != 0 || key < 4 + 1
                        || key > 4 + LPM_DATA_SIZE_MAX || value < 1 || value > KMALLOC_MAX_SIZE - LPM_DATA_SIZE_MAX - 48)
                    refuse(m, -BackendException.EINVAL, "needs max_entries > 0, BPF_F_NO_PREALLOC and no other flags but"
                            + " NUMA/access ones (map_flags 0x%x), key size 5..260 (u32 prefixlen + data; got %d), value size >= 1 (got %d)",
                            flags, key, value);
                storage(m, round8(value) * max);
            }
            case QUEUE, STACK -> {
                if (max == 0 || key != 0 || value == 0 || (flags & ~QUEUE_STACK_FLAGS) != 0)
                    refuse(m, -BackendException.EINVAL, "needs key size 0 (got %d), value size > 0 (got %d), max_entries > 0"
                            + " (got %d) and only NUMA/access map_flags (got 0x%x)", key, value, max, flags);
                if (value > KMALLOC_MAX_SIZE)
                    refuse(m, -BackendException.E2BIG, "value size %d exceeds KMALLOC_MAX_SIZE", value);
                storage(m, value * max);
            }
            case BLOOM_FILTER -> {
                if (value > KMALLOC_MAX_SIZE)
                    refuse(m, -BackendException.E2BIG, "value size %d exceeds KMALLOC_MAX_SIZE", value);
                if (key != 0 || value == 0 || max == 0 || (flags & ~BLOOM_FLAGS) != 0 || (m.mapExtra() & ~0xfL) != 0)
                    refuse(m, -BackendException.EINVAL, "needs key size 0 (got %d), value size > 0 (got %d), max_entries > 0"
                            + " (got %d), only NUMA/zero-seed/access map_flags (got 0x%x) and map_extra <= 15 hash functions"
                            + " (got %d)", key, value, max, flags, m.mapExtra());
                storage(m, BloomFilterMap.bitCount(m) / 8);
            }
            case RINGBUF -> {
                if ((flags & ~F_NUMA_NODE) != 0)
                    refuse(m, -BackendException.EINVAL, "map_flags 0x%x: only BPF_F_NUMA_NODE", flags);
                if (key != 0 || value != 0 || Long.bitCount(max) != 1 || max % PAGE_SIZE != 0)
                    refuse(m, -BackendException.EINVAL, "needs key and value size 0 (got %d, %d) and max_entries a power"
                            + " of 2 multiple of the page size %d (got %d)", key, value, PAGE_SIZE, max);
                storage(m, 2 * max);
            }
            case DEVMAP, DEVMAP_HASH -> {
                if (max == 0 || key != 4 || (value != 4 && value != 8) || (flags & ~DEV_FLAGS) != 0)
                    refuse(m, -BackendException.EINVAL, "needs key size 4 (got %d), value size 4 or 8 (struct bpf_devmap_val;"
                            + " got %d), max_entries > 0 (got %d), map_flags within NUMA/RDONLY/WRONLY (got 0x%x)", key, value, max, flags);
                storage(m, 8 * max);
            }
            case CPUMAP -> {
                if (max == 0 || key != 4 || (value != 4 && value != 8) || (flags & ~DEV_FLAGS) != 0)
                    refuse(m, -BackendException.EINVAL, "needs key size 4 (got %d), value size 4 or 8 (struct bpf_cpumap_val;"
                            + " got %d), max_entries > 0 (got %d), map_flags within NUMA/RDONLY/WRONLY (got 0x%x)", key, value, max, flags);
                if (max > EmulatorConfig.MAX_CPUS)
                    refuse(m, -BackendException.E2BIG, "max_entries %d exceeds NR_CPUS %d", max, EmulatorConfig.MAX_CPUS);
            }
            case XSKMAP -> {
                if (max == 0 || key != 4 || value != 4 || (flags & ~DEV_FLAGS) != 0)
                    refuse(m, -BackendException.EINVAL, "needs key and value size 4 (got %d, %d), max_entries > 0 (got %d),"
                            + " map_flags within NUMA/RDONLY/WRONLY (got 0x%x)", key, value, max, flags);
                storage(m, 8 * max);
            }
            default -> refuse(m, -BackendException.ENOTSUPP, "type %s is not supported by the emulator", t.libbpfName());
        }
    }

    static long round8(long n) {
        return (n + 7) & ~7L;
    }

    /** bpf_map_flags_access_ok. */
    private static boolean accessOk(int flags) {
        return (flags & (F_RDONLY | F_WRONLY)) != (F_RDONLY | F_WRONLY)
                && (flags & (F_RDONLY_PROG | F_WRONLY_PROG)) != (F_RDONLY_PROG | F_WRONLY_PROG);
    }

    private static void flagsWithin(MapSpec m, int allowed) {
        if ((m.flags() & ~allowed) != 0)
            refuse(m, -BackendException.EINVAL, "map_flags 0x%x: 0x%x not allowed for %s", m.flags(), m.flags() & ~allowed,
                    m.type().libbpfName());
    }

    /** bpf_map_meta_alloc: an inner map template is required, and only one level of nesting. */
    private static void checkInner(MapSpec m) {
        MapSpec inner = m.innerMap();
        if (inner == null)
            refuse(m, -BackendException.EBADF, "a map of maps needs an inner map template (inner_map_fd)");
        if (inner.type() == MapType.ARRAY_OF_MAPS || inner.type() == MapType.HASH_OF_MAPS || inner.type() == MapType.PROG_ARRAY)
            refuse(m, -BackendException.ENOTSUPP, "inner map of type %s: one level of maps of maps only", inner.type().libbpfName());
    }

    private static void storage(MapSpec m, long bytes) {
        if (bytes > MAX_BYTES)
            refuse(m, -BackendException.ENOMEM, "%d bytes of storage exceed the emulator's %d per map", bytes, MAX_BYTES);
    }

    private static void refuse(MapSpec m, int errno, String format, Object... args) {
        throw new BackendException(errno, "map '" + m.name() + "' (" + m.type().libbpfName() + "): " + String.format(format, args));
    }
}
