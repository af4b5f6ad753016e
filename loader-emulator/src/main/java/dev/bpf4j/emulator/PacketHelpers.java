package dev.bpf4j.emulator;

import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.loader.ProgramType;

import java.nio.ByteBuffer;

/**
 * The packet helpers: reading and writing the bytes of a test run's {@link Packet},
 * checksum updates, moving an XDP packet's head, tail and metadata, and
 * {@code bpf_redirect}. Arguments and results follow the kernel's
 * ({@code net/core/filter.c}): offsets count from {@code skb->data} or {@code xdp->data},
 * failures are negative errnos, never faults; a bad pointer to the program's own memory
 * (the kernel's verifier would refuse it) is a {@link VmFault}.
 *
 * <p>After a helper that may move or reallocate packet data ({@code skb_store_bytes},
 * the checksum helpers, {@code skb_pull_data}, {@code xdp_adjust_*}), the context's hidden
 * data/data_end/data_meta slots hold the new addresses: the program must reload them, as
 * the kernel's verifier makes it (it forgets every packet pointer after such a call).
 *
 * <pre>{@code
 * long r0 = bpf_skb_store_bytes(skb, 12, buf, 2, 0);     // 0, or -EFAULT when 12 + 2 > skb->len
 * long r0 = bpf_xdp_adjust_head(ctx, -4);                // 0: data moved 4 bytes into the headroom
 * }</pre>
 */
final class PacketHelpers {
    static final int SKB_STORE_BYTES = 9, L3_CSUM_REPLACE = 10, L4_CSUM_REPLACE = 11, REDIRECT = 23,
            SKB_LOAD_BYTES = 26, CSUM_DIFF = 28, SKB_PULL_DATA = 39, XDP_ADJUST_HEAD = 44, XDP_ADJUST_META = 54,
            XDP_ADJUST_TAIL = 65, SKB_LOAD_BYTES_RELATIVE = 68, XDP_GET_BUFF_LEN = 188, XDP_LOAD_BYTES = 189,
            XDP_STORE_BYTES = 190;

    static final long BPF_F_RECOMPUTE_CSUM = 1, BPF_F_INVALIDATE_HASH = 2, BPF_F_HDR_FIELD_MASK = 0xf,
            BPF_F_PSEUDO_HDR = 1 << 4, BPF_F_MARK_MANGLED_0 = 1 << 5, BPF_F_MARK_ENFORCE = 1 << 6, BPF_F_IPV6 = 1 << 7,
            BPF_F_INGRESS = 1;
    static final int BPF_HDR_START_MAC = 0, BPF_HDR_START_NET = 1;
    static final int TC_ACT_SHOT = 2, TC_ACT_REDIRECT = 7, XDP_ABORTED = 0, XDP_REDIRECT = 4;
    /** CSUM_MANGLED_0: what a UDP checksum that came out 0 is written as. */
    static final int CSUM_MANGLED_0 = 0xffff;

    private static final long EINVAL = -22, EFAULT = -14, ENOMEM = -12;
    private static final long INT_MAX = Integer.MAX_VALUE;

    private PacketHelpers() {
    }

