package dev.bpf4j.asm;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

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

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The programs of the bpf_conformance suite (see ATTRIBUTION.md) decode, encode back
 * byte-identical in both byte orders, and disassemble without an unknown instruction:
 * together they use every instruction of RFC 9669 and the v4 additions.
 */
class ConformanceVectorsTest {
    private static final Pattern FIELD = Pattern.compile("\"(name|program)\": \"([^\"]*)\"");

    record Vector(String name, byte[] program) {
    }

    static List<Vector> vectors() throws IOException {
        List<Vector> out = new ArrayList<>();
        try (var in = ConformanceVectorsTest.class.getResourceAsStream("isa-vectors.jsonl");
             var r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank())
                    continue;
                String name = null;
                String program = null;
                Matcher m = FIELD.matcher(line);
                while (m.find()) {
                    if (m.group(1).equals("name"))
                        name = m.group(2);
                    else
                        program = m.group(2);
                }
                out.add(new Vector(name, HexFormat.of().parseHex(program)));
            }
        }
        return out;
    }

    @Test
    void allVectorsAreRead() throws IOException {
        assertEquals(313, vectors().size());
    }

    @TestFactory
    Stream<DynamicTest> everyProgramRoundTripsAndDisassembles() throws IOException {
        return vectors().stream().map(v -> DynamicTest.dynamicTest(v.name(), () -> {
            List<Instruction> insns = Instructions.decode(v.program(), ByteOrder.LITTLE_ENDIAN);
            assertArrayEquals(v.program(), Instructions.encode(insns, ByteOrder.LITTLE_ENDIAN));
            byte[] be = Instructions.encode(insns, ByteOrder.BIG_ENDIAN);
            assertEquals(insns, Instructions.decode(be, ByteOrder.BIG_ENDIAN));
            assertEquals(v.program().length / 8, Instructions.slotCount(insns));
            String listing = Disassembler.listing(insns);
            assertFalse(listing.contains("<unknown"), listing);
        }));
    }

    @Test
    void theVectorsUseTheV4Instructions() throws IOException {
        StringBuilder all = new StringBuilder();
        for (Vector v : vectors())
            all.append(Disassembler.listing(Instructions.decode(v.program(), ByteOrder.LITTLE_ENDIAN)));
        for (String s : List.of("s/=", "s%=", " = (s8)", " = (s16)", " = (s32)", "*(s8 *)", "*(s16 *)", "*(s32 *)",
                "bswap16", "bswap64", "gotol ", "callx r", "atomic_fetch_", "cmpxchg_64", "cmpxchg32_32",
                "xchg_64", "xchg32_32", " ll\n", "le16", "be64", " = -w", " = -r"))
            assertFalse(all.indexOf(s) < 0, "no vector disassembles to \"" + s + "\"");
    }
}
