package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.loader.AttachType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * The XDP context, {@code struct xdp_md}, and the test run that builds an
 * {@code xdp_buff} as the kernel's {@code bpf_prog_test_run_xdp} does.
 *
 * <p>Fields, as {@code xdp_is_valid_access}: six u32s, each read by 4-byte loads only, none
 * written. {@code data}, {@code data_end}, {@code data_meta} are pointer fields (their
 * loads go to hidden slots, see {@link ContextLayout}); {@code egress_ifindex} is readable
 * only by programs whose expected attach type is {@code BPF_XDP_DEVMAP}.
 *
 * <pre>
 *   ctx region: data 0 | data_end 4 | data_meta 8 | ingress_ifindex 12 | rx_queue_index 16 | egress_ifindex 20
 *               | slot data 24 | slot data_end 32 | slot data_meta 40
 * </pre>
 *
 * <p>Test runs: the packet sits in a page-sized frame after 256 bytes of headroom
 * ({@code XDP_PACKET_HEADROOM}) that {@code bpf_xdp_adjust_head}/{@code _meta} may use
 * (but the 40 bytes of {@code struct xdp_frame} at its start), with the tail free to
 * grow up to {@code PAGE_SIZE - 320}. data_in holds the metadata followed by the packet;
 * at least 14 bytes of packet ({@code ETH_HLEN}), else {@code -EINVAL}. Without ctx_in
 * the packet arrives on the loopback device (ingress_ifindex 1, queue 0). A ctx_in must
 * have zero bytes past its 24 ({@code -E2BIG}), data_meta 0, data_end at most the data
 * size and data (the metadata length) at most data_end, a multiple of 4 and at most 216
 * (the headroom less {@code struct xdp_frame}, Linux 6.18; older kernels took 32);
 * egress_ifindex 0; an rx_queue_index only with an ingress_ifindex; ingress_ifindex 0 or 1
 * (the only device, else {@code -ENODEV}) and queue 0 ({@code -EINVAL} otherwise).
 * data_out runs from data_meta to data_end after the run (helpers may have moved both),
 * ctx_out reports data and data_end relative to data_meta (without ctx_in, which the kernel
 * requires for a ctx_out, the emulator reports the context the program saw: ingress_ifindex 1). Programs expecting
 * {@code BPF_XDP_DEVMAP} or {@code _CPUMAP} cannot be test-run ({@code -EINVAL}).
 *
 * <p>Not modelled: multi-buffer packets. Data past the linear part ({@code PAGE_SIZE -
 * headroom - 320} bytes) or a ctx_in data_end below the data size would go to fragments in
 * the kernel; the emulator answers {@code -ENOTSUPP}.
 */
final class XdpContext {
    /** sizeof(struct xdp_md). */
    static final int USER_SIZE = 24;
    /** ETH_HLEN: the shortest packet BPF_PROG_TEST_RUN accepts. */
    static final int MIN_PACKET = Packet.ETH_HLEN;
    /** The largest metadata xdp_metalen_invalid accepts (skb_shared_info.meta_len is a u8; 4-byte multiples; Linux 6.18, was 32). */
    static final int MAX_META = 252;

    private XdpContext() {
    }

    /** The xdp_md layout; {@code devmap}: egress_ifindex readable. */
    static ContextLayout layout(boolean devmap) {
        var fields = new ArrayList<ContextField>(List.of(
                new ContextField("data", 0, 4, 4, 0, true),
                new ContextField("data_end", 4, 4, 4, 0, true),
                new ContextField("data_meta", 8, 4, 4, 0, true),
                ContextField.read("ingress_ifindex", 12, 4, 4),
                ContextField.read("rx_queue_index", 16, 4, 4)));
        if (devmap)
            fields.add(ContextField.read("egress_ifindex", 20, 4, 4));
        return new ContextLayout("struct xdp_md", USER_SIZE, fields);
    }

