package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.loader.ProgramType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Set;

/**
 * {@code struct __sk_buff}, the context of socket filters, tc classifiers and actions
 * ({@code sched_cls}, {@code sched_act}) and {@code cgroup_skb}: which fields each type may
 * read and write, and the test run that builds an skb as the kernel's
 * {@code bpf_prog_test_run_skb} does.
 *
 * <p>Field access per type, as {@code sk_filter_is_valid_access},
 * {@code tc_cls_act_is_valid_access} and {@code cg_skb_is_valid_access} with
 * {@code bpf_skb_is_valid_access} say:
 * <ul>
 * <li>every type: u32 fields by 1-, 2- or 4-byte loads; {@code cb[0..4]} by any aligned
 *     load or store; {@code sk} by 8-byte loads; {@code remote_ip4/6}, {@code local_ip4/6}
 *     by 4-byte loads only; {@code flow_keys} and the padding never;</li>
 * <li>socket_filter: no {@code tc_classid}, {@code data}, {@code data_end},
 *     {@code data_meta}, {@code family..local_port}, {@code tstamp}, {@code wire_len},
 *     {@code hwtstamp}; writes to {@code cb} only;</li>
 * <li>sched_cls, sched_act: no {@code family..local_port}; {@code tstamp_type} by 1-byte
 *     loads; writes to {@code mark}, {@code tc_index}, {@code priority}, {@code tc_classid},
 *     {@code cb}, {@code tstamp}, {@code queue_mapping};</li>
 * <li>cgroup_skb: no {@code tc_classid}, {@code data_meta}, {@code wire_len}; writes to
 *     {@code mark}, {@code priority}, {@code cb}, {@code tstamp} (the kernel wants
 *     CAP_BPF for data/data_end and CAP_SYS_ADMIN for tstamp: the emulator runs as root).</li>
 * </ul>
 * {@code data}, {@code data_end}, {@code data_meta} are u32 pointer fields (4-byte loads,
 * rewritten to hidden slots); {@code tstamp} and {@code hwtstamp} take 8-byte accesses.
 *
 * <p>Test runs, as {@code bpf_prog_test_run_skb}: data of at least 14 bytes
 * ({@code ETH_HLEN}) and at most 3712 ({@code PAGE_SIZE - NET_SKB_PAD -
 * SKB_DATA_ALIGN(sizeof(struct skb_shared_info))} on x86_64), else {@code -EINVAL}. The
 * packet arrives on the loopback device (ifindex 1, address 00:00:00:00:00:00):
 * {@code protocol} is the Ethernet type (or ETH_P_802_3/ETH_P_802_2 below 0x600),
 * {@code pkt_type} host, broadcast, multicast or other-host from the destination address.
 * tc programs see the frame from the Ethernet header; socket filters and cgroup_skb from
 * the network header ({@code len} is 14 less), and their data_out has the Ethernet header
 * zeroed, as the kernel pushes back 14 zero bytes. An IPv4 (IPv6) frame shorter than its
 * fixed header is {@code -EINVAL}. The run's socket (what {@code skb->sk} and cgroup_skb's
 * {@code family}, {@code local_ip4}... read) has the packet's family and addresses.
 *
 * <p>A ctx_in is a {@code struct __sk_buff}: bytes past its 192 must be zero
 * ({@code -E2BIG}); {@code data} and {@code data_meta} must be 0 and {@code data_end} 0 or
 * the data size (a smaller one asks newer kernels for a non-linear skb, which the emulator
 * does not model: {@code -ENOTSUPP}); an {@code ifindex} above 1 names a device the
 * emulator lacks ({@code -ENODEV}); only {@code mark}, {@code priority},
 * {@code ingress_ifindex}, {@code ifindex}, {@code cb}, {@code tstamp}, {@code wire_len}
 * (0, or from the packet length to 65536), {@code gso_segs} (at most 65535),
 * {@code gso_size} and {@code hwtstamp} may be non-zero, else {@code -EINVAL}. ctx_out
 * reports mark, priority, ingress_ifindex, ifindex, tstamp, cb, wire_len, gso_segs and
 * hwtstamp after the run, the rest as given.
 */
