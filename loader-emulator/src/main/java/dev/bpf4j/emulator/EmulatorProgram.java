package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.ProgramType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A program loaded into the emulator: its final instructions (context accesses rewritten,
 * see {@link XdpContext}) decoded into a {@link Vm} whose map references are bound to the
 * object's maps. Test runs exist for XDP so far.
 */
final class EmulatorProgram implements ProgramHandle {
    private final EmulatorObject owner;
    private final LinkedProgram linked;
    private final Vm vm;
    private Region packet;
    private Region ctx;

    EmulatorProgram(EmulatorObject owner, LinkedProgram linked, Vm vm) {
        this.owner = owner;
        this.linked = linked;
        this.vm = vm;
    }

    @Override
    public String name() {
        return linked.name();
    }

    @Override
    public ProgramType type() {
        return linked.spec().type();
    }

    @Override
    public TestRunResult testRun(TestRun request) {
        synchronized (owner) {
            owner.checkOpen();
            if (type() != ProgramType.XDP)
                throw new BackendException(-BackendException.ENOTSUPP, "program '" + name() + "': test runs of "
                        + type().libbpfName() + " programs are not supported by the emulator yet (xdp only)");
            return runXdp(request);
        }
    }

    private TestRunResult runXdp(TestRun request) {
        ByteOrder order = owner.memory.byteOrder();
        byte[] data = request.dataIn();
        if (data == null || data.length < XdpContext.MIN_PACKET)
            throw new BackendException(-BackendException.EINVAL, "program '" + name() + "': an xdp test run needs at least "
                    + XdpContext.MIN_PACKET + " bytes of data (ETH_HLEN), got " + (data == null ? "none" : data.length));
        int metaLen = 0;
        long ingress = 1; // the kernel runs on the loopback device when no ctx is given
        long rxQueue = 0;
        byte[] ctxIn = request.ctxIn();
        if (ctxIn != null) {
            if (ctxIn.length > XdpContext.USER_SIZE)
                for (int i = XdpContext.USER_SIZE; i < ctxIn.length; i++)
                    if (ctxIn[i] != 0)
                        throw new BackendException(-BackendException.EINVAL, "ctx_in: byte " + i
                                + " past struct xdp_md (24 bytes) is not zero");
            ByteBuffer c = ByteBuffer.wrap(java.util.Arrays.copyOf(ctxIn, XdpContext.USER_SIZE)).order(order);
            long dataOff = c.getInt(0) & 0xffffffffL;
            long dataEnd = c.getInt(4) & 0xffffffffL;
            long dataMeta = c.getInt(8) & 0xffffffffL;
            if (dataMeta != 0 || dataEnd != data.length || dataOff > dataEnd || dataOff % 4 != 0 || dataOff > 32)
                throw new BackendException(-BackendException.EINVAL, "ctx_in: need data_meta = 0, data_end = "
                        + data.length + " (the data size) and data = metadata length (a multiple of 4, at most 32);"
                        + " got data " + dataOff + ", data_end " + dataEnd + ", data_meta " + dataMeta);
            if (c.getInt(20) != 0)
                throw new BackendException(-BackendException.EINVAL, "ctx_in: egress_ifindex must be 0");
            metaLen = (int) dataOff;
            ingress = c.getInt(12) & 0xffffffffL;
            rxQueue = c.getInt(16) & 0xffffffffL;
        }
        Memory memory = owner.memory;
        packet = packet == null ? memory.map("packet", data, true) : memory.remap(packet, data);
        if (ctx == null)
            ctx = memory.map("ctx xdp_md", new byte[XdpContext.HIDDEN_SIZE], false);
        XdpContext.fill(ctx.bytes(), order, packet.base(), metaLen, data.length, ingress, rxQueue);
        VmState state = owner.state;
        int repeat = Math.max(1, request.repeat());
        long r0 = 0;
        long start = System.nanoTime();
        try {
            for (int i = 0; i < repeat; i++) {
                state.setRegister(1, ctx.base());
                r0 = vm.run(state);
            }
        } catch (VmFault f) {
            throw new BackendException(-BackendException.EFAULT, "program '" + name() + "' faulted: " + f.getMessage(), f);
        }
        long duration = (System.nanoTime() - start) / repeat;
        return new TestRunResult((int) r0, data, XdpContext.userView(order, metaLen, data.length, ingress, rxQueue), duration);
    }

    @Override
    public String toString() {
        return type().libbpfName() + " program '" + name() + "'";
    }
}