    static void register(HelperTable.Builder b, EmulatorObject o) {
        b.add(SKB_LOAD_BYTES, (r1, r2, r3, r4, r5, s) -> skbLoadBytes(s, r2 & 0xffffffffL, r3, (int) r4));
        b.add(SKB_LOAD_BYTES_RELATIVE, (r1, r2, r3, r4, r5, s) -> skbLoadBytesRelative(s, r2 & 0xffffffffL, r3, (int) r4,
                r5 & 0xffffffffL));
        b.add(SKB_STORE_BYTES, (r1, r2, r3, r4, r5, s) -> skbStoreBytes(s, r2 & 0xffffffffL, r3, (int) r4, r5));
        b.add(L3_CSUM_REPLACE, (r1, r2, r3, r4, r5, s) -> csumReplace(s, false, r2 & 0xffffffffL, r3, r4, r5));
        b.add(L4_CSUM_REPLACE, (r1, r2, r3, r4, r5, s) -> csumReplace(s, true, r2 & 0xffffffffL, r3, r4, r5));
        b.add(CSUM_DIFF, (r1, r2, r3, r4, r5, s) -> csumDiff(s, r1, (int) r2, r3, (int) r4, (int) r5));
        b.add(SKB_PULL_DATA, (r1, r2, r3, r4, r5, s) -> skbPullData(s, r2 & 0xffffffffL));
        b.add(REDIRECT, (r1, r2, r3, r4, r5, s) -> redirect(s, r1 & 0xffffffffL, r2));
        b.add(XDP_ADJUST_HEAD, (r1, r2, r3, r4, r5, s) -> xdpAdjustHead(s, (int) r2));
        b.add(XDP_ADJUST_META, (r1, r2, r3, r4, r5, s) -> xdpAdjustMeta(s, (int) r2));
        b.add(XDP_ADJUST_TAIL, (r1, r2, r3, r4, r5, s) -> xdpAdjustTail(s, (int) r2));
        b.add(XDP_GET_BUFF_LEN, (r1, r2, r3, r4, r5, s) -> xdp(s, XDP_GET_BUFF_LEN).length());
        b.add(XDP_LOAD_BYTES, (r1, r2, r3, r4, r5, s) -> xdpBytes(s, r2 & 0xffffffffL, r3, r4 & 0xffffffffL, false));
        b.add(XDP_STORE_BYTES, (r1, r2, r3, r4, r5, s) -> xdpBytes(s, r2 & 0xffffffffL, r3, r4 & 0xffffffffL, true));
    }

    // ---- skb

    /** bpf_skb_load_bytes(skb, offset, to, len): 0, or -EFAULT with {@code to} zeroed. */
    static long skbLoadBytes(VmState s, long offset, long to, int len) {
        Packet p = skb(s, SKB_LOAD_BYTES);
        checkLength(s, len, SKB_LOAD_BYTES);
        if (offset > INT_MAX || offset + len > p.length()) {
            write(s, to, new byte[len], SKB_LOAD_BYTES);
            return EFAULT;
        }
        write(s, to, p.copy(p.data + (int) offset, p.data + (int) offset + len), SKB_LOAD_BYTES);
        return 0;
    }

    /** bpf_skb_load_bytes_relative(skb, offset, to, len, start_header): from the MAC or network header. */
    static long skbLoadBytesRelative(VmState s, long offset, long to, int len, long start) {
        Packet p = skb(s, SKB_LOAD_BYTES_RELATIVE);
        checkLength(s, len, SKB_LOAD_BYTES_RELATIVE);
        // positions relative to skb->data; the pulled Ethernet header of socket filters lies before it
        int mac = p.pulledMac == null ? 0 : -Packet.ETH_HLEN;
        int net = p.pulledMac == null ? Packet.ETH_HLEN : 0;
        long from = start == BPF_HDR_START_MAC ? mac : start == BPF_HDR_START_NET ? net : Long.MIN_VALUE;
        if (offset > 0xffff || from == Long.MIN_VALUE || from + offset + len > p.length()) {
            write(s, to, new byte[len], SKB_LOAD_BYTES_RELATIVE);
            return EFAULT;
        }
        byte[] out = new byte[len];
        for (int i = 0; i < len; i++) {
            int pos = (int) (from + offset) + i;
            out[i] = pos < 0 ? p.pulledMac[Packet.ETH_HLEN + pos] : p.region.bytes()[p.data + pos];
        }
        write(s, to, out, SKB_LOAD_BYTES_RELATIVE);
        return 0;
    }

    /** bpf_skb_store_bytes(skb, offset, from, len, flags). The emulated skb carries no checksum state or hash to update. */
    static long skbStoreBytes(VmState s, long offset, long from, int len, long flags) {
        Packet p = skb(s, SKB_STORE_BYTES);
        checkLength(s, len, SKB_STORE_BYTES);
        if ((flags & ~(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH)) != 0)
            return EINVAL;
        if (offset > INT_MAX || offset + len > p.length()) {
            p.publish();
            return EFAULT;
        }
        byte[] bytes = read(s, from, len, SKB_STORE_BYTES);
        System.arraycopy(bytes, 0, p.region.bytes(), p.data + (int) offset, len);
        p.publish(); // BPF_F_INVALIDATE_HASH: the emulated skb->hash is always 0 already

        return 0;
    }

