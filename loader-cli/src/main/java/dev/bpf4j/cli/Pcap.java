package dev.bpf4j.cli;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the frames of a packet capture: classic pcap (either byte order, microsecond or
 * nanosecond magic) and pcapng (section header, interface description, enhanced and
 * simple packet blocks; other blocks are skipped). Only Ethernet captures (link type 1)
 * are accepted, since XDP and tc programs see Ethernet frames.
 *
 * <pre>{@code
 * List<byte[]> frames = Pcap.frames("sample.pcap", Files.readAllBytes(path));
 * }</pre>
 *
 * Every length is checked against the file before use: a truncated or hostile file is a
 * {@link FormatException} naming the file, the record and the offset.
 */
final class Pcap {
    static final int LINKTYPE_ETHERNET = 1;
    /** The largest frame accepted: a snap length of 256 KiB, as tcpdump's maximum. */
    static final int MAX_FRAME = 262_144;

    /** The capture is malformed or unsupported. */
    static final class FormatException extends RuntimeException {
        FormatException(String message) {
            super(message);
        }
    }

    private Pcap() {
    }

    /** The frames of {@code bytes}, the contents of the capture file {@code name}. */
    static List<byte[]> frames(String name, byte[] bytes) {
        if (bytes.length < 4)
            throw new FormatException(name + ": not a capture file (" + bytes.length + " bytes)");
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic == 0x0a0d0d0a)
            return pcapng(name, b);
        if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
            b.order(ByteOrder.BIG_ENDIAN);
        else if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d)
            throw new FormatException(String.format("%s: not a pcap or pcapng file (magic 0x%08x)", name, magic));
        if (bytes.length < 24)
            throw new FormatException(name + ": pcap header truncated (" + bytes.length + " of 24 bytes)");
        int link = b.getInt(20) & 0x0fffffff; // the top bits may carry FCS information
        checkLink(name, link);
        var out = new ArrayList<byte[]>();
        int p = 24;
        while (p < bytes.length) {
            int record = out.size() + 1;
            if (bytes.length - p < 16)
                throw new FormatException(String.format("%s: record %d: header truncated at offset %d", name, record, p));
            long incl = b.getInt(p + 8) & 0xffffffffL;
            if (incl > MAX_FRAME)
                throw new FormatException(String.format("%s: record %d at offset %d: captured length %d exceeds %d",
                        name, record, p, incl, MAX_FRAME));
            if (incl > bytes.length - p - 16)
                throw new FormatException(String.format("%s: record %d at offset %d: captured length %d runs past the end of the file",
                        name, record, p, incl));
            byte[] frame = new byte[(int) incl];
            System.arraycopy(bytes, p + 16, frame, 0, frame.length);
            out.add(frame);
            p += 16 + (int) incl;
        }
        return out;
    }

    private static List<byte[]> pcapng(String name, ByteBuffer b) {
        var out = new ArrayList<byte[]>();
        var links = new ArrayList<Integer>();
        int n = b.capacity();
        int p = 0;
        while (p < n) {
            if (n - p < 12)
                throw new FormatException(String.format("%s: pcapng block at offset %d truncated", name, p));
            int type = b.getInt(p);
            if (type == 0x0a0d0d0a) { // section header: its byte-order magic decides the order of what follows
                int bom = b.getInt(p + 8);
                if (bom == 0x4d3c2b1a)
                    b.order(b.order() == ByteOrder.LITTLE_ENDIAN ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
                else if (bom != 0x1a2b3c4d)
                    throw new FormatException(String.format("%s: pcapng section at offset %d: bad byte-order magic 0x%08x", name, p, bom));
                links.clear();
            }
            long length = b.getInt(p + 4) & 0xffffffffL;
            if (length < 12 || length % 4 != 0 || length > n - p)
                throw new FormatException(String.format("%s: pcapng block at offset %d: length %d is %s", name, p, length,
                        length > n - p ? "past the end of the file" : "invalid"));
            int body = p + 8;
            int bodyLength = (int) length - 12;
            switch (type) {
                case 1 -> { // interface description: link type
                    if (bodyLength < 8)
                        throw new FormatException(String.format("%s: interface block at offset %d truncated", name, p));
                    int link = b.getShort(body) & 0xffff;
                    checkLink(name, link);
                    links.add(link);
                }
                case 6 -> { // enhanced packet: interface, timestamp, captured length, original length, data
                    if (bodyLength < 20)
                        throw new FormatException(String.format("%s: packet block at offset %d truncated", name, p));
                    int iface = b.getInt(body);
                    if (iface < 0 || iface >= links.size())
                        throw new FormatException(String.format("%s: packet block at offset %d names interface %d of %d",
                                name, p, iface, links.size()));
                    long captured = b.getInt(body + 12) & 0xffffffffL;
                    out.add(packet(name, b, p, body + 20, captured, bodyLength - 20));
                }
                case 3 -> { // simple packet: original length, data (captured = what fits)
                    if (links.isEmpty())
                        throw new FormatException(String.format("%s: simple packet block at offset %d before any interface", name, p));
                    if (bodyLength < 4)
                        throw new FormatException(String.format("%s: packet block at offset %d truncated", name, p));
                    long original = b.getInt(body) & 0xffffffffL;
                    out.add(packet(name, b, p, body + 4, Math.min(original, bodyLength - 4), bodyLength - 4));
                }
                default -> { } // statistics, name resolution, custom blocks
            }
            p += (int) length;
        }
        return out;
    }

    private static byte[] packet(String name, ByteBuffer b, int block, int at, long captured, int room) {
        if (captured > MAX_FRAME)
            throw new FormatException(String.format("%s: packet block at offset %d: captured length %d exceeds %d", name, block, captured, MAX_FRAME));
        if (captured > room)
            throw new FormatException(String.format("%s: packet block at offset %d: captured length %d exceeds the block", name, block, captured));
        byte[] frame = new byte[(int) captured];
        b.get(at, frame);
        return frame;
    }

    private static void checkLink(String name, int link) {
        if (link != LINKTYPE_ETHERNET)
            throw new FormatException(name + ": link type " + link + " is not Ethernet (1); XDP and tc programs see Ethernet frames");
    }
}
