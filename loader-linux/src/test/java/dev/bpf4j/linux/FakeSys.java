package dev.bpf4j.linux;

import com.sun.jna.Pointer;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/** A stand-in kernel: records each bpf(2) call's attr bytes (and what its pointers point at) and answers as told. */
final class FakeSys implements Sys {
    /** One call: the command, the size passed and the attr as it was at the call. */
    record Call(BpfCommand cmd, int size, byte[] attr, Pointer live) {
        int u32(int offset) {
            return java.nio.ByteBuffer.wrap(attr).order(java.nio.ByteOrder.nativeOrder()).getInt(offset);
        }

        long u64(int offset) {
            return java.nio.ByteBuffer.wrap(attr).order(java.nio.ByteOrder.nativeOrder()).getLong(offset);
        }
    }

    final List<Call> calls = new ArrayList<>();
    final List<Integer> closed = new ArrayList<>();
    /** What the next pointee reads see; set by {@link #answer}. */
    private final ToLongFunction<Call> answer;
    /** Reads done during the call (pointers are only valid then). */
    final List<byte[]> pointees = new ArrayList<>();
    private final int[][] reads;

    /**
     * @param answer the result of each call
     * @param reads  for the first call only, pairs (attr offset of a pointer, bytes to read behind it) to capture
     */
    FakeSys(ToLongFunction<Call> answer, int[]... reads) {
        this.answer = answer;
        this.reads = reads;
    }

    @Override
    public long bpf(BpfCommand cmd, Pointer attr, int size) {
        Call c = new Call(cmd, size, attr.getByteArray(0, Bpf.ATTR_SIZE), attr);
        calls.add(c);
        for (int[] r : calls.size() == 1 ? reads : new int[0][]) {
            long p = c.u64(r[0]);
            pointees.add(p == 0 ? null : new Pointer(p).getByteArray(0, r[1]));
        }
        return answer.applyAsLong(c);
    }

    @Override
    public int close(int fd) {
        closed.add(fd);
        return 0;
    }
}
