#!/usr/bin/env python3
"""Writes sample.pcap: 22 varied Ethernet frames for the xdp_parser demo.

Standard library only (no scapy). Classic pcap format (magic a1b2c3d4,
microsecond timestamps, little-endian, LINKTYPE_ETHERNET), deterministic:
running it again produces the same bytes. IPv4 header checksums and TCP/UDP/
ICMP/ICMPv6 checksums are correct. Frames are not padded to 60 bytes (as
captured on the sending host), so the two truncated frames stay truncated.

The last column of PACKETS is the verdict xdp_parser.c should give with its
defaults (blocked_udp_port 9, drop_malformed 0); it is written by hand and
repeated in ../expected/pcap/xdp_parser.sample.txt together with the counters.

Usage: python3 make_sample_pcap.py [OUT.pcap]   (default: sample.pcap here)
"""
import os
import struct
import sys

MAC_A = bytes.fromhex("02000000000a")
MAC_B = bytes.fromhex("02000000000b")
BROADCAST = b"\xff" * 6
LLDP_MCAST = bytes.fromhex("0180c200000e")

ETH_IP, ETH_IPV6, ETH_ARP, ETH_8021Q, ETH_8021AD, ETH_LLDP = 0x0800, 0x86DD, 0x0806, 0x8100, 0x88A8, 0x88CC
P_ICMP, P_TCP, P_UDP, P_GRE, P_ICMPV6, P_HOPOPT = 1, 6, 17, 47, 58, 0


def csum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ip4(a: str) -> bytes:
    return bytes(int(x) for x in a.split("."))


def ip6(a: str) -> bytes:
    head, _, tail = a.partition("::")
    h = [int(x, 16) for x in head.split(":") if x]
    t = [int(x, 16) for x in tail.split(":") if x]
    return struct.pack("!8H", *(h + [0] * (8 - len(h) - len(t)) + t))


def eth(dst, src, ethertype, payload, vlans=()):
    """Ethernet II frame; vlans: (tpid, vid) tags, outermost first. Each tag is
    TPID(2) TCI(2) on the wire; the inner ethertype follows the last tag."""
    out = dst + src
    for tpid, vid in vlans:
        out += struct.pack("!HH", tpid, vid & 0x0FFF)
    return out + struct.pack("!H", ethertype) + payload


def ipv4(src, dst, proto, payload, ident=1, ttl=64, frag_off=0, mf=False, options=b""):
    ihl = 5 + len(options) // 4
    flags_frag = (0x2000 if mf else 0) | (frag_off & 0x1FFF)
    hdr = struct.pack("!BBHHHBBH4s4s", (4 << 4) | ihl, 0, ihl * 4 + len(payload), ident,
                      flags_frag, ttl, proto, 0, ip4(src), ip4(dst)) + options
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, nexthdr, payload, hop_limit=64):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nexthdr, hop_limit, ip6(src), ip6(dst)) + payload


def pseudo4(src, dst, proto, length):
    return ip4(src) + ip4(dst) + struct.pack("!BBH", 0, proto, length)


def pseudo6(src, dst, proto, length):
    return ip6(src) + ip6(dst) + struct.pack("!IxxxB", length, proto)


def udp(sport, dport, data, pseudo):
    hdr = struct.pack("!HHHH", sport, dport, 8 + len(data), 0)
    c = csum(pseudo(P_UDP, 8 + len(data)) + hdr + data) or 0xFFFF
    return hdr[:6] + struct.pack("!H", c) + data


def tcp(sport, dport, flags, data, pseudo, seq=1000, ack=0):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    c = csum(pseudo(P_TCP, 20 + len(data)) + hdr + data)
    return hdr[:16] + struct.pack("!H", c) + hdr[18:] + data


def icmp4(typ, ident, seq, data):
    hdr = struct.pack("!BBHHH", typ, 0, 0, ident, seq)
    c = csum(hdr + data)
    return hdr[:2] + struct.pack("!H", c) + hdr[4:] + data


def icmp6(typ, ident, seq, data, src, dst):
    hdr = struct.pack("!BBHHH", typ, 0, 0, ident, seq)
    c = csum(pseudo6(src, dst, P_ICMPV6, len(hdr) + len(data)) + hdr + data)
    return hdr[:2] + struct.pack("!H", c) + hdr[4:] + data


