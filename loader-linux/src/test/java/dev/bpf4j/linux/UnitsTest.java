package dev.bpf4j.linux;

import dev.bpf4j.backend.BackendException;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The small parsers: CPU lists, verifier logs, errno names. */
class UnitsTest {

    @Test
    void cpuListsAsTheKernelWritesThem() {
        assertEquals(1, PossibleCpus.count("0\n"));
        assertEquals(2, PossibleCpus.count("0-1\n"));
        assertEquals(8, PossibleCpus.count("0-3,8-11"));
        assertEquals(4, PossibleCpus.count("0,2,4-5"));
    }

    /** A list of disjoint ranges, written as the kernel writes it, counts their sizes. */
    @Property
    void cpuListCountsItsRanges(@ForAll @IntRange(min = 1, max = 8) int ranges, @ForAll @IntRange(min = 0, max = 40) int gap) {
        List<String> parts = new ArrayList<>();
        int cpu = 0, total = 0;
        for (int i = 0; i < ranges; i++) {
            int len = 1 + (gap + i) % 5;
            parts.add(len == 1 ? String.valueOf(cpu) : cpu + "-" + (cpu + len - 1));
            total += len;
            cpu += len + 1 + gap;
        }
        assertEquals(total, PossibleCpus.count(String.join(",", parts) + "\n"));
    }

    @Test
    void malformedCpuListsAreTypedErrors() {
        for (String bad : List.of("", "\n", "a", "0-", "-1", "3-1", "0--2", "1,,2", "0-99999999", "0-1-2"))  {
            BackendException e = assertThrows(BackendException.class, () -> PossibleCpus.count(bad), bad);
            assertEquals(-BackendException.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("possible CPU list"), e.getMessage());
        }
    }

    /** Whatever the file says, counting gives a number or a typed error. */
    @Property
    void cpuListsNeverFailUntyped(@ForAll @StringLength(max = 20) String s) {
        try {
            assertTrue(PossibleCpus.count(s) > 0);
        } catch (BackendException expected) {
            assertEquals(-BackendException.EINVAL, expected.errno());
        }
    }

    @Test
    void lastInstructionOfAVerifierLog() {
        // as Linux 6.x writes it for: r1 = 1; r2 = 2; exit
        String log = "func#0 @0\n0: R1=ctx() R10=fp0\n0: (b7) r1 = 1                        ; R1_w=1\n"
                + "1: (b7) r2 = 2                        ; R2_w=2\n2: (95) exit\nR0 !read_ok\n"
                + "processed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n";
        assertEquals(2, VerifierLog.lastInstruction(log));
        assertEquals(-1, VerifierLog.lastInstruction("btf_vmlinux is malformed\n"));
        assertEquals(-1, VerifierLog.lastInstruction(""));
        assertEquals(-1, VerifierLog.lastInstruction("99999999999999: (95) exit"));
        assertEquals(List.of("R0 !read_ok", "processed 3 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0"),
                VerifierLog.tail(log, 2));
        assertEquals("ab", VerifierLog.text(new byte[]{'a', 'b', 0, 'c'}));
        assertEquals("ab", VerifierLog.text(new byte[]{'a', 'b'}));
    }

    @Test
    void privilegeFromProcStatus() {
        assertTrue(Hints.privileged("Name:\tjava\nCapEff:\t000001ffffffffff\n"));        // root
        assertTrue(Hints.privileged("CapEff:\t0000008000000000\n"));                    // CAP_BPF alone
        assertTrue(Hints.privileged("CapEff:\t0000000000200000\n"));                    // CAP_SYS_ADMIN alone
        assertFalse(Hints.privileged("CapEff:\t0000000000000000\n"));
        assertFalse(Hints.privileged("CapEff:\tnot hex\n"));
        assertFalse(Hints.privileged(""));
    }

    @Test
    void errnoNames() {
        assertEquals("EACCES", Errno.name(-13));
        assertEquals("ENOSYS", Errno.name(38));
        assertEquals("ENOTSUPP", Errno.name(524));
        assertEquals("errno 4242", Errno.name(4242));
        BackendException e = Bpf.failure(BpfCommand.MAP_CREATE, "map 'm'", -Errno.ENOSYS);
        assertEquals("bpf(BPF_MAP_CREATE) for map 'm' failed: ENOSYS; " + Hints.NO_SYSCALL + " (-errno 38)", e.getMessage());
        assertEquals("; " + Hints.NO_PRIVILEGE, Hints.of(BpfCommand.PROG_LOAD, Errno.EPERM, false));
        assertEquals("; " + Hints.REFUSED_ANYWAY, Hints.of(BpfCommand.PROG_LOAD, Errno.EPERM, true));
        // EPERM from an element command is the map's answer (frozen, read-only), not missing privilege
        assertEquals("bpf(BPF_MAP_UPDATE_ELEM) for map 'm' failed: EPERM (-EPERM)",
                Bpf.failure(BpfCommand.MAP_UPDATE_ELEM, "map 'm'", -Errno.EPERM).getMessage());
    }
}
