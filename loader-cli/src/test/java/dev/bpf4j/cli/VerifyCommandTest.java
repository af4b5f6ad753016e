package dev.bpf4j.cli;

import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.ElfReader;
import dev.bpf4j.elf.Section;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bpf4j object verify FILE}. */
class VerifyCommandTest {
    @TempDir
    Path dir;

    @Test
    void acceptedProgramsPrintOkWithTheirLength() throws Exception {
        Path file = CliRunner.object(dir, "xdp_parser", Target.BPFEL);
        CliRunner.Run r = CliRunner.run("object", "verify", file.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().matches("(?s)xdp_parser: ok \\(\\d+ insns\\)\\n.*"), r.out());
    }

    @Test
    void everyProgramOfAnObjectIsListed() throws Exception {
        Path file = CliRunner.object(dir, "subprogs", Target.BPFEB);
        CliRunner.Run r = CliRunner.run("object", "verify", file.toString());
        assertEquals(0, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("sub_xdp: ok ("), r.out());
    }

    @Test
    void aRejectedProgramPrintsTheLogAndExitsWithOne() throws Exception {
        byte[] bytes = TestObjects.object("xdp_parser", Target.BPFEL);
        ElfFile elf = ElfReader.read("xdp_parser.o", bytes);
        Section xdp = elf.section("xdp").orElseThrow();
        // Slot 0, "r6 = r1", becomes "r6 = r9": r9 is never set at entry.
        int at = (int) xdp.offset();
        assertEquals((byte) 0xbf, bytes[at]);
        bytes[at + 1] = (byte) (6 | 9 << 4);
        Path file = dir.resolve("bad.o");
        java.nio.file.Files.write(file, bytes);
        CliRunner.Run r = CliRunner.run("object", "verify", file.toString());
        assertEquals(1, r.status(), r.out() + r.err());
        assertTrue(r.out().startsWith("xdp_parser: rejected\n0: (bf) r6 = r9\ninsn 0: R9 !read_ok\n"), r.out());
    }

    @Test
    void aMalformedFileIsOneLineOnStderr() throws Exception {
        Path file = dir.resolve("junk.o");
        java.nio.file.Files.write(file, new byte[] {1, 2, 3});
        CliRunner.Run r = CliRunner.run("object", "verify", file.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().startsWith("bpf4j: "), r.err());
    }
}
