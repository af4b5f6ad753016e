package dev.bpf4j.emulator;

import dev.bpf4j.Bpf4j;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.loader.VariableSpec;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * xdp_parser.o (bpfel and bpfeb) loaded through {@code Bpf4j.open(path).load()} into the
 * default backend, run over testdata/pcap/sample.pcap, against the hand-written
 * expectations in testdata/expected/pcap/xdp_parser.sample.txt.
 */
class XdpParserBackendTest {
    static final int XDP_DROP = 1;
    static final int XDP_PASS = 2;
    static final List<String> COUNTERS = List.of("CNT_TOTAL", "CNT_VLAN", "CNT_IPV4", "CNT_IPV6", "CNT_TCP", "CNT_UDP",
            "CNT_ICMP", "CNT_OTHER_L4", "CNT_NON_IP", "CNT_FRAGMENT", "CNT_MALFORMED", "CNT_DROPPED");

    @TempDir
    Path dir;

    LoadedObject load(Target target) throws IOException {
        Path file = dir.resolve("xdp_parser.o");
        Files.write(file, TestObjects.object("xdp_parser", target));
        return Bpf4j.open(file).load();
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void sampleCaptureMatchesHandWrittenExpectations(Target target) throws IOException {
        var verdicts = new TreeMap<Integer, Integer>();
        var counters = new TreeMap<Integer, Long>();
        var protos = new TreeMap<Long, Long>();
        long totalBytes = -1;
        for (String line : TestObjects.expected("pcap/xdp_parser.sample").lines().toList()) {
            String[] f = line.strip().split("\\s+");
            if (line.isBlank() || line.startsWith("#"))
                continue;
            switch (f[0]) {
                case "packet": verdicts.put(Integer.parseInt(f[1]), f[2].equals("XDP_DROP") ? XDP_DROP : XDP_PASS); break;
                case "counter": counters.put(Integer.parseInt(f[2]), Long.parseLong(f[3])); break;
                case "ip_proto": protos.put(Long.parseLong(f[1]), Long.parseLong(f[2])); break;
                case "var": totalBytes = Long.parseLong(f[2]); break;
                default: throw new IllegalStateException(line);
            }
        }
        List<byte[]> frames = TestObjects.pcapFrames("pcap/sample.pcap");
        assertEquals(verdicts.size(), frames.size());
        try (LoadedObject obj = load(target)) {
            var prog = obj.program("xdp_parser");
            long sum = 0;
            for (int i = 0; i < frames.size(); i++) {
                TestRunResult r = prog.testRun(TestRun.ofData(frames.get(i)));
                assertEquals(verdicts.get(i + 1), r.retval(), "verdict of packet " + (i + 1));
                assertArrayEquals(frames.get(i), r.dataOut(), "the parser does not change packet " + (i + 1));
                sum += frames.get(i).length;
            }
            MapHandle pkt = obj.map("pkt_count");
            for (var e : counters.entrySet())
                assertEquals(e.getValue(), pkt.lookupLong(e.getKey()).orElseThrow(), COUNTERS.get(e.getKey()));
            MapHandle ipProto = obj.map("ip_proto_count");
            var actual = new TreeMap<Long, Long>();
            for (MapHandle.Entry e : ipProto.entries())
                actual.put(MapHandle.decode(e.key(), ipProto.byteOrder()), MapHandle.decode(e.value(), ipProto.byteOrder()));
            assertEquals(protos, actual);
            VariableSpec tb = Bpf4j.open(dir.resolve("xdp_parser.o")).spec().variable("total_bytes").orElseThrow();
            MapHandle bss = obj.map(tb.map());
            byte[] value = bss.lookup(0L).orElseThrow();
            long v = ByteBuffer.wrap(value).order(bss.byteOrder()).getLong((int) tb.offset());
            assertEquals(totalBytes, v);
            assertEquals(sum, v);
        }
    }

    /** Ethernet + IPv4 + UDP/TCP header, as the hand-built fallback of the brief. */
    static byte[] ipv4(int proto, int dstPort) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 20).order(ByteOrder.BIG_ENDIAN);
        b.put(new byte[12]).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 40).putShort((short) 1).putShort((short) 0)
                .put((byte) 64).put((byte) proto).putShort((short) 0).putInt(0x0a000001).putInt(0x0a000002);
        b.putShort((short) 1234).putShort((short) dstPort);
        return b.array();
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void udpToPort9IsDroppedAndTcpPasses(Target target) throws IOException {
        try (LoadedObject obj = load(target)) {
            var prog = obj.program("xdp_parser");
            assertEquals(XDP_DROP, prog.testRun(TestRun.ofData(ipv4(17, 9))).retval());
            assertEquals(XDP_PASS, prog.testRun(TestRun.ofData(ipv4(6, 9))).retval());
            assertEquals(XDP_PASS, prog.testRun(TestRun.ofData(ipv4(17, 53))).retval());
            MapHandle pkt = obj.map("pkt_count");
            assertEquals(3, pkt.lookupLong(0).orElseThrow());  // CNT_TOTAL
            assertEquals(3, pkt.lookupLong(2).orElseThrow());  // CNT_IPV4
            assertEquals(1, pkt.lookupLong(4).orElseThrow());  // CNT_TCP
            assertEquals(2, pkt.lookupLong(5).orElseThrow());  // CNT_UDP
            assertEquals(1, pkt.lookupLong(11).orElseThrow()); // CNT_DROPPED
            MapHandle protos = obj.map("ip_proto_count");
            assertEquals(2, protos.lookupLong(17).orElseThrow());
            assertEquals(1, protos.lookupLong(6).orElseThrow());
            assertTrue(protos.lookupLong(1).isEmpty());
        }
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void repeatRunsTheProgramThatManyTimes(Target target) throws IOException {
        try (LoadedObject obj = load(target)) {
            TestRunResult r = obj.program("xdp_parser").testRun(TestRun.ofData(ipv4(6, 80)).withRepeat(10));
            assertEquals(XDP_PASS, r.retval());
            assertEquals(10, obj.map("pkt_count").lookupLong(0).orElseThrow());
            assertTrue(r.durationNs() >= 0);
            ByteBuffer ctx = ByteBuffer.wrap(r.ctxOut()).order(obj.map("pkt_count").byteOrder());
            assertEquals(0, ctx.getInt(0));       // data: no metadata
            assertEquals(54, ctx.getInt(4));      // data_end: the packet size
            assertEquals(1, ctx.getInt(12));      // ingress_ifindex: loopback, as the kernel
        }
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void changedRodataChangesTheFilter(Target target) throws IOException {
        var spec = dev.bpf4j.loader.ObjectTemplate.of(dev.bpf4j.loader.SpecReader.read("xdp_parser.o",
                TestObjects.object("xdp_parser", target)));
        spec.variable("blocked_udp_port").set(53);
        try (LoadedObject obj = new Bpf4j.OpenObject(spec.spec(), dev.bpf4j.loader.LinkOptions.defaults()).load()) {
            var prog = obj.program("xdp_parser");
            assertEquals(XDP_PASS, prog.testRun(TestRun.ofData(ipv4(17, 9))).retval());
            assertEquals(XDP_DROP, prog.testRun(TestRun.ofData(ipv4(17, 53))).retval());
        }
    }
}
