package dev.bpf4j.emulator;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The packet of one test run and the kernel's pointers into it: what the packet helpers
 * read, write and move, and what the context's hidden {@code data}/{@code data_end}/
 * {@code data_meta} slots point at.
 *
 * <p>The packet lives in one region. For XDP, offset 0 of the region is
 * {@code data_hard_start} of the kernel's page-sized frame, so the headroom that
 * {@code bpf_xdp_adjust_head} and {@code _meta} grow into exists; the region ends at
 * {@code data_end} and is reallocated when {@code bpf_xdp_adjust_tail} moves it, so a load
 * past the end faults. For skb types the region holds exactly {@code skb->data ..
 * skb->data + skb->len}: the whole frame for tc (data at the Ethernet header), the frame
 * from the network header for socket filters and cgroup_skb, whose Ethernet header the
 * kernel's {@code eth_type_trans} pulled (kept in {@link #pulledMac} for
 * {@code bpf_skb_load_bytes_relative(..., BPF_HDR_START_MAC)}). The ld_abs/ld_ind
 * instructions read the same region, relative to {@code skb->data} as in the kernel.
 *
 * <p>After a helper moves data, {@link #publish} stores the new addresses in the hidden
 * slots: a program must reload {@code ctx->data} after such a call, as the kernel's
 * verifier demands. Pointers the program kept from before stay plain addresses into the
 * region; the emulator cannot tell them from fresh ones (the kernel refuses such programs at load).
 */
final class Packet {
    /** PAGE_SIZE: the kernel's test-run buffer and XDP frame size (x86_64). */
    static final int PAGE_SIZE = 4096;
    static final int ETH_HLEN = 14;
    /** SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) on x86_64: the tailroom of every buffer. */
    static final int SHINFO_SIZE = 320;
    /** XDP_PACKET_HEADROOM. */
    static final int XDP_HEADROOM = 256;
    /** sizeof(struct xdp_frame) on 64-bit kernels (6.15 and later): kept free at the start of an XDP frame. */
    static final int XDP_FRAME_SIZE = 40;
    /** The end of the room an XDP packet may grow into: {@code xdp_data_hard_end}. */
    static final int XDP_HARD_END = PAGE_SIZE - SHINFO_SIZE;

    final Memory memory;
    final boolean xdp;
    /** The packet's region; replaced when the tail moves. */
    Region region;
    /** Offsets in {@link #region} of data_meta, data and data_end. */
    int meta, data, end;
    /** The Ethernet header eth_type_trans pulled (socket_filter, cgroup_skb), or null. */
    final byte[] pulledMac;
    private final Region ctx;
    private final int metaSlot, dataSlot, endSlot;

    /**
     * @param ctx the context region whose hidden slots (offsets, -1 for none) follow the packet
     */
    Packet(Memory memory, boolean xdp, Region region, int meta, int data, int end, byte[] pulledMac,
           Region ctx, int metaSlot, int dataSlot, int endSlot) {
        this.memory = memory;
        this.xdp = xdp;
        this.region = region;
        this.meta = meta;
        this.data = data;
        this.end = end;
        this.pulledMac = pulledMac;
        this.ctx = ctx;
        this.metaSlot = metaSlot;
        this.dataSlot = dataSlot;
        this.endSlot = endSlot;
        publish();
    }

    /** Bytes from data to data_end. */
    int length() {
        return end - data;
    }

    /** Stores the current data_meta, data and data_end addresses in the context's hidden slots. */
    void publish() {
        ByteBuffer b = ByteBuffer.wrap(ctx.bytes()).order(memory.byteOrder());
        if (metaSlot >= 0)
            b.putLong(metaSlot, region.base() + meta);
        if (dataSlot >= 0)
            b.putLong(dataSlot, region.base() + data);
        if (endSlot >= 0)
            b.putLong(endSlot, region.base() + end);
    }

    /** Moves data_end to {@code newEnd}: the region is reallocated to end there, grown bytes are zero. */
    void moveEnd(int newEnd) {
        byte[] bytes = new byte[newEnd];
        System.arraycopy(region.bytes(), 0, bytes, 0, Math.min(newEnd, end));
        region = memory.remap(region, bytes);
        end = newEnd;
    }

    /** A copy of region bytes {@code [from, to)}. */
    byte[] copy(int from, int to) {
        byte[] out = new byte[to - from];
        System.arraycopy(region.bytes(), from, out, 0, out.length);
        return out;
    }

    ByteOrder order() {
        return memory.byteOrder();
    }
}