def v4(src, dst):
    return lambda proto, length: pseudo4(src, dst, proto, length)


def v6(src, dst):
    return lambda proto, length: pseudo6(src, dst, proto, length)


SYN, ACK, PSH = 0x02, 0x10, 0x08
A4, B4, DNS4 = "10.0.0.1", "10.0.0.2", "192.0.2.53"
A6, B6 = "2001:db8::1", "2001:db8::2"
PING = bytes(range(32))


def arp_request():
    return struct.pack("!HHBBH6s4s6s4s", 1, ETH_IP, 6, 4, 1, MAC_A, ip4(A4), b"\0" * 6, ip4(B4))


def lldp():
    # chassis id (MAC), port id (ifname "eth0"), TTL 120, end
    def tlv(t, v):
        return struct.pack("!H", (t << 9) | len(v)) + v
    return tlv(1, b"\x04" + MAC_A) + tlv(2, b"\x05eth0") + tlv(3, struct.pack("!H", 120)) + tlv(0, b"")


def hop_by_hop(nexthdr, payload):
    # Hop-by-Hop Options header: next header, length 0 (8 bytes), PadN(4)... padded to 8 bytes
    return struct.pack("!BB", nexthdr, 0) + b"\x01\x04\0\0\0\0" + payload


# (description, frame, verdict) - verdicts written by hand from xdp_parser.c
PACKETS = [
    ("IPv4 TCP SYN 10.0.0.1:40000 -> 10.0.0.2:80",
     eth(MAC_B, MAC_A, ETH_IP, ipv4(A4, B4, P_TCP, tcp(40000, 80, SYN, b"", v4(A4, B4)), ident=1)), "XDP_PASS"),
    ("IPv4 TCP SYN-ACK 10.0.0.2:80 -> 10.0.0.1:40000",
     eth(MAC_A, MAC_B, ETH_IP, ipv4(B4, A4, P_TCP, tcp(80, 40000, SYN | ACK, b"", v4(B4, A4), seq=5000, ack=1001), ident=2)), "XDP_PASS"),
    ("IPv4 TCP data GET / (push)",
     eth(MAC_B, MAC_A, ETH_IP, ipv4(A4, B4, P_TCP, tcp(40000, 80, PSH | ACK, b"GET / HTTP/1.0\r\n\r\n", v4(A4, B4), seq=1001, ack=5001), ident=3)), "XDP_PASS"),
    ("IPv4 UDP DNS query 10.0.0.1:5353 -> 192.0.2.53:53",
     eth(MAC_B, MAC_A, ETH_IP, ipv4(A4, DNS4, P_UDP, udp(5353, 53, bytes.fromhex("123401000001000000000000076578616d706c6503636f6d0000010001"), v4(A4, DNS4)), ident=4)), "XDP_PASS"),
    ("IPv4 UDP to discard port 9",
     eth(MAC_B, MAC_A, ETH_IP, ipv4(A4, B4, P_UDP, udp(40001, 9, b"discard me", v4(A4, B4)), ident=5)), "XDP_DROP"),
    ("IPv4 UDP from port 9 to port 10 (source port does not matter)",
     eth(MAC_B, MAC_A, ETH_IP, ipv4(A4, B4, P_UDP, udp(9, 10, b"keep me", v4(A4, B4)), ident=6)), "XDP_PASS"),
    ("IPv4 ICMP echo request",
     eth(MAC_B, MAC_A, ETH_IP, ipv4(A4, B4, P_ICMP, icmp4(8, 0x77, 1, PING), ident=7)), "XDP_PASS"),
    ("IPv4 ICMP echo reply",
     eth(MAC_A, MAC_B, ETH_IP, ipv4(B4, A4, P_ICMP, icmp4(0, 0x77, 1, PING), ident=8)), "XDP_PASS"),
    ("IPv6 TCP SYN [2001:db8::1]:40002 -> [2001:db8::2]:443",
     eth(MAC_B, MAC_A, ETH_IPV6, ipv6(A6, B6, P_TCP, tcp(40002, 443, SYN, b"", v6(A6, B6)))), "XDP_PASS"),
    ("IPv6 UDP to discard port 9",
     eth(MAC_B, MAC_A, ETH_IPV6, ipv6(A6, B6, P_UDP, udp(40003, 9, b"discard me too", v6(A6, B6)))), "XDP_DROP"),
    ("IPv6 ICMPv6 echo request",
     eth(MAC_B, MAC_A, ETH_IPV6, ipv6(A6, B6, P_ICMPV6, icmp6(128, 0x66, 1, PING, A6, B6))), "XDP_PASS"),
    ("ARP who-has 10.0.0.2",
     eth(BROADCAST, MAC_A, ETH_ARP, arp_request()), "XDP_PASS"),
    ("802.1Q VLAN 100, IPv4 UDP to port 9",
     eth(MAC_B, MAC_A, ETH_IP, ipv4(A4, B4, P_UDP, udp(40004, 9, b"vlan discard", v4(A4, B4)), ident=9), vlans=[(ETH_8021Q, 100)]), "XDP_DROP"),
    ("802.1Q VLAN 100, IPv4 TCP SYN to port 22",
     eth(MAC_B, MAC_A, ETH_IP, ipv4(A4, B4, P_TCP, tcp(40005, 22, SYN, b"", v4(A4, B4)), ident=10), vlans=[(ETH_8021Q, 100)]), "XDP_PASS"),
    ("QinQ 802.1ad 200 / 802.1Q 100, IPv6 UDP NTP to port 123",
     eth(MAC_B, MAC_A, ETH_IPV6, ipv6(A6, B6, P_UDP, udp(123, 123, b"\x23" + b"\0" * 47, v6(A6, B6))), vlans=[(ETH_8021AD, 200), (ETH_8021Q, 100)]), "XDP_PASS"),
    ("IPv4 with 4 bytes of options (IHL 6), UDP to port 9",
     eth(MAC_B, MAC_A, ETH_IP, ipv4(A4, B4, P_UDP, udp(40006, 9, b"opts", v4(A4, B4)), ident=11, options=b"\x01\x01\x01\x00")), "XDP_DROP"),
    ("IPv4 first fragment (MF, offset 0), UDP to port 9",
     eth(MAC_B, MAC_A, ETH_IP, ipv4(A4, B4, P_UDP, struct.pack("!HHHH", 40007, 9, 2008, 0) + bytes(32), ident=12, mf=True)), "XDP_DROP"),
    ("IPv4 non-first fragment (offset 5 = 40 bytes), protocol UDP, L4 not parsed",
     eth(MAC_B, MAC_A, ETH_IP, ipv4(A4, B4, P_UDP, bytes(range(40, 72)), ident=12, frag_off=5)), "XDP_PASS"),
    ("IPv4 GRE (protocol 47)",
     eth(MAC_B, MAC_A, ETH_IP, ipv4(A4, B4, P_GRE, struct.pack("!HH", 0, ETH_IP) + ipv4("192.168.0.1", "192.168.0.2", P_ICMP, icmp4(8, 1, 1, b"")), ident=13)), "XDP_PASS"),
    ("IPv6 with Hop-by-Hop options header (next header 0), then UDP",
     eth(MAC_B, MAC_A, ETH_IPV6, ipv6(A6, B6, P_HOPOPT, hop_by_hop(P_UDP, udp(40008, 9, b"hbh", v6(A6, B6))))), "XDP_PASS"),
    ("LLDP (ethertype 0x88cc)",
     eth(LLDP_MCAST, MAC_A, ETH_LLDP, lldp()), "XDP_PASS"),
    ("truncated: IPv4 header cut after 10 bytes",
     eth(MAC_B, MAC_A, ETH_IP, ipv4(A4, B4, P_TCP, tcp(40009, 80, SYN, b"", v4(A4, B4)), ident=14)[:10]), "XDP_PASS"),
    ("truncated: IPv4 UDP header cut after 4 bytes",
     eth(MAC_B, MAC_A, ETH_IP, ipv4(A4, B4, P_UDP, udp(40010, 9, b"", v4(A4, B4)), ident=15)[:24]), "XDP_PASS"),
]


def write_pcap(path):
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    t0 = 1700000000  # 2023-11-14T22:13:20Z
    for i, (_, frame, _) in enumerate(PACKETS):
        out += struct.pack("<IIII", t0 + i, 1000 * i, len(frame), len(frame)) + frame
    with open(path, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    target = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "sample.pcap")
    write_pcap(target)
    for i, (desc, frame, verdict) in enumerate(PACKETS, 1):
        print("%2d %-9s %4d bytes  %s" % (i, verdict, len(frame), desc))
