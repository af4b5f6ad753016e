package dev.bpf4j.emulator;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * Generators of Ethernet frames for packet programs: random bytes of interesting sizes, and
 * frames built header by header (up to three VLAN tags, IPv4 with options and fragment
 * offsets, IPv6, TCP, UDP, ICMP, other protocols), with random fields where a parser looks
 * (EtherType, IHL, frag_off, protocol, ports), then sometimes cut short anywhere.
 */
final class EthernetFrames {
    static final int ETH_P_IP = 0x0800;
    static final int ETH_P_IPV6 = 0x86dd;
    static final int ETH_P_8021Q = 0x8100;
    static final int ETH_P_8021AD = 0x88a8;
    static final int ETH_P_ARP = 0x0806;
    /** Sizes at the edges of headers: below ETH_HLEN, Ethernet, +1, Ethernet+IPv4, +TCP, minimum frame, MTU. */
    static final List<Integer> EDGE_SIZES = List.of(0, 1, 13, 14, 15, 18, 22, 34, 42, 54, 60, 74, 1500);

    private EthernetFrames() {
    }

    /** Any frame: random bytes (2 in 10) or a structured frame (8 in 10). */
    static Arbitrary<byte[]> any() {
        return Arbitraries.frequencyOf(
                Tuple.of(2, randomBytes()),
                Tuple.of(8, structured()));
    }

    /** Random bytes, sized at an edge or anywhere in 0..1500. */
    static Arbitrary<byte[]> randomBytes() {
        Arbitrary<Integer> size = Arbitraries.oneOf(Arbitraries.of(EDGE_SIZES), Arbitraries.integers().between(0, 1500));
        return size.flatMap(n -> bytes(n));
    }

