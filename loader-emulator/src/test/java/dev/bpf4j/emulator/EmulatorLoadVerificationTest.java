package dev.bpf4j.emulator;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.backend.BackendException;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.ObjectSpec;
import dev.bpf4j.loader.SpecReader;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading runs the verifier, as BPF_PROG_LOAD does: a rejected program fails the load with -EACCES and the log. */
class EmulatorLoadVerificationTest {

    @Test
    void aProgramTheVerifierRejectsDoesNotLoad() {
        ObjectSpec spec = SpecReader.read("xdp_parser.o", TestObjects.object("xdp_parser", Target.BPFEL));
        LoadPlan linked = Linker.link(spec);
        // r0 = r9; exit: r9 was never written.
        List<Instruction> bad = List.of(Instruction.of(0xbf, 0, 9, 0, 0), Instruction.of(0x95, 0, 0, 0, 0));
        LoadPlan plan = new LoadPlan(spec, List.of(new LinkedProgram(linked.programs().get(0).spec(), bad, List.of())), linked.maps());
        BackendException e = assertThrows(BackendException.class, () -> new EmulatorBackend().load(plan));
        assertEquals(-BackendException.EACCES, e.errno());
        assertTrue(e.getMessage().contains("program 'xdp_parser'") && e.getMessage().contains("R9 !read_ok"), e.getMessage());
    }

    @Test
    void theSameObjectUnmodifiedLoads() {
        ObjectSpec spec = SpecReader.read("xdp_parser.o", TestObjects.object("xdp_parser", Target.BPFEL));
        try (var loaded = new EmulatorBackend().load(Linker.link(spec))) {
            assertEquals(List.of("xdp_parser"), loaded.programs().stream().map(p -> p.name()).toList());
        }
    }
}
