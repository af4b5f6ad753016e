package dev.bpf4j.linux;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Ethernet frames for test runs: mostly well-formed IPv4 (TCP, UDP, ICMP, other protocols;
 * options now and then) and IPv6, some VLAN-tagged, ARP or of random EtherType, truncated or
 * padded at random, so that the programs' parsers take every branch, bounds checks included.
 */
final class Frames {
    private Frames() {
    }

    static Arbitrary<byte[]> any() {
        Arbitrary<Integer> etherType = Arbitraries.frequencyOf(Tuple.of(6, Arbitraries.just(0x0800)), Tuple.of(2, Arbitraries.just(0x86dd)),
                Tuple.of(1, Arbitraries.just(0x8100)), Tuple.of(1, Arbitraries.just(0x0806)), Tuple.of(1, Arbitraries.integers().between(0, 0xffff)));
        Arbitrary<Integer> proto = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(6)), Tuple.of(4, Arbitraries.just(17)),
                Tuple.of(2, Arbitraries.just(1)), Tuple.of(1, Arbitraries.integers().between(0, 255)));
        Arbitrary<Integer> ihl = Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just(5)), Tuple.of(2, Arbitraries.integers().between(0, 15)));
        Arbitrary<byte[]> body = Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(160);
        Arbitrary<Integer> cut = Arbitraries.frequencyOf(Tuple.of(8, Arbitraries.just(-1)), Tuple.of(2, Arbitraries.integers().between(0, 80)));
        return Combinators.combine(etherType, proto, ihl, body, cut).as(Frames::frame);
    }

    /** A frame: MACs and payload from {@code body}, the header fields given, cut to {@code cut} bytes when not -1. */
    static byte[] frame(int etherType, int proto, int ihl, byte[] body, int cut) {
        int l3 = etherType == 0x86dd ? 40 : etherType == 0x8100 ? 4 + 20 : 20 + Math.max(0, ihl - 5) * 4;
        byte[] f = new byte[14 + l3 + 20 + body.length];
        System.arraycopy(body, 0, f, f.length - body.length, body.length);
        for (int i = 0; i < 12; i++)
            f[i] = body.length > i ? body[i] : (byte) (0x10 + i);
        f[12] = (byte) (etherType >> 8);
        f[13] = (byte) etherType;
        int ip = 14;
        if (etherType == 0x8100) {                // VLAN tag, then IPv4
            f[14] = 0;
            f[15] = 5;
            f[16] = 0x08;
            f[17] = 0;
            ip = 18;
        }
        if (etherType == 0x0800 || etherType == 0x8100) {
            f[ip] = (byte) (0x40 | ihl);
            int total = f.length - ip;
            f[ip + 2] = (byte) (total >> 8);
            f[ip + 3] = (byte) total;
            f[ip + 8] = body.length > 0 ? body[0] : 64;   // TTL, 0 and 1 included
            f[ip + 9] = (byte) proto;
        } else if (etherType == 0x86dd) {
            f[ip] = 0x60;
            int payload = f.length - ip - 40;
            f[ip + 4] = (byte) (payload >> 8);
            f[ip + 5] = (byte) payload;
            f[ip + 6] = (byte) proto;
            f[ip + 7] = 64;
        }
        if (cut >= 0 && cut < f.length)
            return java.util.Arrays.copyOf(f, Math.max(cut, 14));
        return f;
    }
}
