package dev.bpf4j.emulator;

import dev.bpf4j.Bpf4j;
import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TypedMap;
import dev.bpf4j.backend.UpdateFlag;
import dev.bpf4j.btf.BtfDumper;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Typed map access on maps the emulator created and a program wrote: xdp_parser.o's counters
 * and its .rodata and .bss, in both byte orders, read and written as Java values.
 */
class TypedMapEmulatorTest {

    /** Ethernet + IPv4 + a UDP/TCP header start: what xdp_parser counts. */
    private static byte[] ipv4(int proto, int dstPort) {
        ByteBuffer b = ByteBuffer.allocate(14 + 20 + 20).order(ByteOrder.BIG_ENDIAN);
        b.put(new byte[12]).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) 40).putShort((short) 1).putShort((short) 0)
                .put((byte) 64).put((byte) proto).putShort((short) 0).putInt(0x0a000001).putInt(0x0a000002);
        b.putShort((short) 1234).putShort((short) dstPort);
        return b.array();
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void countersReadAndWrittenAsJavaValues(Target target, @TempDir Path dir) throws Exception {
        Path file = dir.resolve("xdp_parser.o");
        Files.write(file, TestObjects.object("xdp_parser", target));
        Bpf4j.OpenObject open = Bpf4j.open(file);
        try (LoadedObject obj = open.load()) {
            for (int i = 0; i < 3; i++)
                obj.program("xdp_parser").testRun(TestRun.ofData(ipv4(17, 53)));
            obj.program("xdp_parser").testRun(TestRun.ofData(ipv4(6, 80)));

            TypedMap protos = obj.map("ip_proto_count").typed(open.spec());
            assertEquals(Optional.of(3L), protos.lookup(17));
            assertEquals(Optional.of(1L), protos.lookup(6L));
            assertEquals(List.of(new TypedMap.Entry(17L, 3L), new TypedMap.Entry(6L, 1L)),
                    protos.entries().stream().sorted((a, b) -> Long.compare((Long) b.key(), (Long) a.key())).toList());
            protos.update(1, 100, UpdateFlag.NOEXIST);
            assertEquals(100L, protos.handle().lookupLong(1).orElseThrow(), "written in the object's byte order");
            protos.delete(1);
            var e = assertThrows(BackendException.class, () -> protos.delete(1));
            assertEquals(-BackendException.ENOENT, e.errno());

            TypedMap counts = TypedMap.of(obj.map("pkt_count"), open.spec());
            assertEquals(Optional.of(4L), counts.lookup(0));         // CNT_TOTAL
            assertEquals(Optional.of(3L), counts.lookup(5));         // CNT_UDP
            assertEquals(12, counts.entries().size());

            TypedMap rodata = obj.map("xdp_pars.rodata").typed(open.spec());
            assertEquals(Map.of("blocked_udp_port", 9L, "drop_malformed", 0L), rodata.lookup(0).orElseThrow());
            TypedMap bss = obj.map("xdp_pars.bss").typed(open.spec());
            assertEquals(Map.of("total_bytes", 4L * 54), bss.lookup(0).orElseThrow());

            String text = protos.dump(BtfDumper.Style.TEXT);
            assertTrue(text.startsWith("[{\n        \"key\": ") && text.endsWith("    }\n]\n"), text);
            assertTrue(rodata.dump(BtfDumper.Style.JSON).contains(
                    "\"formatted\":{\"value\":{\".rodata\":[{\"blocked_udp_port\":9},{\"drop_malformed\":0}]}}"),
                    rodata.dump(BtfDumper.Style.JSON));
        }
    }
}
