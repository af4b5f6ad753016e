package dev.bpf4j.scenarios;

import dev.bpf4j.backend.Hook;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;

import java.nio.ByteOrder;
import java.util.Optional;

/**
 * The map tracing series' real-world example (testdata fdallow_{old,new,migration}.c):
 * key = a file descriptor of a process, {@code pid = PID_BASE + key / 16},
 * {@code fd = 3 + key % 16}; value = the access mode it is allowed (a bit set, not 0).
 * Version 1 keys the map by { pid, fd }, version 2 by { fd, pid }.
 */
record FdAllow(ByteOrder order) implements Scenario {
    static final int SOL_FDALLOW = 0x4644, OPEN = 1, CLOSE = 2, CHECK = 3;
    static final int PID_BASE = 1000;
    /** -ENOPROTOOPT: what the kernel's own getsockopt says of a level it does not know. */
    static final int ENOPROTOOPT = -92;

    @Override
    public String name() {
        return "fdallow";
    }

    @Override
    public String map() {
        return "allow_fds";
    }

    @Override
    public String writerProgram() {
        return "fdallow_setsockopt";
    }

    @Override
    public String readerProgram() {
        return "fdallow_check";
    }

    @Override
    public Hook writerHook() {
        return Hook.of("cgroup/setsockopt");
    }

    @Override
    public Hook readerHook() {
        return Hook.of("cgroup/getsockopt");
    }

    @Override
    public int maxKeys() {
        return 64; // both maps' capacity
    }

    static int pid(int key) {
        return PID_BASE + key / 16;
    }

    static int fd(int key) {
        return 3 + key % 16;
    }

    private byte[] req(int key, int mode) {
        return Bytes.buffer(12, order).putInt(pid(key)).putInt(fd(key)).putInt(mode).array();
    }

    @Override
    public TestRun set(int key, int value) {
        return new TestRun(req(key, value), Bytes.sockopt(order, SOL_FDALLOW, OPEN, 12, 0), 1);
    }

    @Override
    public TestRun clear(int key) {
        return new TestRun(req(key, 0), Bytes.sockopt(order, SOL_FDALLOW, CLOSE, 12, 0), 1);
    }

    @Override
    public byte[] oldKey(int key) {
        return Bytes.buffer(8, order).putInt(pid(key)).putInt(fd(key)).array();
    }

    @Override
    public byte[] oldValue(int key, int value) {
        return Bytes.buffer(4, order).putInt(value).array();
    }

    @Override
    public byte[] newKey(int key) {
        return Bytes.buffer(8, order).putInt(fd(key)).putInt(pid(key)).array();
    }

    @Override
    public byte[] newValue(int key, int value) {
        return oldValue(key, value);
    }

    /** Asks for write access (mode 2): allowed only to fds whose mode has that bit. */
    static final int WANT = 2;

    @Override
    public TestRun read(int key) {
        return new TestRun(req(key, WANT), Bytes.sockopt(order, SOL_FDALLOW, CHECK, 12, ENOPROTOOPT), 1);
    }

    @Override
    public Optional<String> checkRead(int key, Optional<Integer> value, TestRunResult r) {
        int mode = Bytes.u32(r.dataOut(), 8, order);
        int retvalField = Bytes.u32(r.ctxOut(), 36, order);
        int wantMode = value.orElse(0);
        int wantVerdict = value.isPresent() && (value.get() & WANT) == WANT ? 1 : 0;
        String who = "pid " + pid(key) + " fd " + fd(key) + " " + (value.isPresent() ? "allowed mode " + value.get() : "not allowed");
        if (mode != wantMode || r.retval() != wantVerdict || retvalField != 0)
            return Optional.of(who + ": check answered mode " + mode + ", verdict " + r.retval() + ", retval " + retvalField
                    + "; expected mode " + wantMode + ", verdict " + wantVerdict + ", retval 0");
        return Optional.empty();
    }
}
