package dev.bpf4j.cli;

import dev.bpf4j.asm.Instructions;
import dev.bpf4j.loader.KernelConfig;
import dev.bpf4j.loader.LinkOptions;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.SpecReader;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code object dump --relocated --json}: one [code,dst,src,off,imm(,map)] array per kernel instruction slot. */
class RelocatedDumpTest {
    @TempDir
    Path dir;

    private static String run(String... args) {
        CliRunner.Run r = CliRunner.run(args);
        assertEquals(0, r.status(), r.err());
        return r.out();
    }

    @Test
    @SuppressWarnings("unchecked")
    void slotsAreTheKernelsInstructionArrayWithMapNames() throws Exception {
        Path file = dir.resolve("tail_calls.o");
        Files.write(file, TestObjects.object("tail_calls", Target.BPFEL));
        Path config = dir.resolve("config");
        Files.writeString(config, "");
        Map<String, Object> json = (Map<String, Object>) JsonReader.parse(
                run("object", "dump", "--relocated", "--json", "--kconfig", config.toString(), file.toString()));
        LoadPlan plan = Linker.link(SpecReader.read(file), new LinkOptions(KernelConfig.of(config, 0)));

        List<Map<String, Object>> programs = (List<Map<String, Object>>) json.get("programs");
        assertEquals(plan.programs().size(), programs.size());
        for (int p = 0; p < programs.size(); p++) {
            LinkedProgram linked = plan.programs().get(p);
            List<List<Object>> insns = (List<List<Object>>) programs.get(p).get("insns");
            // The raw struct bpf_insn bytes, decoded independently of the JSON writer.
            ByteBuffer raw = ByteBuffer.wrap(Instructions.encode(linked.instructions(), ByteOrder.LITTLE_ENDIAN)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(raw.capacity() / 8, insns.size(), linked.name());
            for (int s = 0; s < insns.size(); s++) {
                List<Object> slot = insns.get(s);
                int code = raw.get(s * 8) & 0xff, regs = raw.get(s * 8 + 1) & 0xff;
                assertEquals(List.of((long) code, (long) (regs & 0xf), (long) (regs >> 4), (long) raw.getShort(s * 8 + 2),
                        (long) raw.getInt(s * 8 + 4)), slot.subList(0, 5), linked.name() + " slot " + s);
                boolean mapLoad = code == 0x18 && ((regs >> 4) == 1 || (regs >> 4) == 2);
                assertEquals(mapLoad ? 6 : 5, slot.size(), linked.name() + " slot " + s + ": " + slot);
            }
        }
        // tail_entry loads jmp_table (a map, src_reg 1) for bpf_tail_call.
        Map<String, Object> entry = programs.stream().filter(p -> p.get("name").equals("tail_entry")).findFirst().orElseThrow();
        assertTrue(((List<List<Object>>) entry.get("insns")).stream().anyMatch(s -> s.size() == 6 && s.get(2).equals(1L) && s.get(5).equals("jmp_table")));
        assertEquals(List.of("inner_a", "inner_b", "outer_arr", "outer_hash", "jmp_table"),
                ((List<Map<String, Object>>) json.get("maps")).stream().map(m -> m.get("name")).toList());
    }

    @Test
    void relocatedTextNamesMapsAndCallTargets() throws Exception {
        Path file = dir.resolve("subprogs.o");
        Files.write(file, TestObjects.object("subprogs", Target.BPFEL));
        String text = run("object", "dump", "--relocated", "--program", "sub_xdp", file.toString());
        assertTrue(text.contains("subprograms classify_len, clamp_len, loop_cb, mix"), text);
        assertTrue(text.contains("; map: results"), text);
        assertTrue(text.contains("; map value: subprogs.bss+0"), text);
        assertTrue(text.contains("; func: classify_len"), text);
    }
}