    /** Ethernet, 0-3 VLAN tags, a network layer; cut at a random length in 2 of 10 frames. */
    static Arbitrary<byte[]> structured() {
        Arbitrary<byte[]> macs = bytes(12);
        Arbitrary<List<byte[]>> vlans = Arbitraries.frequencyOf(
                Tuple.of(12, Arbitraries.just(0)),
                Tuple.of(5, Arbitraries.just(1)),
                Tuple.of(1, Arbitraries.just(2)),
                Tuple.of(1, Arbitraries.just(3)))
                .flatMap(n -> vlanTag().list().ofSize(n));
        Arbitrary<byte[]> network = Arbitraries.frequencyOf(
                Tuple.of(4, ipv4()),
                Tuple.of(3, ipv6()),
                Tuple.of(2, otherEtherType()));
        Arbitrary<Double> cut = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.just(1.0)),
                Tuple.of(2, Arbitraries.doubles().between(0, 1)));
        return Combinators.combine(macs, vlans, network, cut).as((m, v, n, c) -> {
            var out = new ByteArrayOutputStream();
            out.writeBytes(m);
            for (byte[] tag : v)
                out.writeBytes(tag);      // TPID, then the next layer's TCI and EtherType follow
            out.writeBytes(n);            // EtherType + payload
            byte[] frame = out.toByteArray();
            return Arrays.copyOf(frame, (int) Math.round(frame.length * c));
        });
    }

    /** A VLAN tag as it sits before the encapsulated EtherType: TPID (0x8100/0x88a8), TCI. */
    static Arbitrary<byte[]> vlanTag() {
        return Combinators.combine(Arbitraries.of(ETH_P_8021Q, ETH_P_8021AD), Arbitraries.shorts())
                .as((tpid, tci) -> ByteBuffer.allocate(4).putShort((short) (int) tpid).putShort(tci).array());
    }

    /** EtherType 0x0800 and an IPv4 header (IHL 0-15, mostly 5), options, a layer 4. */
    static Arbitrary<byte[]> ipv4() {
        Arbitrary<Integer> ihl = Arbitraries.frequencyOf(
                Tuple.of(6, Arbitraries.just(5)),
                Tuple.of(3, Arbitraries.integers().between(6, 15)),
                Tuple.of(1, Arbitraries.integers().between(0, 4)));
        Arbitrary<Integer> version = Arbitraries.frequencyOf(
                Tuple.of(9, Arbitraries.just(4)),
                Tuple.of(1, Arbitraries.integers().between(0, 15)));
        // frag_off: flags DF (0x4000), MF (0x2000), offset (0x1fff) - only the offset matters to the parser
        Arbitrary<Integer> fragOff = Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.just(0)),
                Tuple.of(2, Arbitraries.of(0x4000, 0x2000, 0x8000, 0xe000)),
                Tuple.of(2, Arbitraries.integers().between(1, 0x1fff)),
                Tuple.of(1, Arbitraries.integers().between(0, 0xffff)));
        return protocol().flatMap(proto -> Combinators.combine(version, ihl, fragOff, bytes(20), layer4(proto))
                .as((ver, words, frag, rnd, l4) -> {
                    int len = Math.max(words, 5) * 4;
                    ByteBuffer b = ByteBuffer.allocate(2 + len + l4.length);
                    b.putShort((short) ETH_P_IP);
                    byte[] h = Arrays.copyOf(rnd, len);      // tos, tot_len, id, ttl, check, addresses: random
                    h[0] = (byte) (ver << 4 | words);
                    h[6] = (byte) (frag >> 8);
                    h[7] = (byte) (int) frag;
                    h[9] = (byte) (int) proto;
                    for (int i = 20; i < len; i++)            // options: a repeating pattern of the random bytes
                        h[i] = rnd[i % 20];
                    b.put(h).put(l4);
                    return b.array();
                }));
    }

    /** EtherType 0x86dd and a fixed IPv6 header, a layer 4 (or what follows an extension header). */
    static Arbitrary<byte[]> ipv6() {
        return protocol().flatMap(next -> Combinators.combine(bytes(40), layer4(next)).as((h, l4) -> {
            h[0] = (byte) (0x60 | h[0] & 0x0f);
            h[6] = (byte) (int) next;
            return ByteBuffer.allocate(2 + 40 + l4.length).putShort((short) ETH_P_IPV6).put(h).put(l4).array();
        }));
    }

    /** ARP, LLDP or any EtherType, with a random payload. */
    static Arbitrary<byte[]> otherEtherType() {
        Arbitrary<Integer> type = Arbitraries.oneOf(Arbitraries.of(ETH_P_ARP, 0x88cc, 0x0000, 0xffff, 0x0801, 0x86dc),
                Arbitraries.integers().between(0, 0xffff));
        return Combinators.combine(type, payload())
                .as((t, p) -> ByteBuffer.allocate(2 + p.length).putShort((short) (int) t).put(p).array());
    }

    /** IP protocol numbers: ICMP, TCP, UDP, ICMPv6 mostly; IPv6 extension headers, anything. */
    static Arbitrary<Integer> protocol() {
        return Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.of(1, 6, 17, 58)),
                Tuple.of(1, Arbitraries.of(0, 43, 44, 50, 59, 255)),
                Tuple.of(1, Arbitraries.integers().between(0, 255)));
    }

    /** The layer 4 header for {@code proto}: TCP 20 bytes, UDP 8 (destination often 9 or 53), else bytes. */
    static Arbitrary<byte[]> layer4(int proto) {
        return switch (proto) {
            case 6 -> Combinators.combine(bytes(20), payload()).as((h, p) -> concat(h, p));
            case 17 -> {
                Arbitrary<Integer> port = Arbitraries.frequencyOf(
                        Tuple.of(3, Arbitraries.just(9)),
                        Tuple.of(1, Arbitraries.of(53, 0x0900, 0xffff, 0)),
                        Tuple.of(3, Arbitraries.integers().between(0, 0xffff)));
                yield Combinators.combine(bytes(8), port, payload()).as((h, dst, p) -> {
                    h[2] = (byte) (dst >> 8);
                    h[3] = (byte) (int) dst;
                    return concat(h, p);
                });
            }
            default -> payload();
        };
    }

    /** Data after the headers: none, a little, or up to a full frame's worth. */
    static Arbitrary<byte[]> payload() {
        return Arbitraries.oneOf(Arbitraries.of(0, 1, 8), Arbitraries.integers().between(0, 64),
                Arbitraries.integers().between(0, 1400)).flatMap(EthernetFrames::bytes);
    }

    /** What a frame looks like to a parser, for statistics: "vlan ipv4 udp:9", "ipv6 tcp", "short"... */
    static String kind(byte[] f) {
        if (f.length < 14)
            return "shorter than Ethernet";
        StringBuilder k = new StringBuilder();
        int p = 12;
        int type = u16(f, p);
        while ((type == ETH_P_8021Q || type == ETH_P_8021AD) && p + 6 <= f.length) {
            k.append("vlan ");
            p += 4;
            type = u16(f, p);
        }
        p += 2;
        int proto;
        if (type == ETH_P_IP && p + 20 <= f.length) {
            k.append("ipv4 ");
            if ((u16(f, p + 6) & 0x1fff) != 0)
                return k.append("fragment").toString();
            proto = f[p + 9] & 0xff;
            p += (f[p] & 0x0f) * 4;
        } else if (type == ETH_P_IPV6 && p + 40 <= f.length) {
            k.append("ipv6 ");
            proto = f[p + 6] & 0xff;
            p += 40;
        } else {
            return k.append(type == ETH_P_IP || type == ETH_P_IPV6 ? "truncated ip" : "other").toString();
        }
        return k.append(switch (proto) {
            case 6 -> "tcp";
            case 17 -> p + 8 <= f.length && u16(f, p + 2) == 9 ? "udp to 9" : "udp";
            case 1, 58 -> "icmp";
            default -> "proto " + proto;
        }).toString();
    }

    private static int u16(byte[] f, int at) {
        return (f[at] & 0xff) << 8 | f[at + 1] & 0xff;
    }

    static Arbitrary<byte[]> bytes(int n) {
        return Arbitraries.bytes().array(byte[].class).ofSize(n);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
