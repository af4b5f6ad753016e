package dev.bpf4j.cli;

import dev.bpf4j.loader.ObjectTemplate;
import dev.bpf4j.loader.SpecReader;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TemplateCommandTest {
    @TempDir
    Path dir;

    private static CliRunner.Run run(String... args) {
        return CliRunner.run(args);
    }

    private Path object(String name, Target target) throws IOException {
        return CliRunner.object(dir, name, target);
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void setWritesAnObjectWithTheNewValues(Target target) throws IOException {
        Path in = object("globals", target);
        Path out = dir.resolve("configured.o");
        CliRunner.Run r = run("object", "template", in.toString(), "--set", "max_packets=0x1388", "--set", "tag=\"hi there\"",
                "--set", "debug_level=7", "--set", "limits=hex:" + (target == Target.BPFEL ? "14000000" + "28230000" : "00000014" + "00002328"),
                "-o", out.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals("", r.out());

        ObjectTemplate t = ObjectTemplate.of(SpecReader.read(out));
        assertEquals(5000L, t.variable("max_packets").get());
        assertEquals("hi there", t.variable("tag").get());
        assertEquals(7L, t.variable("debug_level").get());
        ByteBuffer limits = ByteBuffer.wrap((byte[]) t.variable("limits").get()).order(t.original().byteOrder());
        assertEquals(List.of(20, 9000), List.of(limits.getInt(0), limits.getInt(4)));
        assertArrayEquals(TestObjects.object("globals", target), Files.readAllBytes(in), "the input is not touched");

        CliRunner.Run inspect = run("object", "template", out.toString(), "--get", "max_packets", "--get", "tag", "--get", "counter");
        assertEquals(0, inspect.status(), inspect.err());
        assertEquals(List.of("5000", "\"hi there\"", "1"), inspect.out().lines().toList());
    }

    @Test
    void getAfterSetShowsTheNewValue() throws IOException {
        Path in = object("xdp_parser", Target.BPFEB);
        CliRunner.Run r = run("object", "template", in.toString(), "--set", "blocked_udp_port=53", "--get", "blocked_udp_port",
                "-o", dir.resolve("dns.o").toString());
        assertEquals(0, r.status(), r.err());
        assertEquals("53\n", r.out());
        assertEquals(53L, ObjectTemplate.of(SpecReader.read(dir.resolve("dns.o"))).variable("blocked_udp_port").get());
    }

    @Test
    void withoutOptionsListsEveryVariable() throws IOException {
        CliRunner.Run r = run("object", "template", object("globals", Target.BPFEL).toString());
        assertEquals(0, r.status(), r.err());
        List<String> lines = r.out().lines().toList();
        assertTrue(lines.get(0).matches("NAME\\s+SECTION\\s+OFFSET\\s+TYPE\\s+VALUE"), lines.get(0));
        assertEquals(17, lines.size(), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("max_packets\\s+\\.rodata\\s+0\\s+u32\\s+100")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("tag\\s+\\.rodata\\s+12\\s+char\\[8]\\s+\"bpf4j\"")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("limits\\s+\\.rodata\\s+4\\s+const volatile struct limits, 8 bytes\\s+0x0a000000dc050000")), r.out());
        assertTrue(lines.stream().anyMatch(l -> l.matches("total_bytes\\s+\\.bss\\s+0\\s+u64\\s+0  \\(\\.bss: zero at load, not settable\\)")), r.out());
    }

    @Test
    void kconfigExternsAreListedAsTheLoaders() throws IOException {
        CliRunner.Run r = run("object", "template", object("kconfig", Target.BPFEL).toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("CONFIG_HZ ") && l.endsWith("(kconfig extern: set by the loader)")), r.out());
    }

    private void assertOneLineError(CliRunner.Run r, String expected) {
        assertEquals(1, r.status());
        assertEquals(1, r.err().lines().count(), r.err());
        assertEquals("bpf4j: " + expected, r.err().strip());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void errorsAreOneLineAndExitOne() throws IOException {
        Path in = object("xdp_parser", Target.BPFEL);
        Path out = dir.resolve("out.o");
        assertOneLineError(run("object", "template", in.toString(), "--set", "blocked_udp_port=70000", "-o", out.toString()),
                "xdp_parser.o: value 70000 does not fit in 'blocked_udp_port' (u16, 0..65535)");
        assertFalse(Files.exists(out), "nothing is written when a value is refused");
        assertOneLineError(run("object", "template", in.toString(), "--set", "nope=1", "-o", out.toString()),
                "xdp_parser.o: no variable 'nope'; variables: [blocked_udp_port, drop_malformed, total_bytes]");
        assertOneLineError(run("object", "template", in.toString(), "--get", "nope"),
                "xdp_parser.o: no variable 'nope'; variables: [blocked_udp_port, drop_malformed, total_bytes]");
        assertOneLineError(run("object", "template", in.toString(), "--set", "blocked_udp_port", "-o", out.toString()),
                "--set 'blocked_udp_port': expected NAME=VALUE");
        assertOneLineError(run("object", "template", in.toString(), "--set", "blocked_udp_port=53"),
                "xdp_parser.o: --set needs -o OUT: the input file is never changed in place");
        CliRunner.Run bss = run("object", "template", in.toString(), "--set", "total_bytes=1", "-o", out.toString());
        assertEquals(1, bss.status());
        assertTrue(bss.err().startsWith("bpf4j: xdp_parser.o: 'total_bytes' is in .bss, which has no bytes in the object file"), bss.err());
    }
}
