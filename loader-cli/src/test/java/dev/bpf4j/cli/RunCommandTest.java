package dev.bpf4j.cli;

import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bpf4j prog run} on xdp_parser over the bundled capture, against the hand-written expectations. */
class RunCommandTest {
    @TempDir
    Path dir;

    Path pcap() throws IOException {
        Path p = dir.resolve("sample.pcap");
        Files.write(p, TestObjects.resource("pcap/sample.pcap"));
        return p;
    }

    /** "packet N VERDICT" lines of testdata/expected/pcap/xdp_parser.sample.txt. */
    static List<String> expectedVerdicts() {
        var out = new ArrayList<String>();
        for (String line : new String(TestObjects.resource("expected/pcap/xdp_parser.sample.txt"), StandardCharsets.UTF_8).split("\n"))
            if (line.startsWith("packet "))
                out.add(line.split(" ")[2]);
        return out;
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void pcapRunPrintsEachVerdictASummaryAndTheMaps(Target target) throws IOException {
        Path obj = CliRunner.object(dir, "xdp_parser", target);
        var run = CliRunner.run("prog", "run", obj.toString(), "--program", "xdp_parser", "--pcap", pcap().toString());
        assertEquals(0, run.status(), run.err());
        List<String> verdicts = expectedVerdicts();
        String[] lines = run.out().split("\n");
        assertEquals("xdp program 'xdp_parser': 23 packets from sample.pcap", lines[0]);
        for (int i = 0; i < verdicts.size(); i++) {
            String[] cols = lines[2 + i].trim().split("\\s+");
            assertEquals(Integer.toString(i + 1), cols[0]);
            assertEquals(verdicts.get(i), cols[3], lines[2 + i]);
        }
        long pass = verdicts.stream().filter("XDP_PASS"::equals).count();
        List<String> summary = List.of(run.out().split("summary:\n")[1].split("\n")).subList(0, 2);
        assertTrue(summary.get(0).matches("\\s+1 XDP_DROP\\s+" + (verdicts.size() - pass)), summary.toString());
        assertTrue(summary.get(1).matches("\\s+2 XDP_PASS\\s+" + pass), summary.toString());
        assertTrue(run.out().contains("map pkt_count: "), run.out());
    }

    @Test
    void jsonHasTheRunsAndTheMapsAsHex() throws IOException {
        Path obj = CliRunner.object(dir, "xdp_parser", Target.BPFEL);
        var run = CliRunner.run("prog", "run", obj.toString(), "--program", "xdp_parser", "--pcap", pcap().toString(), "--json");
        assertEquals(0, run.status(), run.err());
        @SuppressWarnings("unchecked")
        Map<String, Object> report = (Map<String, Object>) JsonReader.parse(run.out());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> runs = (List<Map<String, Object>>) report.get("runs");
        List<String> verdicts = expectedVerdicts();
        assertEquals(verdicts.size(), runs.size());
        List<byte[]> frames = Pcap.frames("sample.pcap", TestObjects.resource("pcap/sample.pcap"));
        for (int i = 0; i < runs.size(); i++) {
            assertEquals(verdicts.get(i).equals("XDP_PASS") ? 2L : 1L, ((Number) runs.get(i).get("retval")).longValue());
            assertEquals(HexFormat.of().formatHex(frames.get(i)), runs.get(i).get("data_out")); // the parser rewrites nothing
            assertTrue(((Number) runs.get(i).get("duration_ns")).longValue() >= 0);
        }
        @SuppressWarnings("unchecked")
        Map<String, List<Map<String, String>>> maps = (Map<String, List<Map<String, String>>>) report.get("maps");
        // ip_proto_count: hash u32 -> u64, "ip_proto N VALUE" in the expectations
        var protos = new java.util.TreeMap<Long, Long>();
        for (Map<String, String> e : maps.get("ip_proto_count"))
            protos.put(le(e.get("key")), le(e.get("value")));
        var expected = new java.util.TreeMap<Long, Long>();
        for (String line : new String(TestObjects.resource("expected/pcap/xdp_parser.sample.txt"), StandardCharsets.UTF_8).split("\n"))
            if (line.startsWith("ip_proto "))
                expected.put(Long.parseLong(line.split(" ")[1]), Long.parseLong(line.split(" ")[2]));
        assertEquals(expected, protos);
    }

    private static long le(String hex) {
        byte[] b = HexFormat.of().parseHex(hex);
        long v = 0;
        for (int i = b.length - 1; i >= 0; i--)
            v = v << 8 | (b[i] & 0xff);
        return v;
    }

    @Test
    void oneRunWithData() throws IOException {
        Path obj = CliRunner.object(dir, "xdp_parser", Target.BPFEL);
        byte[] frame = Pcap.frames("sample.pcap", TestObjects.resource("pcap/sample.pcap")).get(4); // packet 5: UDP to port 9
        var run = CliRunner.run("prog", "run", obj.toString(), "--program", "xdp_parser", "--data", HexFormat.of().formatHex(frame),
                "--repeat", "3", "--dump-maps");
        assertEquals(0, run.status(), run.err());
        assertTrue(run.out().startsWith("retval: 1 XDP_DROP\n"), run.out());
        assertTrue(run.out().contains("data_out: " + HexFormat.of().formatHex(frame) + "\n"), run.out());
        assertTrue(run.out().contains("map ip_proto_count: hash"), run.out());
    }

    @Test
    void badInputIsOneLineAndExitOne() throws IOException {
        Path obj = CliRunner.object(dir, "xdp_parser", Target.BPFEL);
        Path garbage = dir.resolve("garbage.pcap");
        Files.write(garbage, "not a capture".getBytes(StandardCharsets.US_ASCII));
        String[][] cases = {
                {"--program", "nope", "--data", "00"},
                {"--program", "xdp_parser", "--data", "0g"},
                {"--program", "xdp_parser", "--data", "00"},
                {"--program", "xdp_parser", "--pcap", garbage.toString()},
                {"--program", "xdp_parser", "--data", "00", "--repeat", "0"},
                {"--program", "xdp_parser", "--data", "00", "--pcap", garbage.toString()},
        };
        String[] messages = {
                "no program 'nope'; programs: [xdp_parser]",
                "--data is not hex bytes: '0g'",
                "needs at least 14 bytes",
                "garbage.pcap: not a pcap or pcapng file (magic 0x20746f6e)",
                "--repeat must be at least 1, got 0",
                "mutually exclusive",
        };
        for (int i = 0; i < cases.length; i++) {
            var args = new ArrayList<>(List.of("prog", "run", obj.toString()));
            args.addAll(List.of(cases[i]));
            var run = CliRunner.run(args.toArray(String[]::new));
            assertEquals(i == cases.length - 1 ? 2 : 1, run.status(), String.join(" ", cases[i]) + ": " + run.err());
            assertTrue(run.err().contains(messages[i]), run.err());
            assertTrue(!run.err().contains("\tat ") && !run.err().contains("Exception"), run.err());
            if (run.status() == 1)
                assertEquals(1, run.err().strip().lines().count(), run.err());
        }
    }

    /** maps_btf.o has a map of nearly every type: ring buffers and perf event arrays cannot be listed, the rest can. */
    @Test
    void everyMapTypeDumps() throws IOException {
        Path obj = CliRunner.object(dir, "maps_btf", Target.BPFEL);
        String ipv4 = "000000000000000000000000080045000000";
        var text = CliRunner.run("prog", "run", obj.toString(), "--program", "xdp_maps", "--data", ipv4, "--dump-maps");
        assertEquals(0, text.status(), text.err());
        List<String> names = new ArrayList<>();
        for (String line : TestObjects.expected("maps_btf").split("\n"))
            if (line.startsWith("map "))
                names.add(line.split(" ")[1]);
        for (String name : names)
            assertTrue(text.out().contains("\nmap " + name + ": "), name + "\n" + text.out());
        var json = CliRunner.run("prog", "run", obj.toString(), "--program", "xdp_maps", "--data", ipv4, "--json");
        assertEquals(0, json.status(), json.err());
        @SuppressWarnings("unchecked")
        Map<String, List<Object>> maps = (Map<String, List<Object>>) ((Map<String, Object>) JsonReader.parse(json.out())).get("maps");
        assertEquals(new java.util.TreeSet<>(names), new java.util.TreeSet<>(maps.keySet()));
        assertEquals(List.of(), maps.get("events"));      // a ring buffer has records, not entries
        assertEquals(List.of(), maps.get("perf_out"));
    }
}