final class SkbContext {
    /** sizeof(struct __sk_buff). */
    static final int SIZE = 192;
    /** The largest packet the kernel's skb test run accepts (x86_64: 4096 - NET_SKB_PAD 64 - 320). */
    static final int MAX_DATA = Packet.PAGE_SIZE - 64 - Packet.SHINFO_SIZE;
    /** sizeof(struct bpf_sock), the socket {@code skb->sk} points at. */
    static final int BPF_SOCK_SIZE = 80;

    static final int LEN = 0, PKT_TYPE = 4, MARK = 8, QUEUE_MAPPING = 12, PROTOCOL = 16, PRIORITY = 32,
            INGRESS_IFINDEX = 36, IFINDEX = 40, TC_INDEX = 44, CB = 48, HASH = 68, TC_CLASSID = 72, DATA = 76,
            DATA_END = 80, FAMILY = 88, REMOTE_IP4 = 92, LOCAL_IP4 = 96, REMOTE_IP6 = 100, LOCAL_IP6 = 116,
            DATA_META = 140, TSTAMP = 152, WIRE_LEN = 160, GSO_SEGS = 164, SK = 168, GSO_SIZE = 176,
            HWTSTAMP = 184;

    private static final int AF_INET = 2, AF_INET6 = 10;

    private SkbContext() {
    }

    // ---- the layout

    /** The __sk_buff layout for {@code type}: socket_filter, sched_cls, sched_act or cgroup_skb. */
    static ContextLayout layout(ProgramType type) {
        boolean tc = type == ProgramType.SCHED_CLS || type == ProgramType.SCHED_ACT;
        boolean sf = type == ProgramType.SOCKET_FILTER;
        boolean cg = type == ProgramType.CGROUP_SKB;
        Set<String> hidden = sf ? Set.of("tc_classid", "data", "data_end", "data_meta", "sock", "tstamp", "wire_len", "hwtstamp")
                : cg ? Set.of("tc_classid", "data_meta", "wire_len")
                : Set.of("sock");
        Set<String> writable = sf ? Set.of("cb")
                : cg ? Set.of("mark", "priority", "cb", "tstamp")
                : Set.of("mark", "tc_index", "priority", "tc_classid", "cb", "tstamp", "queue_mapping");
        var fields = new ArrayList<ContextField>();
        String[] u32 = {"len", "pkt_type", "mark", "queue_mapping", "protocol", "vlan_present", "vlan_tci", "vlan_proto",
                "priority", "ingress_ifindex", "ifindex", "tc_index"};
        for (int i = 0; i < u32.length; i++)
            fields.add(field(u32[i], 4 * i, 4, ContextField.NARROW, 4, writable));
        fields.add(field("cb", CB, 20, ContextField.ANY, ContextField.ANY, writable));
        fields.add(field("hash", HASH, 4, ContextField.NARROW, 4, writable));
        if (!hidden.contains("tc_classid"))
            fields.add(field("tc_classid", TC_CLASSID, 4, ContextField.NARROW, 4, writable));
        if (!hidden.contains("data"))
            fields.add(new ContextField("data", DATA, 4, 4, 0, true));
        if (!hidden.contains("data_end"))
            fields.add(new ContextField("data_end", DATA_END, 4, 4, 0, true));
        fields.add(field("napi_id", 84, 4, ContextField.NARROW, 4, writable));
        if (!hidden.contains("sock")) { // family .. local_port: read from skb->sk
            fields.add(field("family", FAMILY, 4, ContextField.NARROW, 4, writable));
            fields.add(field("remote_ip4", REMOTE_IP4, 4, 4, 4, writable));
            fields.add(field("local_ip4", LOCAL_IP4, 4, 4, 4, writable));
            fields.add(field("remote_ip6", REMOTE_IP6, 16, 4, 4, writable));
            fields.add(field("local_ip6", LOCAL_IP6, 16, 4, 4, writable));
            fields.add(field("remote_port", 132, 4, ContextField.NARROW, 4, writable));
            fields.add(field("local_port", 136, 4, ContextField.NARROW, 4, writable));
        }
        if (!hidden.contains("data_meta"))
            fields.add(new ContextField("data_meta", DATA_META, 4, 4, 0, true));
        if (!hidden.contains("tstamp"))
            fields.add(field("tstamp", TSTAMP, 8, 8, 8, writable));
        if (!hidden.contains("wire_len"))
            fields.add(field("wire_len", WIRE_LEN, 4, ContextField.NARROW, 4, writable));
        fields.add(field("gso_segs", GSO_SEGS, 4, ContextField.NARROW, 4, writable));
        fields.add(ContextField.read("sk", SK, 8, 8));
        fields.add(field("gso_size", GSO_SIZE, 4, ContextField.NARROW, 4, writable));
        if (tc)
            fields.add(ContextField.read("tstamp_type", 180, 1, 1));
        if (!hidden.contains("hwtstamp"))
            fields.add(ContextField.read("hwtstamp", HWTSTAMP, 8, 8));
        return new ContextLayout("struct __sk_buff", SIZE, fields);
    }

