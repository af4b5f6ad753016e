package dev.bpf4j.cli;

import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CliTest {
    @TempDir
    Path dir;

    private static CliRunner.Run run(String... args) {
        return CliRunner.run(args);
    }

    private Path object(String name, Target target) throws IOException {
        return CliRunner.object(dir, name, target);
    }

    static List<String> names() {
        return TestObjects.names();
    }

    /** The JSON lists the programs and maps of the hand-written expectations, with numbers and names. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("names")
    @SuppressWarnings("unchecked")
    void inspectJsonListsTheDeclaredProgramsAndMaps(String name) throws IOException {
        CliRunner.Run r = run("object", "inspect", "--json", object(name, Target.BPFEB).toString());
        assertEquals(0, r.status(), r.err());
        Map<String, Object> json = (Map<String, Object>) JsonReader.parse(r.out());
        assertEquals("big", json.get("byte_order"));

        Set<String> expectedProgs = expected(name, "prog").stream().map(w -> w[1] + " " + w[3]).collect(Collectors.toCollection(TreeSet::new));
        Set<String> progs = ((List<Map<String, Object>>) json.get("programs")).stream()
                .map(p -> p.get("name") + " " + p.get("type_name")).collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expectedProgs, progs);
        Set<String> expectedMaps = expected(name, "map").stream().map(w -> String.join(" ", Arrays.copyOfRange(w, 1, 7)))
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> maps = ((List<Map<String, Object>>) json.get("maps")).stream()
                .map(m -> m.get("name") + " " + m.get("type_name") + " " + m.get("key_size") + " " + m.get("value_size")
                        + " " + m.get("max_entries") + " " + m.get("flags"))
                .collect(Collectors.toCollection(TreeSet::new));
        assertEquals(expectedMaps, maps);
    }

    @Test
    @SuppressWarnings("unchecked")
    void typesAppearAsKernelNumbersAndNames() throws IOException {
        CliRunner.Run r = run("object", "inspect", "--json", object("xdp_parser", Target.BPFEL).toString());
        Map<String, Object> json = (Map<String, Object>) JsonReader.parse(r.out());
        Map<String, Object> prog = ((List<Map<String, Object>>) json.get("programs")).get(0);
        assertEquals(6L, prog.get("type"));            // BPF_PROG_TYPE_XDP in linux/bpf.h
        assertEquals("xdp", prog.get("type_name"));
        assertEquals(37L, prog.get("attach_type"));    // BPF_XDP
        Map<String, Object> hash = ((List<Map<String, Object>>) json.get("maps")).stream()
                .filter(m -> m.get("name").equals("ip_proto_count")).findFirst().orElseThrow();
        assertEquals(1L, hash.get("type"));            // BPF_MAP_TYPE_HASH
        assertEquals("hash", hash.get("type_name"));
        Map<String, Object> btf = (Map<String, Object>) json.get("btf");
        assertTrue((Long) btf.get("types") > 0);
    }

    @Test
    void inspectTextShowsEachProgramAndMap() throws IOException {
        CliRunner.Run r = run("object", "inspect", object("tail_calls", Target.BPFEL).toString());
        assertEquals(0, r.status(), r.err());
        for (String[] w : expected("tail_calls", "prog"))
            assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith(w[1] + " ") && l.contains(" xdp ")), w[1] + "\n" + r.out());
        assertTrue(r.out().contains("jmp_table[2] = tail_b"), r.out());
        assertTrue(r.out().contains("outer_hash[3] = inner_b"), r.out());
    }

    @Test
    void dumpPrintsOneLinePerInstructionSlot() throws IOException {
        Path file = object("subprogs", Target.BPFEL);
        CliRunner.Run r = run("object", "dump", file.toString());
        assertEquals(0, r.status(), r.err());
        CliRunner.Run json = run("object", "inspect", "--json", file.toString());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> progs = (List<Map<String, Object>>) ((Map<String, Object>) JsonReader.parse(json.out())).get("programs");
        for (Map<String, Object> p : progs) {
            CliRunner.Run one = run("object", "dump", file.toString(), "--program", (String) p.get("name"));
            List<String> lines = one.out().lines().skip(1).filter(l -> !l.isBlank()).toList();
            long insnLines = lines.stream().filter(l -> l.matches("\\s*\\d+:.*")).count();
            long wide = lines.stream().filter(l -> l.endsWith(" ll")).count();
            assertEquals((Long) p.get("insns"), insnLines + wide, "program " + p.get("name") + "\n" + one.out());
            assertTrue(lines.get(lines.size() - 1).trim().endsWith("exit"), one.out());
        }
    }

    @Test
    void unknownProgramIsAClearError() throws IOException {
        CliRunner.Run r = run("object", "dump", object("subprogs", Target.BPFEL).toString(), "--program", "nope");
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("bpf4j: subprogs.o: no program named 'nope'"), r.err());
    }

    @Test
    void malformedObjectIsOneLineWithoutStackTrace() throws IOException {
        Path file = dir.resolve("broken.o");
        Files.write(file, Arrays.copyOf(TestObjects.object("globals", Target.BPFEL), 100));
        CliRunner.Run r = run("object", "inspect", file.toString());
        assertEquals(1, r.status());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("bpf4j: broken.o: "), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void missingFileIsAClearError() {
        CliRunner.Run r = run("object", "inspect", dir.resolve("absent.o").toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("absent.o: no such file"), r.err());
    }

    private static List<String[]> expected(String name, String kind) {
        return TestObjects.expected(name).lines().map(String::strip).filter(l -> l.startsWith(kind + " "))
                .map(l -> l.split("\\s+")).toList();
    }
}
