package dev.bpf4j.linux;

/** The kernel's {@code enum bpf_cmd} (uapi linux/bpf.h), the commands this backend issues. */
enum BpfCommand {
    MAP_CREATE(0),
    MAP_LOOKUP_ELEM(1),
    MAP_UPDATE_ELEM(2),
    MAP_DELETE_ELEM(3),
    MAP_GET_NEXT_KEY(4),
    PROG_LOAD(5),
    OBJ_PIN(6),
    OBJ_GET(7),
    PROG_TEST_RUN(10),
    OBJ_GET_INFO_BY_FD(15),
    BTF_LOAD(18),
    MAP_LOOKUP_AND_DELETE_ELEM(21),
    MAP_FREEZE(22),
    MAP_LOOKUP_BATCH(24);

    private final int number;

    BpfCommand(int number) {
        this.number = number;
    }

    int number() {
        return number;
    }

    /** The uapi name, e.g. {@code BPF_PROG_LOAD}, for messages. */
    String uapiName() {
        return "BPF_" + name();
    }
}