    /** bpf_l3_csum_replace and bpf_l4_csum_replace: the checksum at {@code offset} after {@code from} became {@code to}. */
    static long csumReplace(VmState s, boolean l4, long offset, long from, long to, long flags) {
        int id = l4 ? L4_CSUM_REPLACE : L3_CSUM_REPLACE;
        Packet p = skb(s, id);
        long known = l4 ? BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE | BPF_F_PSEUDO_HDR | BPF_F_HDR_FIELD_MASK | BPF_F_IPV6
                : BPF_F_HDR_FIELD_MASK;
        if ((flags & ~known) != 0)
            return EINVAL;
        if (offset > 0xffff || (offset & 1) != 0)
            return EFAULT;
        if (offset + 2 > p.length()) {
            p.publish();
            return EFAULT;
        }
        ByteBuffer b = ByteBuffer.wrap(p.region.bytes()).order(p.order());
        int at = p.data + (int) offset;
        int sum = Short.toUnsignedInt(b.getShort(at));
        p.publish();
        boolean mangled0 = l4 && (flags & BPF_F_MARK_MANGLED_0) != 0;
        if (mangled0 && (flags & BPF_F_MARK_ENFORCE) == 0 && sum == 0)
            return 0;
        int updated;
        switch ((int) (flags & BPF_F_HDR_FIELD_MASK)) {
            case 0:
                if (from != 0)
                    return EINVAL;
                updated = Checksum.replaceByDiff(sum, (int) to);
                break;
            case 2: // l4 widens the 16-bit words to 32 bits (inet_proto_csum_replace2): the same sum
                updated = l4 ? Checksum.replace4(sum, (int) (from & 0xffff), (int) (to & 0xffff))
                        : Checksum.replace2(sum, (int) from, (int) to);
                break;
            case 4:
                updated = Checksum.replace4(sum, (int) from, (int) to);
                break;
            default:
                return EINVAL;
        }
        if (mangled0 && updated == 0)
            updated = CSUM_MANGLED_0;
        b.putShort(at, (short) updated);
        return 0;
    }

    /**
     * bpf_csum_diff(from, from_size, to, to_size, seed): the partial sum of {@code to} minus
     * that of {@code from}, plus {@code seed}, folded to 16 bits as Linux does since 6.13.
     * Sizes must be multiples of 4 ({@code -EINVAL}).
     */
    static long csumDiff(VmState s, long from, int fromSize, long to, int toSize, int seed) {
        if (((fromSize | toSize) & 3) != 0 || fromSize < 0 || toSize < 0)
            return EINVAL;
        var order = s.memory().byteOrder();
        if (fromSize != 0 && toSize != 0)
            return Checksum.from32to16(Checksum.sub(Checksum.partial(read(s, to, toSize, CSUM_DIFF), 0, toSize, seed, order),
                    Checksum.partial(read(s, from, fromSize, CSUM_DIFF), 0, fromSize, 0, order)));
        if (toSize != 0)
            return Checksum.from32to16(Checksum.partial(read(s, to, toSize, CSUM_DIFF), 0, toSize, seed, order));
        if (fromSize != 0)
            return Checksum.from32to16(~Checksum.partial(read(s, from, fromSize, CSUM_DIFF), 0, fromSize, ~seed, order));
        return seed & 0xffffffffL;
    }

    /** bpf_skb_pull_data(skb, len): the emulated skb is linear, so only the length check remains: -ENOMEM past skb->len. */
    static long skbPullData(VmState s, long len) {
        Packet p = skb(s, SKB_PULL_DATA);
        p.publish();
        return len > p.length() ? ENOMEM : 0;
    }

    /**
     * bpf_redirect(ifindex, flags), recorded as a {@link TestRunResult.Redirect}: for XDP
     * XDP_REDIRECT, or XDP_ABORTED with any flag; for the others TC_ACT_REDIRECT, or
     * TC_ACT_SHOT with a flag other than BPF_F_INGRESS.
     */
    static long redirect(VmState s, long ifindex, long flags) {
        KernelRun run = s.kernelRun;
        boolean xdp = run != null && run.program.type() == ProgramType.XDP;
        if (xdp ? flags != 0 : (flags & ~BPF_F_INGRESS) != 0)
            return xdp ? XDP_ABORTED : TC_ACT_SHOT;
        if (run != null)
            run.redirects.add(new TestRunResult.Redirect("redirect", null, ifindex, flags));
        return xdp ? XDP_REDIRECT : TC_ACT_REDIRECT;
    }

    // ---- xdp

