package dev.bpf4j.cli;

import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code bpf4j btf dump}: for every testdata object and kernel selftest object, in both byte
 * orders, each format prints what bpftool prints for the same file; the C header of each
 * compiles; the kernel's BTF too; and misuse or bad files give one line and exit status 1.
 */
class BtfCommandTest {
    private static final Path BPFTOOL = Path.of("/usr/sbin/bpftool");
    private static final Path CLANG = Path.of("/usr/bin/clang");
    private static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    @TempDir
    Path dir;

    static Stream<Arguments> objects() {
        var all = new ArrayList<Arguments>();
        for (Target t : Target.values()) {
            for (String n : TestObjects.names())
                all.add(Arguments.of(n, t, false));
            for (String n : TestObjects.selftestNames())
                all.add(Arguments.of(n, t, true));
        }
        return all.stream();
    }

    private Path write(String name, Target target, boolean selftest) throws Exception {
        Path p = dir.resolve(target.dir()).resolve(name + ".o");
        Files.createDirectories(p.getParent());
        Files.write(p, selftest ? TestObjects.selftest(name, target) : TestObjects.object(name, target));
        return p;
    }

    /** bpftool's stdout, or null when it fails. */
    private static String bpftool(String... args) throws Exception {
        var cmd = new ArrayList<String>(List.of(BPFTOOL.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return p.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8) : null;
    }

    /**
     * libbpf 1.1 marks 1- and 8-byte enums with mode(byte)/mode(word); the bpftool of Linux 6.1
     * (Debian 12's) predates that. Drop them from ours when bpftool printed none (see README).
     */
    private static String comparableC(String ours, String bpftools) {
        String s = ours;
        if (!bpftools.contains("__attribute__((mode("))
            s = s.replace(" __attribute__((mode(byte)))", "").replace(" __attribute__((mode(word)))", "");
        if (!bpftools.contains("(void)"))
            s = s.replace("(void)", "()");
        return s;
    }

    private static void assertSameText(String what, String expected, String actual) {
        if (expected.equals(actual))
            return;
        List<String> e = expected.lines().toList();
        List<String> a = actual.lines().toList();
        for (int i = 0; i < Math.min(e.size(), a.size()); i++)
            if (!e.get(i).equals(a.get(i)))
                fail(what + ": line " + (i + 1) + " differs:\n  bpftool: " + e.get(i) + "\n  bpf4j:   " + a.get(i));
        fail(what + ": bpftool printed " + e.size() + " lines, bpf4j " + a.size());
    }

    @ParameterizedTest(name = "{1} {0}")
    @MethodSource("objects")
    void everyFormatPrintsWhatBpftoolPrints(String name, Target target, boolean selftest) throws Exception {
        assumeTrue(Files.isExecutable(BPFTOOL), "bpftool is not installed");
        Path file = write(name, target, selftest);
        String[][] formats = {{"raw"}, {"json", "-j"}, {"c"}};
        for (String[] f : formats) {
            String expected = f[0].equals("json") ? bpftool("-j", "btf", "dump", "file", file.toString())
                    : f[0].equals("c") ? bpftool("btf", "dump", "file", file.toString(), "format", "c")
                    : bpftool("btf", "dump", "file", file.toString());
            assertTrue(expected != null, "bpftool could not dump " + file + " as " + f[0]);
            CliRunner.Run run = CliRunner.run("btf", "dump", file.toString(), "--format", f[0]);
            assertEquals(0, run.status(), run.err());
            assertEquals("", run.err());
            String ours = f[0].equals("c") ? comparableC(run.out(), expected) : run.out();
            assertSameText(name + " " + target + " " + f[0], expected, ours);
        }
    }

    /** The header of each testdata object compiles (the kernel's is compiled in loader-btf's BtfCDumpTest). */
    @ParameterizedTest(name = "{1} {0}")
    @MethodSource("objects")
    void cHeaderCompiles(String name, Target target, boolean selftest) throws Exception {
        assumeTrue(Files.isExecutable(CLANG), "clang is not installed");
        Path file = write(name, target, selftest);
        CliRunner.Run run = CliRunner.run("btf", "dump", file.toString(), "--format", "c");
        assertEquals(0, run.status(), run.err());
        Path h = dir.resolve(name + ".h");
        Files.writeString(h, run.out());
        Path c = dir.resolve(name + "_use.c");
        Files.writeString(c, "#include \"" + h.getFileName() + "\"\n");
        Process p = new ProcessBuilder(CLANG.toString(), "-target", target.dir(), "-fsyntax-only", c.toString())
                .directory(dir.toFile()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "clang rejected the header of " + name + ":\n" + log);
    }

    @Test
    void kernelRawDumpIsBpftools() throws Exception {
        assumeTrue(Files.isReadable(VMLINUX), VMLINUX + " is not readable here");
        assumeTrue(Files.isExecutable(BPFTOOL), "bpftool is not installed");
        String expected = bpftool("btf", "dump", "file", VMLINUX.toString());
        assumeTrue(expected != null, "bpftool could not dump " + VMLINUX);
        CliRunner.Run run = CliRunner.run("btf", "dump", "--kernel");
        assertEquals(0, run.status(), run.err());
        assertSameText("vmlinux", expected, run.out());
    }

    @Test
    void fileOrKernelButNotBoth() throws Exception {
        Path file = write("globals", Target.BPFEL, false);
        for (String[] args : List.of(new String[] {"btf", "dump"}, new String[] {"btf", "dump", file.toString(), "--kernel"})) {
            CliRunner.Run run = CliRunner.run(args);
            assertEquals(1, run.status());
            assertEquals("bpf4j: btf dump: give either FILE or --kernel\n", run.err());
            assertEquals("", run.out());
        }
    }

    @Test
    void unknownFormat() throws Exception {
        Path file = write("globals", Target.BPFEL, false);
        CliRunner.Run run = CliRunner.run("btf", "dump", file.toString(), "--format", "yaml");
        assertEquals(1, run.status());
        assertEquals("bpf4j: btf dump: unknown --format 'yaml': expected raw, c or json\n", run.err());
    }

    @Test
    void missingFile() {
        CliRunner.Run run = CliRunner.run("btf", "dump", dir.resolve("nope.btf").toString());
        assertEquals(1, run.status());
        assertEquals("bpf4j: " + dir.resolve("nope.btf") + ": no such file\n", run.err());
    }

    /** A well-formed BPF relocatable ELF whose only section is its section name table: no BTF. */
    @Test
    void objectWithoutBtf() throws Exception {
        byte[] names = "\0.shstrtab\0".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(64 + 2 * 64 + names.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        b.putShort(16, (short) 1).putShort(18, (short) 247).putInt(20, 1); // ET_REL, EM_BPF, EV_CURRENT
        b.putLong(40, 64).putShort(52, (short) 64).putShort(58, (short) 64).putShort(60, (short) 2).putShort(62, (short) 1);
        int sh = 64 + 64; // section 1: .shstrtab
        b.putInt(sh, 1).putInt(sh + 4, 3).putLong(sh + 24, 192).putLong(sh + 32, names.length).putLong(sh + 48, 1);
        b.put(192, names);
        Path file = dir.resolve("empty.o");
        Files.write(file, b.array());
        CliRunner.Run run = CliRunner.run("btf", "dump", file.toString());
        assertEquals(1, run.status(), run.err());
        assertEquals("bpf4j: empty.o: the object has no .BTF section (compile with clang -g)\n", run.err());
    }

    /** A raw BTF file cut short, and an object whose .BTF is corrupt: the parser's message, with the file name. */
    @Test
    void malformedBtf() throws Exception {
        assumeTrue(Files.isReadable(VMLINUX), VMLINUX + " is not readable here");
        byte[] bytes = Files.readAllBytes(VMLINUX);
        Path cut = dir.resolve("cut.btf");
        Files.write(cut, java.util.Arrays.copyOf(bytes, 1000));
        CliRunner.Run run = CliRunner.run("btf", "dump", cut.toString());
        assertEquals(1, run.status());
        assertTrue(run.err().startsWith("bpf4j: cut.btf: header: "), run.err());
        assertEquals(1, run.err().lines().count(), run.err());
        assertEquals("", run.out());
    }

    @Test
    void corruptBtfSectionInAnObject() throws Exception {
        byte[] elf = TestObjects.object("globals", Target.BPFEL);
        // find the BTF magic (0xeB9F, little-endian) and break the header length after it
        int at = -1;
        for (int i = 0; i + 4 < elf.length; i++)
            if ((elf[i] & 0xff) == 0x9f && (elf[i + 1] & 0xff) == 0xeb && elf[i + 2] == 1) {
                at = i;
                break;
            }
        assertTrue(at >= 0);
        elf[at + 4] = (byte) 0xff; // hdr_len = 255
        Path file = dir.resolve("bad.o");
        Files.write(file, elf);
        CliRunner.Run run = CliRunner.run("btf", "dump", file.toString(), "--format", "json");
        assertEquals(1, run.status());
        assertTrue(run.err().startsWith("bpf4j: bad.o: header: "), run.err());
        assertFalse(run.err().contains("Exception"), run.err());
    }
}
