package dev.bpf4j.scenarios;

import dev.bpf4j.backend.Hook;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Seed 000's dynencap (testdata dynencap_{old,new,migration}.c): key = a socket, named by
 * its local UDP port {@code PORT_BASE + key}; value = the outer addresses its packets get,
 * derived from the int: saddr 10.hi.lo.1, daddr 192.168.hi.lo.
 */
record Dynencap(ByteOrder order) implements Scenario {
    static final int SOL_DYNENCAP = 0x454e, SET = 1, CLEAR = 2;
    static final int PORT_BASE = 40000;
    /** Where the addresses sit in the test packet: Ethernet (14) + IPv4 saddr offset (12). */
    static final int ADDRS_AT = 26;
    /** The packet's own addresses, before encapsulation: 100.64.0.1 -> 100.64.0.2. */
    static final byte[] PLAIN_ADDRS = {100, 64, 0, 1, 100, 64, 0, 2};
    /** Offset of {@code mark} in {@code struct __sk_buff}. */
    static final int SKB_MARK = 8;

    @Override
    public String name() {
        return "dynencap";
    }

    @Override
    public String map() {
        return "dynencap_map";
    }

    @Override
    public String writerProgram() {
        return "dynencap_setsockopt";
    }

    @Override
    public String readerProgram() {
        return "dynencap_egress";
    }

    @Override
    public Hook writerHook() {
        return Hook.of("cgroup/setsockopt");
    }

    @Override
    public Hook readerHook() {
        return Hook.of("tc/egress");
    }

    @Override
    public int maxKeys() {
        return 64; // the old map's capacity
    }

    static byte[] saddr(int value) {
        return new byte[] {10, (byte) (value >>> 8), (byte) value, 1};
    }

    static byte[] daddr(int value) {
        return new byte[] {(byte) 192, (byte) 168, (byte) (value >>> 8), (byte) value};
    }

    static int sockId(int key) {
        return PORT_BASE + key;
    }

    private TestRun request(int optname, int key, int value) {
        byte[] req = Bytes.buffer(12, order).putInt(0, sockId(key)).put(4, saddr(value)).put(8, daddr(value)).array();
        return new TestRun(req, Bytes.sockopt(order, SOL_DYNENCAP, optname, req.length, 0), 1);
    }

    @Override
    public TestRun set(int key, int value) {
        return request(SET, key, value);
    }

    @Override
    public TestRun clear(int key) {
        return request(CLEAR, key, 0);
    }

    @Override
    public byte[] oldKey(int key) {
        return Bytes.buffer(4, order).putInt(sockId(key)).array();
    }

    @Override
    public byte[] oldValue(int key, int value) {
        return Bytes.buffer(8, order).put(saddr(value)).put(daddr(value)).array();
    }

    @Override
    public byte[] newKey(int key) {
        return oldKey(key);
    }

    @Override
    public byte[] newValue(int key, int value) {
        return Bytes.buffer(12, order).put(daddr(value)).put(saddr(value)).putInt(sockId(key)).array();
    }

    /** An Ethernet/IPv4/UDP packet from port {@code PORT_BASE + key}, with a correct header checksum. */
    static byte[] packet(int key) {
        ByteBuffer p = ByteBuffer.allocate(14 + 20 + 8 + 4); // network order
        p.put(new byte[] {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}).putShort((short) 0x0800);
        p.put((byte) 0x45).put((byte) 0).putShort((short) 32).putShort((short) 7).putShort((short) 0)
                .put((byte) 64).put((byte) 17).putShort((short) 0).put(PLAIN_ADDRS);
        p.putShort((short) sockId(key)).putShort((short) 4789).putShort((short) 12).putShort((short) 0);
        p.put(new byte[] {'d', 'a', 't', 'a'});
        byte[] b = p.array();
        int sum = ipChecksumSum(b);
        b[24] = (byte) (~sum >>> 8);
        b[25] = (byte) ~sum;
        return b;
    }

    /** The one's complement sum of the IPv4 header's 16-bit words (0xffff when its checksum is right). */
    static int ipChecksumSum(byte[] frame) {
        int sum = 0;
        for (int i = 14; i < 34; i += 2)
            sum += ((frame[i] & 0xff) << 8) | (frame[i + 1] & 0xff);
        while (sum > 0xffff)
            sum = (sum & 0xffff) + (sum >>> 16);
        return sum;
    }

    @Override
    public TestRun read(int key) {
        return TestRun.ofData(packet(key));
    }

    @Override
    public Optional<String> checkRead(int key, Optional<Integer> value, TestRunResult r) {
        byte[] out = r.dataOut();
        byte[] addrs = Arrays.copyOfRange(out, ADDRS_AT, ADDRS_AT + 8);
        byte[] want = value.map(v -> ByteBuffer.allocate(8).put(saddr(v)).put(daddr(v)).array()).orElse(PLAIN_ADDRS);
        int mark = Bytes.u32(r.ctxOut(), SKB_MARK, order);
        var hex = HexFormat.ofDelimiter(".");
        if (r.retval() != 0)
            return Optional.of("socket " + sockId(key) + ": verdict " + r.retval() + ", expected TC_ACT_OK (0)");
        if (!Arrays.equals(addrs, want) || mark != (value.isPresent() ? 1 : 0))
            return Optional.of("socket " + sockId(key) + " " + (value.isPresent() ? "set to " + value.get() : "cleared")
                    + ": packet addresses " + hex.formatHex(addrs) + " mark " + mark + ", expected " + hex.formatHex(want)
                    + " mark " + (value.isPresent() ? 1 : 0));
        if (ipChecksumSum(out) != 0xffff)
            return Optional.of("socket " + sockId(key) + ": IPv4 header checksum is wrong after the rewrite");
        return Optional.empty();
    }
}