    static TestRunResult testRun(EmulatorProgram program, TestRun request, Cpu cpu) {
        String who = "program '" + program.name() + "': ";
        AttachType attach = program.attachType();
        if (attach == AttachType.XDP_DEVMAP || attach == AttachType.XDP_CPUMAP)
            throw new BackendException(-BackendException.EINVAL, who + attach.libbpfName()
                    + " programs cannot be test-run (the kernel refuses them too)");
        Memory memory = program.memory();
        ByteOrder order = memory.byteOrder();
        byte[] data = request.dataIn();
        int size = data == null ? 0 : data.length;
        int metaLen = 0;
        long ingress = 0;
        long rxQueue = 0;
        byte[] user = new byte[USER_SIZE];
        byte[] ctxIn = request.ctxIn();
        if (ctxIn != null) {
            for (int i = USER_SIZE; i < ctxIn.length; i++)
                if (ctxIn[i] != 0)
                    throw new BackendException(-BackendException.E2BIG, who + "ctx_in: byte " + i
                            + " past struct xdp_md (24 bytes) is not zero");
            System.arraycopy(ctxIn, 0, user, 0, Math.min(USER_SIZE, ctxIn.length));
            ByteBuffer c = ByteBuffer.wrap(user).order(order);
            long dataOff = c.getInt(0) & 0xffffffffL;
            long dataEnd = c.getInt(4) & 0xffffffffL;
            long dataMeta = c.getInt(8) & 0xffffffffL;
            if (dataMeta != 0 || dataEnd > size || dataOff > dataEnd || dataOff % 4 != 0
                    || dataOff > Packet.XDP_HEADROOM - Packet.XDP_FRAME_SIZE)
                throw new BackendException(-BackendException.EINVAL, who + "ctx_in: need data_meta = 0, data_end at most "
                        + size + " (the data size) and data = metadata length (a multiple of 4, at most 216, at most"
                        + " data_end); got data " + dataOff + ", data_end " + dataEnd + ", data_meta " + dataMeta);
            if (dataEnd < MIN_PACKET)
                throw new BackendException(-BackendException.EINVAL, who + "ctx_in: data_end " + dataEnd
                        + " leaves less than " + MIN_PACKET + " bytes (ETH_HLEN) of linear data");
            if (dataEnd < size)
                throw new BackendException(-BackendException.ENOTSUPP, who + "ctx_in: data_end " + dataEnd
                        + " below the data size " + size + " asks for a multi-buffer packet, which the emulator does not model");
            metaLen = (int) dataOff;
            ingress = c.getInt(12) & 0xffffffffL;
            rxQueue = c.getInt(16) & 0xffffffffL;
        }
        if (size - metaLen < MIN_PACKET)
            throw new BackendException(-BackendException.EINVAL, who + "an xdp test run needs at least " + MIN_PACKET
                    + " bytes of packet (ETH_HLEN) after " + metaLen + " bytes of metadata, got " + (data == null ? "no data" : size));
        int headroom = Packet.XDP_HEADROOM - metaLen;
        int maxLinear = Packet.PAGE_SIZE - headroom - Packet.SHINFO_SIZE;
        if (size > maxLinear)
            throw new BackendException(-BackendException.ENOTSUPP, who + "data of " + size + " bytes is more than the " + maxLinear
                    + " of one XDP frame; the kernel would put the rest in fragments, which the emulator does not model");
        if (ctxIn != null) {
            ByteBuffer c = ByteBuffer.wrap(user).order(order);
            if (c.getInt(20) != 0)
                throw new BackendException(-BackendException.EINVAL, who + "ctx_in: egress_ifindex must be 0");
            if (ingress == 0 && rxQueue != 0)
                throw new BackendException(-BackendException.EINVAL, who + "ctx_in: rx_queue_index " + rxQueue
                        + " without an ingress_ifindex");
            if (ingress > 1)
                throw new BackendException(-BackendException.ENODEV, who + "ctx_in: ingress_ifindex " + ingress
                        + ": the emulator has only the loopback device (1)");
            if (ingress == 1 && rxQueue != 0)
                throw new BackendException(-BackendException.EINVAL, who + "ctx_in: rx_queue_index " + rxQueue
                        + ": the loopback device has only queue 0");
        }

        ContextLayout layout = program.layout();
        byte[] ctxBytes = new byte[layout.regionSize()];
        Region ctx = cpu.ctx = cpu.ctx == null ? memory.map("ctx cpu" + cpu.index, ctxBytes, true) : memory.remap(cpu.ctx, ctxBytes);
        ByteBuffer c = ByteBuffer.wrap(ctxBytes).order(order);
        c.putInt(12, 1); // ingress_ifindex: the loopback device, given or not
        c.putInt(16, 0);

        byte[] frame = new byte[headroom + size];
        System.arraycopy(data, 0, frame, headroom, size);
        Region region = cpu.packet = cpu.packet == null ? memory.map("packet cpu" + cpu.index, frame, true)
                : memory.remap(cpu.packet, frame);
        Packet packet = new Packet(memory, true, region, headroom, Packet.XDP_HEADROOM, frame.length, null, ctx,
                layout.slotOf("data_meta"), layout.slotOf("data"), layout.slotOf("data_end"));
        KernelRun run = new KernelRun(program);
        run.packet = packet;
        EmulatorProgram.Outcome out = program.execute(cpu, ctx.base(), request.repeat(), run, null);

        ByteBuffer o = ByteBuffer.wrap(user).order(order);
        if (ctxIn == null)
            o.putInt(12, 1); // the kernel refuses ctx_out without ctx_in; report the device the program saw
        o.putInt(0, packet.data - packet.meta);
        o.putInt(4, packet.end - packet.meta);
        return new TestRunResult((int) out.r0(), packet.copy(packet.meta, packet.end), user, out.durationNs(),
                run.trace, run.redirects, run.records);
    }
}
