package dev.bpf4j.linux;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.loader.ProgramType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Kernels that will not do: each gives one clear error saying what is missing, never a crash. */
class UnavailableKernelTest {

    private static dev.bpf4j.loader.LoadPlan plan() {
        return HandBuilt.plan("ret_0", ProgramType.SOCKET_FILTER, List.of(HandBuilt.mov(0, 0), HandBuilt.exit()));
    }

    @Test
    void withoutPrivilege() {
        var sys = new FakeSys(c -> -Errno.EPERM);
        var linux = new LinuxBackend(() -> sys);
        assertTrue(linux.unavailable().orElseThrow().contains("needs root"), linux.unavailable().toString());
        BackendException e = assertThrows(BackendException.class, () -> linux.load(plan()));
        assertEquals(-BackendException.EPERM, e.errno());
        assertTrue(e.getMessage().startsWith("the linux backend cannot use bpf(2): bpf(2) needs root, or CAP_BPF"), e.getMessage());
    }

    @Test
    void withoutTheSystemCall() {
        var sys = new FakeSys(c -> -Errno.ENOSYS);
        var linux = new LinuxBackend(() -> sys);
        BackendException e = assertThrows(BackendException.class, () -> linux.load(plan()));
        assertEquals(-Errno.ENOSYS, e.errno());
        assertTrue(e.getMessage().contains("no bpf(2) system call") && e.getMessage().contains("ENOSYS"), e.getMessage());
    }

    @Test
    void onAnotherArchitecture() {
        BackendException e = assertThrows(BackendException.class, () -> SyscallNumbers.bpf("riscv64"));
        assertEquals(-BackendException.ENOTSUPP, e.errno());
        assertTrue(e.getMessage().contains("'riscv64'") && e.getMessage().contains("x86_64 321"), e.getMessage());
        assertEquals(321, SyscallNumbers.bpf("amd64"));
        assertEquals(280, SyscallNumbers.bpf("aarch64"));
        var linux = new LinuxBackend(() -> {
            throw new BackendException(-BackendException.ENOTSUPP, "the linux backend needs Linux (bpf(2)); this is Mac OS X");
        });
        assertTrue(linux.unavailable().orElseThrow().contains("needs Linux"));
    }

    /** BPF_BTF_LOAD works (the probes pass), then the first program is refused with EPERM. */
    @Test
    void refusedProgramNamesCommandProgramAndErrno() {
        var sys = new FakeSys(c -> switch (c.cmd()) {
            case BTF_LOAD -> 3;
            case PROG_LOAD -> -Errno.EPERM;
            default -> 0;
        });
        var linux = new LinuxBackend(() -> sys);
        VerifierException e = assertThrows(VerifierException.class, () -> linux.load(plan()));
        assertEquals(-BackendException.EPERM, e.errno());
        assertTrue(e.getMessage().contains("BPF_PROG_LOAD") && e.getMessage().contains("'ret_0'") && e.getMessage().contains("EPERM")
                && e.getMessage().contains("no verifier log"), e.getMessage());
        // the hint depends on this process's capabilities: without them, privilege; with them, the kernel itself
        assertTrue(e.getMessage().contains(Hints.of(BpfCommand.PROG_LOAD, Errno.EPERM)), e.getMessage());
    }

    /** A loaded object closes each of its descriptors once, programs first, whatever how often it is closed. */
    @Test
    void closeClosesEveryFdOnce() {
        int[] next = {10};
        var sys = new FakeSys(c -> switch (c.cmd()) {
            case BTF_LOAD -> 3;
            case MAP_CREATE -> next[0]++;
            case PROG_LOAD -> 20;
            default -> 0;
        });
        var linux = new LinuxBackend(() -> sys);
        var open = KernelObjects.open("xdp_parser");
        var plan = dev.bpf4j.loader.Linker.link(open.spec(), open.options());
        linux.btfFeatures();
        sys.closed.clear();
        var obj = linux.load(plan);
        assertEquals(List.of(), sys.closed);
        assertTrue(!obj.isClosed());
        obj.close();
        obj.close();
        assertTrue(obj.isClosed());
        assertEquals(List.of(20, 10, 11, 12, 13, 3), sys.closed);
    }

    /** A load that fails half-way closes what it made: here two maps, then the program is refused. */
    @Test
    void failedLoadClosesWhatItMade() {
        int[] next = {10};
        var sys = new FakeSys(c -> switch (c.cmd()) {
            case BTF_LOAD -> 3;
            case MAP_CREATE -> next[0]++;
            case PROG_LOAD -> -Errno.EINVAL;
            default -> 0;
        });
        var linux = new LinuxBackend(() -> sys);
        var open = KernelObjects.open("xdp_parser");
        var linked = dev.bpf4j.loader.Linker.link(open.spec(), open.options());
        linux.btfFeatures();
        int probeCloses = sys.closed.size();
        sys.closed.clear();
        assertThrows(VerifierException.class, () -> linux.load(linked));
        assertTrue(probeCloses > 0);
        // the object's BTF (3) and its four maps (10-13), each once
        assertEquals(List.of(10, 11, 12, 13, 3), sys.closed);
    }
}