    /** bpf_xdp_adjust_head(xdp, delta): data moves by delta, the metadata with it; -EINVAL past the frame's headroom or within 14 bytes of data_end. */
    static long xdpAdjustHead(VmState s, int delta) {
        Packet p = xdp(s, XDP_ADJUST_HEAD);
        int metaLen = p.data - p.meta;
        long data = (long) p.data + delta;
        if (data < Packet.XDP_FRAME_SIZE + metaLen || data > p.end - Packet.ETH_HLEN)
            return EINVAL;
        byte[] bytes = p.region.bytes();
        if (metaLen != 0)
            System.arraycopy(bytes, p.meta, bytes, p.meta + delta, metaLen);
        p.meta += delta;
        p.data = (int) data;
        p.publish();
        return 0;
    }

    /** bpf_xdp_adjust_meta(xdp, delta): data_meta moves; -EINVAL outside [frame start, data], -EACCES for a bad metadata length. */
    static long xdpAdjustMeta(VmState s, int delta) {
        Packet p = xdp(s, XDP_ADJUST_META);
        long meta = (long) p.meta + delta;
        if (meta < Packet.XDP_FRAME_SIZE || meta > p.data)
            return EINVAL;
        long metaLen = p.data - meta;
        if ((metaLen & 3) != 0 || metaLen > XdpContext.MAX_META)
            return -13; // -EACCES
        p.meta = (int) meta;
        p.publish();
        return 0;
    }

    /** bpf_xdp_adjust_tail(xdp, delta): data_end moves; grown bytes are zero; -EINVAL past the frame's tailroom or below data + 14. */
    static long xdpAdjustTail(VmState s, int delta) {
        Packet p = xdp(s, XDP_ADJUST_TAIL);
        long end = (long) p.end + delta;
        if (end > Packet.XDP_HARD_END || end < p.data + Packet.ETH_HLEN)
            return EINVAL;
        p.moveEnd((int) end);
        p.publish();
        return 0;
    }

    /** bpf_xdp_load_bytes / bpf_xdp_store_bytes(xdp, offset, buf, len): -EFAULT above 0xffff, -EINVAL past data_end. */
    static long xdpBytes(VmState s, long offset, long buf, long len, boolean store) {
        int id = store ? XDP_STORE_BYTES : XDP_LOAD_BYTES;
        Packet p = xdp(s, id);
        if (offset > 0xffff || len > 0xffff)
            return EFAULT;
        if (offset + len > p.length())
            return EINVAL;
        if (store)
            System.arraycopy(read(s, buf, (int) len, id), 0, p.region.bytes(), p.data + (int) offset, (int) len);
        else
            write(s, buf, p.copy(p.data + (int) offset, p.data + (int) (offset + len)), id);
        return 0;
    }

    // ---- plumbing

    private static Packet packet(VmState s, int id) {
        Packet p = s.kernelRun == null ? null : s.kernelRun.packet;
        if (p == null)
            throw HelperTable.misuse(id, s, "this run has no packet (it is not an skb or xdp test run)");
        return p;
    }

    private static Packet skb(VmState s, int id) {
        Packet p = packet(s, id);
        if (p.xdp)
            throw HelperTable.misuse(id, s, "needs an skb, and this is an xdp run");
        return p;
    }

    private static Packet xdp(VmState s, int id) {
        Packet p = packet(s, id);
        if (!p.xdp)
            throw HelperTable.misuse(id, s, "needs an xdp_buff, and this is an skb run");
        return p;
    }

    /** A negative length would be a huge u32 the verifier never lets through. */
    private static void checkLength(VmState s, int len, int id) {
        if (len < 0)
            throw HelperTable.misuse(id, s, "length " + Integer.toUnsignedString(len) + " is larger than any buffer");
    }

    /** {@code n} bytes of program memory at {@code address}, or a fault naming the helper. */
    static byte[] read(VmState s, long address, int n, int id) {
        try {
            return s.read(address, n);
        } catch (VmFault f) {
            throw HelperTable.named(id, s, f);
        }
    }

    /** Writes {@code bytes} into program memory at {@code address}, or a fault naming the helper. */
    static void write(VmState s, long address, byte[] bytes, int id) {
        try {
            s.write(address, bytes);
        } catch (VmFault f) {
            throw HelperTable.named(id, s, f);
        }
    }
}
