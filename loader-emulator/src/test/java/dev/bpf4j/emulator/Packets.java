package dev.bpf4j.emulator;

import java.nio.ByteBuffer;

/**
 * Ethernet frames for the test runs, and the Internet checksum computed by its definition
 * (RFC 1071: the one's complement of the one's complement sum of the 16-bit big-endian
 * words), independently of the emulator's {@code Checksum}.
 */
final class Packets {
    static final int ETH_HLEN = 14, IP_CSUM = 14 + 10, IP_SADDR = 14 + 12, IP_DADDR = 14 + 16, TCP_CSUM = 14 + 20 + 16,
            UDP_CSUM = 14 + 20 + 6;

    private Packets() {
    }

    /** RFC 1071 over {@code len} bytes at {@code off}, plus {@code initial} (a pseudo-header sum). */
    static int rfc1071(byte[] b, int off, int len, long initial) {
        long sum = initial;
        for (int i = 0; i < len; i += 2) {
            int hi = b[off + i] & 0xff;
            int lo = i + 1 < len ? b[off + i + 1] & 0xff : 0;
            sum += hi << 8 | lo;
        }
        while ((sum >> 16) != 0)
            sum = (sum & 0xffff) + (sum >> 16);
        return (int) (~sum & 0xffff);
    }

    /** An Ethernet + IPv4 + TCP (proto 6) or UDP (17) frame to {@code dst} MAC, port 80, with correct checksums. */
    static byte[] ipv4(int proto, byte[] dstMac, byte[] saddr, byte[] daddr, byte[] payload) {
        return ipv4(proto, 80, 64, dstMac, saddr, daddr, payload);
    }

    /** The same to port {@code dport} with time-to-live {@code ttl}. */
    static byte[] ipv4(int proto, int dport, int ttl, byte[] dstMac, byte[] saddr, byte[] daddr, byte[] payload) {
        int l4 = proto == 6 ? 20 : 8;
        byte[] f = new byte[14 + 20 + l4 + payload.length];
        System.arraycopy(dstMac, 0, f, 0, 6);
        f[6] = 2; // a locally administered source
        f[12] = 0x08;
        ByteBuffer b = ByteBuffer.wrap(f);
        b.put(14, (byte) 0x45);
        b.putShort(16, (short) (20 + l4 + payload.length));
        b.putShort(18, (short) 0x1234);
        b.put(22, (byte) ttl);
        b.put(23, (byte) proto);
        System.arraycopy(saddr, 0, f, IP_SADDR, 4);
        System.arraycopy(daddr, 0, f, IP_DADDR, 4);
        b.putShort(34, (short) 40000);
        b.putShort(36, (short) dport);
        if (proto == 6) {
            b.putInt(38, 1);
            b.put(46, (byte) 0x50);
            b.put(47, (byte) 0x18);
            b.putShort(48, (short) 1024);
        } else {
            b.putShort(38, (short) (8 + payload.length));
        }
        System.arraycopy(payload, 0, f, 34 + l4, payload.length);
        b.putShort(IP_CSUM, (short) rfc1071(f, 14, 20, 0));
        b.putShort(proto == 6 ? TCP_CSUM : UDP_CSUM, (short) l4Checksum(f));
        return f;
    }

    static byte[] tcp(byte[] saddr, byte[] daddr) {
        return ipv4(6, new byte[6], saddr, daddr, "hello, checksum".getBytes());
    }

    /** The TCP/UDP checksum over the IPv4 pseudo-header and the segment as the frame has it (checksum field included). */
    static int l4Sum(byte[] f) {
        int len = f.length - 34;
        long pseudo = 0;
        for (int i = IP_SADDR; i < IP_SADDR + 8; i += 2)
            pseudo += (f[i] & 0xff) << 8 | (f[i + 1] & 0xff);
        pseudo += f[23] & 0xff;
        pseudo += len;
        return rfc1071(f, 34, len, pseudo);
    }

    /** The checksum to store: l4Sum with the checksum field zeroed. */
    static int l4Checksum(byte[] f) {
        byte[] g = f.clone();
        int at = (f[23] & 0xff) == 6 ? TCP_CSUM : UDP_CSUM;
        g[at] = 0;
        g[at + 1] = 0;
        return l4Sum(g);
    }

    /** Whether the IPv4 header checksum verifies (RFC 1071: the sum over the header is all ones). */
    static boolean ipValid(byte[] f) {
        return rfc1071(f, 14, 20, 0) == 0;
    }

    static boolean l4Valid(byte[] f) {
        return l4Sum(f) == 0;
    }

    /** A frame of {@code n} bytes with EtherType {@code type} and a pattern after the header. */
    static byte[] frame(int n, int type) {
        byte[] f = new byte[n];
        for (int i = 14; i < n; i++)
            f[i] = (byte) i;
        f[12] = (byte) (type >> 8);
        f[13] = (byte) type;
        return f;
    }
}
