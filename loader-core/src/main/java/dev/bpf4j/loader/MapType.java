package dev.bpf4j.loader;

import java.util.Optional;

/**
 * The kernel's {@code enum bpf_map_type}.
 *
 * <p>Mirrors {@code include/uapi/linux/bpf.h} as carried by libbpf v1.7.0-78-gf7081a6b
 * (libbpf/libbpf commit f7081a6baf3f, synced from bpf-next 7cbd0c4cebe4, July 2026);
 * names are those of {@code map_type_name[]} in libbpf's {@code src/libbpf.c} at the same
 * commit. Older kernels know a prefix of these values; released numbers never change.
 *
 * <p>The uapi header also spells 19 and 21 as {@code BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED}
 * and {@code BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE_DEPRECATED}. Those are aliases of
 * {@link #CGROUP_STORAGE} and {@link #PERCPU_CGROUP_STORAGE} (the kernel deprecated the maps,
 * not the numbers), so they get no constants of their own: one number, one constant.
 *
 * <pre>{@code
 * MapType t = MapType.fromNumber(9).orElseThrow();  // LRU_HASH
 * t.libbpfName();                                   // "lru_hash"
 * MapType.fromLibbpfName("arena");                  // Optional[ARENA]
 * }</pre>
 */
public enum MapType implements KernelEnum {
    UNSPEC(0, "unspec"),
    HASH(1, "hash"),
    ARRAY(2, "array"),
    PROG_ARRAY(3, "prog_array"),
    PERF_EVENT_ARRAY(4, "perf_event_array"),
    PERCPU_HASH(5, "percpu_hash"),
    PERCPU_ARRAY(6, "percpu_array"),
    STACK_TRACE(7, "stack_trace"),
    CGROUP_ARRAY(8, "cgroup_array"),
    LRU_HASH(9, "lru_hash"),
    LRU_PERCPU_HASH(10, "lru_percpu_hash"),
    LPM_TRIE(11, "lpm_trie"),
    ARRAY_OF_MAPS(12, "array_of_maps"),
    HASH_OF_MAPS(13, "hash_of_maps"),
    DEVMAP(14, "devmap"),
    SOCKMAP(15, "sockmap"),
    CPUMAP(16, "cpumap"),
    XSKMAP(17, "xskmap"),
    SOCKHASH(18, "sockhash"),
    CGROUP_STORAGE(19, "cgroup_storage"),
    REUSEPORT_SOCKARRAY(20, "reuseport_sockarray"),
    PERCPU_CGROUP_STORAGE(21, "percpu_cgroup_storage"),
    QUEUE(22, "queue"),
    STACK(23, "stack"),
    SK_STORAGE(24, "sk_storage"),
    DEVMAP_HASH(25, "devmap_hash"),
    STRUCT_OPS(26, "struct_ops"),
    RINGBUF(27, "ringbuf"),
    INODE_STORAGE(28, "inode_storage"),
    TASK_STORAGE(29, "task_storage"),
    BLOOM_FILTER(30, "bloom_filter"),
    USER_RINGBUF(31, "user_ringbuf"),
    CGRP_STORAGE(32, "cgrp_storage"),
    ARENA(33, "arena"),
    INSN_ARRAY(34, "insn_array"),
    RHASH(35, "rhash");

    private static final KernelEnumIndex<MapType> INDEX = new KernelEnumIndex<>(values());

    private final int number;
    private final String libbpfName;

    MapType(int number, String libbpfName) {
        this.number = number;
        this.libbpfName = libbpfName;
    }

    /** The value of the {@code enum bpf_map_type} constant, as passed to and reported by the kernel. */
    @Override
    public int number() {
        return number;
    }

    /** The name libbpf gives this value ({@code libbpf_bpf_map_type_str()}), for messages and the command line. */
    @Override
    public String libbpfName() {
        return libbpfName;
    }

    /** The constant with this kernel number, or empty for a number this table does not know. */
    public static Optional<MapType> fromNumber(int number) {
        return INDEX.byNumber(number);
    }

    /** The constant with this libbpf name (e.g. {@code "lru_hash"}), or empty. */
    public static Optional<MapType> fromLibbpfName(String name) {
        return INDEX.byName(name);
    }
}
