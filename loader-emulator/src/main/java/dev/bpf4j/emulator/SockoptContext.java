package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.loader.AttachType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * {@code struct bpf_sockopt}, the context of {@code cgroup_sockopt} programs
 * ({@code cgroup/getsockopt}, {@code cgroup/setsockopt}), and an emulator-only test run.
 *
 * <p>Fields, as {@code cg_sockopt_is_valid_access}: {@code sk}, {@code optval},
 * {@code optval_end} by 8-byte loads (real addresses: optval..optval_end is the option
 * buffer, sk a {@code struct bpf_sock}); {@code level}, {@code optname}, {@code optlen}
 * by 4-byte loads; {@code optlen} written by either kind, {@code level} and
 * {@code optname} by setsockopt programs; {@code retval} read and written by getsockopt
 * programs only. A program without one of the two expected attach types may write only optlen.
 *
 * <p>The kernel has no BPF_PROG_TEST_RUN for this type ({@code -ENOTSUPP}); the emulator
 * runs the program once per repeat on: data_in as the option buffer (optval), ctx_in as a
 * {@code struct bpf_sockopt} with level, optname, optlen (at most the data size; without
 * ctx_in, the data size) and retval ({@code sk}, {@code optval}, {@code optval_end} must be
 * 0, bytes past 40 zero). data_out is the buffer after the run, ctx_out the struct with
 * the pointers zeroed; retval is the program's verdict (1 allow, 0 reject).
 */
final class SockoptContext {
    /** sizeof(struct bpf_sockopt). */
    static final int SIZE = 40;
    static final int SK = 0, OPTVAL = 8, OPTVAL_END = 16, LEVEL = 24, OPTNAME = 28, OPTLEN = 32, RETVAL = 36;

    private SockoptContext() {
    }

    static ContextLayout layout(AttachType attach) {
        boolean get = attach == AttachType.CGROUP_GETSOCKOPT;
        boolean set = attach == AttachType.CGROUP_SETSOCKOPT;
        var fields = new java.util.ArrayList<>(List.of(
                ContextField.read("sk", SK, 8, 8),
                ContextField.read("optval", OPTVAL, 8, 8),
                ContextField.read("optval_end", OPTVAL_END, 8, 8),
                new ContextField("level", LEVEL, 4, 4, set ? 4 : 0, false),
                new ContextField("optname", OPTNAME, 4, 4, set ? 4 : 0, false),
                new ContextField("optlen", OPTLEN, 4, 4, 4, false)));
        if (get)
            fields.add(new ContextField("retval", RETVAL, 4, 4, 4, false));
        return new ContextLayout("struct bpf_sockopt", SIZE, fields);
    }

    static TestRunResult testRun(EmulatorProgram program, TestRun request, Cpu cpu) {
        String who = "program '" + program.name() + "': ";
        Memory memory = program.memory();
        ByteOrder order = memory.byteOrder();
        byte[] optval = request.dataIn() == null ? new byte[0] : request.dataIn();
        byte[] user = new byte[SIZE];
        byte[] ctxIn = request.ctxIn();
        ByteBuffer u = ByteBuffer.wrap(user).order(order);
        if (ctxIn != null) {
            for (int i = SIZE; i < ctxIn.length; i++)
                if (ctxIn[i] != 0)
                    throw new BackendException(-BackendException.E2BIG, who + "ctx_in: byte " + i
                            + " past struct bpf_sockopt (40 bytes) is not zero");
            System.arraycopy(ctxIn, 0, user, 0, Math.min(SIZE, ctxIn.length));
            if (u.getLong(SK) != 0 || u.getLong(OPTVAL) != 0 || u.getLong(OPTVAL_END) != 0)
                throw new BackendException(-BackendException.EINVAL, who + "ctx_in: sk, optval and optval_end must be 0");
            int optlen = u.getInt(OPTLEN);
            if (optlen < 0 || optlen > optval.length)
                throw new BackendException(-BackendException.EINVAL, who + "ctx_in: optlen " + optlen
                        + " must be between 0 and the data size " + optval.length);
        } else {
            u.putInt(OPTLEN, optval.length);
        }
        ContextLayout layout = program.layout();
        int sockAt = layout.regionSize();
        byte[] ctxBytes = new byte[sockAt + SkbContext.BPF_SOCK_SIZE];
        System.arraycopy(user, 0, ctxBytes, 0, SIZE);
        Region ctx = cpu.ctx = cpu.ctx == null ? memory.map("ctx cpu" + cpu.index, ctxBytes, true) : memory.remap(cpu.ctx, ctxBytes);
        Region buffer = cpu.packet = cpu.packet == null ? memory.map("packet cpu" + cpu.index, optval, true)
                : memory.remap(cpu.packet, optval);
        ByteBuffer c = ByteBuffer.wrap(ctxBytes).order(order);
        c.putLong(SK, ctx.base() + sockAt);
        c.putLong(OPTVAL, buffer.base());
        c.putLong(OPTVAL_END, buffer.base() + optval.length);
        c.putInt(sockAt + 72, 7);   // TCP_CLOSE
        c.putInt(sockAt + 76, -1);  // no rx queue
        KernelRun run = new KernelRun(program);
        EmulatorProgram.Outcome out = program.execute(cpu, ctx.base(), request.repeat(), run, null);
        System.arraycopy(ctxBytes, LEVEL, user, LEVEL, SIZE - LEVEL);
        return new TestRunResult((int) out.r0(), optval.clone(), user, out.durationNs(), run.trace, run.redirects, run.records);
    }
}
