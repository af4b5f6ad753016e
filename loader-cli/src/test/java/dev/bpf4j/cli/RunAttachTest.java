package dev.bpf4j.cli;

import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code bpf4j prog run} links the object's map_trace programs first, as a skeleton would; {@code --no-attach} does not. */
class RunAttachTest {
    @TempDir
    Path dir;

    // values_writer updates key len & 15 of "values" with len; the tracer mirrors it and counts.
    private Map<?, ?> maps(String... more) throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of("prog", "run",
                CliRunner.object(dir, "map_trace", Target.BPFEL).toString(), "--program", "values_writer",
                "--data", "00".repeat(14), "--json"));
        args.addAll(List.of(more));
        var r = CliRunner.run(args.toArray(new String[0]));
        assertEquals(0, r.status(), r.err());
        return (Map<?, ?>) ((Map<?, ?>) JsonReader.parse(r.out())).get("maps");
    }

    @Test
    void theTracersEffectsShowInTheMaps() throws IOException {
        Map<?, ?> maps = maps();
        List<?> mirror = (List<?>) maps.get("mirror");
        assertEquals(1, mirror.size(), maps.toString());
        assertEquals(Map.of("key", "0e000000", "value", "0e00000000000000"), mirror.get(0));
        assertEquals(maps.get("values"), maps.get("mirror"));
        assertEquals("0100000000000000", ((Map<?, ?>) ((List<?>) maps.get("trace_counts")).get(0)).get("value"));
    }

    @Test
    void noAttachLeavesTheTracersUnlinked() throws IOException {
        Map<?, ?> maps = maps("--no-attach");
        assertEquals(1, ((List<?>) maps.get("values")).size(), maps.toString());
        assertEquals(List.of(), maps.get("mirror"));
    }

    @Test
    void aTracerOfAMissingMapIsOneLine() throws IOException {
        Path p = CliRunner.object(dir, "map_trace", Target.BPFEL);
        String elf = new String(java.nio.file.Files.readAllBytes(p), java.nio.charset.StandardCharsets.ISO_8859_1);
        java.nio.file.Files.write(p, elf.replace("map_trace/values/UPDATE_ELEM", "map_trace/valuez/UPDATE_ELEM")
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        var r = CliRunner.run("prog", "run", p.toString(), "--program", "values_writer", "--data", "00".repeat(14));
        assertEquals(1, r.status());
        assertEquals("bpf4j: map_trace.o: program 'trace_values_update': section 'map_trace/valuez/UPDATE_ELEM' traces map"
                + " 'valuez', which this object does not define\n", r.err());
    }
}
