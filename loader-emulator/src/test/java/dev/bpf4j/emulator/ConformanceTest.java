package dev.bpf4j.emulator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bpf_conformance suite's ISA vectors (see ATTRIBUTION next to the data): every one
 * must give the expected r0, run as the suite's plugin protocol says.
 */
class ConformanceTest {

    record Vector(String name, byte[] program, byte[] memory, long result) {
        @Override
        public String toString() {
            return name;
        }
    }


    private static final Pattern FIELD = Pattern.compile("\"(\\w+)\":\\s*\"([^\"]*)\"");

    static List<Vector> vectors() throws IOException {
        var out = new ArrayList<Vector>();
        try (var in = new BufferedReader(new InputStreamReader(
                ConformanceTest.class.getResourceAsStream("isa-vectors.jsonl"), StandardCharsets.UTF_8))) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank())
                    continue;
                String name = null, program = null, memory = null, result = null;
                Matcher m = FIELD.matcher(line);
                while (m.find()) {
                    switch (m.group(1)) {
                        case "name": name = m.group(2); break;
                        case "program": program = m.group(2); break;
                        case "memory": memory = m.group(2); break;
                        case "result": result = m.group(2); break;
                        default: break;
                    }
                }
                out.add(new Vector(name, HexFormat.of().parseHex(program), HexFormat.of().parseHex(memory),
                        Long.parseUnsignedLong(result.substring(2), 16)));
            }
        }
        return out;
    }

    static Stream<Vector> all() throws IOException {
        return vectors().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("all")
    void vectorGivesItsResult(Vector v) {
        var vm = Vm.decode(v.program(), ByteOrder.LITTLE_ENDIAN, Helpers.CONFORMANCE);
        assertEquals(v.result(), vm.run(v.memory()), () -> v.name() + String.format(": r0 expected 0x%x", v.result()));
    }

    @org.junit.jupiter.api.Test
    void allVectorsAreThere() throws IOException {
        assertEquals(313, vectors().size());
        assertTrue(vectors().stream().allMatch(v -> v.name() != null));
    }
}
