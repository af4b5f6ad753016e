package dev.bpf4j.linux;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.loader.ProgramType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Programs the kernel verifier refuses: the exception names the program, errno, instruction and log. */
class VerifierRejectionTest {

    @Test
    void exitWithoutAReturnValue() {
        LinuxBackend linux = KernelObjects.backend();
        // r1 = 1; r2 = 2; exit: r0 was never written, which the verifier finds at the exit, insn 2
        var plan = HandBuilt.plan("no_retval", ProgramType.SOCKET_FILTER, List.of(HandBuilt.mov(1, 1), HandBuilt.mov(2, 2), HandBuilt.exit()));
        int before = KernelObjects.bpfFds();
        VerifierException e = assertThrows(VerifierException.class, () -> linux.load(plan));
        assertEquals(-BackendException.EACCES, e.errno(), e.getMessage());
        assertEquals("no_retval", e.program());
        assertEquals(2, e.instruction().orElseThrow(), e.log());
        assertTrue(e.log().contains("R0 !read_ok"), e.log());
        assertTrue(e.getMessage().contains("'no_retval'") && e.getMessage().contains("EACCES")
                && e.getMessage().contains("instruction 2") && e.getMessage().contains("R0 !read_ok"), e.getMessage());
        assertEquals(before, KernelObjects.bpfFds(), "a refused load leaves no fd");
    }

    @Test
    void readOfAnUninitialisedRegister() {
        LinuxBackend linux = KernelObjects.backend();
        // r0 = 0; r0 = *(u32 *)(r3 + 0); exit: r3 is unset at insn 1
        var plan = HandBuilt.plan("bad_read", ProgramType.SOCKET_FILTER, List.of(HandBuilt.mov(0, 0), HandBuilt.load32(0, 3, 0), HandBuilt.exit()));
        VerifierException e = assertThrows(VerifierException.class, () -> linux.load(plan));
        assertEquals(-BackendException.EACCES, e.errno(), e.getMessage());
        assertEquals(1, e.instruction().orElseThrow(), e.log());
        assertTrue(e.log().contains("R3 !read_ok"), e.log());
    }

    @Test
    void aValidHandBuiltProgramRuns() {
        LinuxBackend linux = KernelObjects.backend();
        var plan = HandBuilt.plan("ret_7", ProgramType.SOCKET_FILTER, List.of(HandBuilt.mov(0, 7), HandBuilt.exit()));
        try (LoadedObject obj = linux.load(plan)) {
            assertEquals(7, obj.program("ret_7").testRun(TestRun.ofData(new byte[64])).retval());
        }
    }
}
