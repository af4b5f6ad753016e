package dev.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code bpf4j vm exec}: the bpf_conformance plugin protocol. */
class VmCommandTest {

    @Test
    void printsR0InHexWithoutPrefix() {
        // r0 = 42; exit
        var r = CliRunner.run("vm", "exec", "--program", "b7 00 00 00 2a 00 00 00 95 00 00 00 00 00 00 00");
        assertEquals(0, r.status(), r.err());
        assertEquals("2a\n", r.out().replace("\r\n", "\n"));
    }

    @Test
    void memoryIsACopyInR1WithItsLengthInR2() {
        // r0 = *(u16 *)(r1 + 0) + r2
        var r = CliRunner.run("vm", "exec", "--program", "6910000000000000 0f20000000000000 9500000000000000", "01 02 03");
        assertEquals(0, r.status(), r.err());
        assertEquals("204\n", r.out().replace("\r\n", "\n"));
    }

    @Test
    void faultGoesToStderrWithStatus1() {
        var r = CliRunner.run("vm", "exec", "--program", "6110140000000000 9500000000000000", "00");
        assertEquals(1, r.status());
        assertEquals("", r.out());
        assertTrue(r.err().startsWith("bpf4j: vm exec: instruction 0: r1+0x14: 4-byte read at 0x100000000014"), r.err());
    }

    @Test
    void badHexIsAUsageError() {
        var r = CliRunner.run("vm", "exec", "--program", "xyz");
        assertEquals(1, r.status());
        assertEquals("bpf4j: vm exec: the program is not hex bytes: 'xyz'\n", r.err().replace("\r\n", "\n"));
    }
}