    private static ContextField field(String name, int off, int size, int reads, int writes, Set<String> writable) {
        return new ContextField(name, off, size, reads, writable.contains(name) ? writes : 0, false);
    }

    // ---- the test run

    static TestRunResult testRun(EmulatorProgram program, TestRun request, Cpu cpu) {
        ProgramType type = program.type();
        boolean l2 = type == ProgramType.SCHED_CLS || type == ProgramType.SCHED_ACT;
        String who = "program '" + program.name() + "': ";
        byte[] frame = request.dataIn();
        if (frame == null || frame.length < Packet.ETH_HLEN)
            throw new BackendException(-BackendException.EINVAL, who + "an skb test run needs at least " + Packet.ETH_HLEN
                    + " bytes of data (ETH_HLEN), got " + (frame == null ? "none" : frame.length));
        Memory memory = program.memory();
        ByteOrder order = memory.byteOrder();
        byte[] user = new byte[SIZE];
        byte[] ctxIn = request.ctxIn();
        if (ctxIn != null) {
            for (int i = SIZE; i < ctxIn.length; i++)
                if (ctxIn[i] != 0)
                    throw new BackendException(-BackendException.E2BIG, who + "ctx_in: byte " + i
                            + " past struct __sk_buff (" + SIZE + " bytes) is not zero");
            System.arraycopy(ctxIn, 0, user, 0, Math.min(SIZE, ctxIn.length));
        }
        ByteBuffer in = ByteBuffer.wrap(user).order(order);
        long dataEnd = in.getInt(DATA_END) & 0xffffffffL;
        if (dataEnd > frame.length || in.getInt(DATA) != 0 || in.getInt(DATA_META) != 0)
            throw new BackendException(-BackendException.EINVAL, who + "ctx_in: data and data_meta must be 0 and data_end"
                    + " at most the data size " + frame.length + "; got data " + (in.getInt(DATA) & 0xffffffffL) + ", data_end "
                    + dataEnd + ", data_meta " + (in.getInt(DATA_META) & 0xffffffffL));
        if (dataEnd != 0 && dataEnd != frame.length)
            throw new BackendException(-BackendException.ENOTSUPP, who + "ctx_in: data_end " + dataEnd + " below the data size "
                    + frame.length + " asks for a non-linear skb, which the emulator does not model");
        if (frame.length > MAX_DATA)
            throw new BackendException(-BackendException.EINVAL, who + "data of " + frame.length + " bytes is more than the "
                    + MAX_DATA + " an skb test run takes");
        long ifindex = in.getInt(IFINDEX) & 0xffffffffL;
        if (ifindex > 1)
            throw new BackendException(-BackendException.ENODEV, who + "ctx_in: ifindex " + ifindex
                    + ": the emulator has only the loopback device (1)");
        int etherType = (frame[12] & 0xff) << 8 | (frame[13] & 0xff);
        int protocol = etherType >= 0x600 ? etherType
                : (frame.length >= 16 && frame[14] == (byte) 0xff && frame[15] == (byte) 0xff) ? 0x0001 : 0x0004;
        int headLen = frame.length - Packet.ETH_HLEN;
        if ((protocol == 0x0800 && headLen < 20) || (protocol == 0x86dd && headLen < 40))
            throw new BackendException(-BackendException.EINVAL, who + "an " + (protocol == 0x0800 ? "IPv4" : "IPv6")
                    + " frame of " + frame.length + " bytes is shorter than its network header");
        checkZero(user, 0, MARK, who);
        checkZero(user, MARK + 4, PRIORITY, who);
        checkZero(user, IFINDEX + 4, CB, who);
        checkZero(user, CB + 20, DATA_END, who);
        checkZero(user, DATA_END + 4, TSTAMP, who);
        checkZero(user, GSO_SEGS + 4, GSO_SIZE, who);
        checkZero(user, GSO_SIZE + 4, HWTSTAMP, who);
        int skbLen = l2 ? frame.length : headLen;
        long wireLen = in.getInt(WIRE_LEN) & 0xffffffffL;
        if (wireLen != 0 && (wireLen < skbLen || wireLen > 65536))
            throw new BackendException(-BackendException.EINVAL, who + "ctx_in: wire_len " + wireLen
                    + " must be 0 or between the packet length " + skbLen + " and 65536");
        long gsoSegs = in.getInt(GSO_SEGS) & 0xffffffffL;
        if (gsoSegs > 65535)
            throw new BackendException(-BackendException.EINVAL, who + "ctx_in: gso_segs " + gsoSegs + " is more than 65535");

        // The context region: the struct, the hidden slots, then the run's socket (struct bpf_sock).
        ContextLayout layout = program.layout();
        int sockAt = layout.regionSize();
        byte[] ctxBytes = new byte[sockAt + BPF_SOCK_SIZE];
        Region ctx = cpu.ctx = cpu.ctx == null ? memory.map("ctx cpu" + cpu.index, ctxBytes, true) : memory.remap(cpu.ctx, ctxBytes);
        ByteBuffer c = ByteBuffer.wrap(ctxBytes).order(order);
        c.putInt(LEN, skbLen);
        c.putInt(PKT_TYPE, packetType(frame));
        c.putInt(MARK, in.getInt(MARK));
        // skb->protocol is a __be16: the program's u32 load sees the two network-order bytes as a native u16
        c.putInt(PROTOCOL, order == ByteOrder.BIG_ENDIAN ? protocol : Short.toUnsignedInt(Short.reverseBytes((short) protocol)));
        c.putInt(PRIORITY, in.getInt(PRIORITY));
        c.putInt(INGRESS_IFINDEX, in.getInt(INGRESS_IFINDEX));
        c.putInt(IFINDEX, 1);
        System.arraycopy(user, CB, ctxBytes, CB, 20);
        c.putLong(TSTAMP, in.getLong(TSTAMP));
        c.putInt(WIRE_LEN, wireLen == 0 ? skbLen : (int) wireLen);
        c.putInt(GSO_SEGS, (int) gsoSegs);
        c.putInt(GSO_SIZE, in.getInt(GSO_SIZE));
        c.putLong(HWTSTAMP, in.getLong(HWTSTAMP));
        fillSocket(ctxBytes, c, sockAt, frame, protocol);
        c.putLong(SK, ctx.base() + sockAt);

        byte[] bytes = l2 ? frame : Arrays.copyOfRange(frame, Packet.ETH_HLEN, frame.length);
        Region region = cpu.packet = cpu.packet == null ? memory.map("packet cpu" + cpu.index, bytes, true)
                : memory.remap(cpu.packet, bytes);
        Packet packet = new Packet(memory, false, region, 0, 0, bytes.length,
                l2 ? null : Arrays.copyOf(frame, Packet.ETH_HLEN), ctx,
                layout.slotOf("data_meta"), layout.slotOf("data"), layout.slotOf("data_end"));
        KernelRun run = new KernelRun(program);
        run.packet = packet;
        EmulatorProgram.Outcome out = program.execute(cpu, ctx.base(), request.repeat(), run, region);

        byte[] data = packet.copy(packet.data, packet.end);
        if (!l2) {
            byte[] withMac = new byte[Packet.ETH_HLEN + data.length]; // the kernel pushes back 14 zero bytes
            System.arraycopy(data, 0, withMac, Packet.ETH_HLEN, data.length);
            data = withMac;
        }
        ByteBuffer o = ByteBuffer.wrap(user).order(order);
        ByteBuffer after = ByteBuffer.wrap(ctx.bytes()).order(order);
        o.putInt(MARK, after.getInt(MARK));
        o.putInt(PRIORITY, after.getInt(PRIORITY));
        o.putInt(INGRESS_IFINDEX, after.getInt(INGRESS_IFINDEX));
        o.putInt(IFINDEX, 1);
        o.putLong(TSTAMP, after.getLong(TSTAMP));
        System.arraycopy(ctx.bytes(), CB, user, CB, 20);
        o.putInt(WIRE_LEN, after.getInt(WIRE_LEN));
        o.putInt(GSO_SEGS, after.getInt(GSO_SEGS));
        o.putLong(HWTSTAMP, after.getLong(HWTSTAMP));
        return new TestRunResult((int) out.r0(), data, user, out.durationNs(), run.trace, run.redirects, run.records);
    }

    private static void checkZero(byte[] user, int from, int to, String who) {
        for (int i = from; i < to; i++)
            if (user[i] != 0)
                throw new BackendException(-BackendException.EINVAL, who + "ctx_in: byte " + i + " of struct __sk_buff is not"
                        + " zero; only mark, priority, ingress_ifindex, ifindex, cb, data_end, tstamp, wire_len, gso_segs,"
                        + " gso_size and hwtstamp may be set");
    }

    /** eth_type_trans on the loopback device (address 00:00:00:00:00:00): PACKET_HOST, _BROADCAST, _MULTICAST or _OTHERHOST. */
    static int packetType(byte[] frame) {
        boolean zero = true, ones = true;
        for (int i = 0; i < 6; i++) {
            zero &= frame[i] == 0;
            ones &= frame[i] == (byte) 0xff;
        }
        if (zero)
            return 0;
        if ((frame[0] & 1) != 0)
            return ones ? 1 : 2;
        return 3;
    }

    /**
     * The test run's socket: family and addresses from the packet, as the kernel sets
     * them; written both into the {@code struct bpf_sock} at {@code at} and into the
     * __sk_buff fields cgroup_skb reads from it ({@code family}, {@code remote_ip4}: the
     * destination, {@code local_ip4}: the source, ...).
     */
    private static void fillSocket(byte[] ctx, ByteBuffer c, int at, byte[] frame, int protocol) {
        int family = protocol == 0x0800 ? AF_INET : protocol == 0x86dd ? AF_INET6 : 0;
        c.putInt(FAMILY, family);
        c.putInt(at + 4, family);
        c.putInt(at + 72, 7);   // sk_state TCP_CLOSE, as sock_init_data leaves it
        c.putInt(at + 76, -1);  // rx_queue_mapping: none
        int net = Packet.ETH_HLEN;
        if (family == AF_INET) {
            System.arraycopy(frame, net + 12, ctx, LOCAL_IP4, 4);   // saddr -> sk_rcv_saddr
            System.arraycopy(frame, net + 16, ctx, REMOTE_IP4, 4);  // daddr -> sk_daddr
            System.arraycopy(frame, net + 12, ctx, at + 24, 4);     // bpf_sock.src_ip4
            System.arraycopy(frame, net + 16, ctx, at + 52, 4);     // bpf_sock.dst_ip4
        } else if (family == AF_INET6) {
            System.arraycopy(frame, net + 8, ctx, LOCAL_IP6, 16);
            System.arraycopy(frame, net + 24, ctx, REMOTE_IP6, 16);
            System.arraycopy(frame, net + 8, ctx, at + 28, 16);
            System.arraycopy(frame, net + 24, ctx, at + 56, 16);
        }
    }
}
