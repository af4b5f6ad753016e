package dev.bpf4j.cli;

import dev.bpf4j.btf.LineInfo;
import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.ElfReader;
import dev.bpf4j.elf.ElfWriter;
import dev.bpf4j.elf.Section;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.Pinning;
import dev.bpf4j.loader.SpecReader;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code object dump --source}: bpftool's {@code prog dump xlated linum} layout over our
 * disassembly. Checked against the C source the object was compiled from (each quoted line is
 * that line of the file, leading blanks trimmed as bpftool trims them) and against the plain
 * dump (the annotations are the only difference).
 */
class DumpSourceTest {
    @TempDir
    Path dir;

    private static final Pattern SOURCE = Pattern.compile("; (.*) \\[file:(.*) line_num:(\\d+) line_col:(\\d+)]");
    private static final Pattern INSN = Pattern.compile(" *(\\d+):\t.*");

    private static List<String> source(String name) {
        return new String(TestObjects.resource("src/" + name), StandardCharsets.UTF_8).lines().toList();
    }

    @Test
    void eachSourceLineIsTheFilesLineAndPrecedesTheInstructionItDescribes() throws Exception {
        Path file = CliRunner.object(dir, "subprogs", Target.BPFEL);
        CliRunner.Run r = CliRunner.run("object", "dump", "--source", "--relocated", "--program", "sub_socket", file.toString());
        assertEquals(0, r.status(), r.err());
        List<String> src = source("subprogs.c");
        LinkedProgram linked = Linker.link(SpecReader.read(file)).program("sub_socket").orElseThrow();

        List<String> lines = r.out().lines().toList();
        List<int[]> seen = new ArrayList<>(); // {slot, line number}
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = SOURCE.matcher(lines.get(i));
            if (!m.matches())
                continue;
            int lineNumber = Integer.parseInt(m.group(3));
            String expected = lineNumber == 0 ? "" : src.get(lineNumber - 1).stripLeading();
            assertEquals(expected, m.group(1), lines.get(i));
            assertTrue(m.group(2).endsWith("subprogs.c"), m.group(2));
            Matcher next = INSN.matcher(lines.get(i + 1));
            assertTrue(next.matches(), "after " + lines.get(i) + " comes " + lines.get(i + 1));
            seen.add(new int[] {Integer.parseInt(next.group(1)), lineNumber});
        }
        List<LineInfo> records = linked.lineInfo();
        assertEquals(records.size(), seen.size());
        for (int k = 0; k < records.size(); k++) {
            assertEquals(records.get(k).slot(), seen.get(k)[0]);
            assertEquals(records.get(k).lineNumber(), seen.get(k)[1]);
        }
        // One signature per function placed in the program, in bpftool's spelling.
        assertTrue(lines.contains("int sub_socket(struct __sk_buff * skb):"), r.out());
        assertTrue(lines.contains("int classify_len(__u32 len):"), r.out());
        assertTrue(lines.contains("__u64 mix(__u64 a, __u64 b):"), r.out());
        assertEquals(linked.funcInfo().size(), lines.stream().filter(l -> !l.startsWith(" ") && !l.startsWith(";") && !l.startsWith("program ") && l.endsWith("):")).count());
    }

    /**
     * bpftool is the oracle for the layout: for every testdata object the kernel accepts
     * ({@code bpftool prog loadall}), the signature and source lines of
     * {@code bpftool prog dump xlated pinned P linum} are ours, in our order (instruction lines
     * left out: the kernel rewrites instructions). The verifier deletes dead code (a branch on a
     * .rodata constant) and its line records with it, so bpftool's lines are a subsequence of
     * ours, equal to them where nothing was deleted. Needs root, bpftool and a bpffs at
     * /sys/fs/bpf; skips saying which is missing.
     */
    @Test
    void annotationsEqualBpftoolsXlatedLinumDump() throws Exception {
        Path bpffs = Path.of("/sys/fs/bpf");
        Assumptions.assumeTrue(Files.isDirectory(bpffs) && Files.isWritable(bpffs), "no writable bpffs at /sys/fs/bpf (needs root)");
        Assumptions.assumeTrue(run("bpftool", "version").exitCode() == 0, "bpftool is not installed");
        int compared = 0, identical = 0;
        StringBuilder problems = new StringBuilder();
        for (String name : TestObjects.names()) {
            Path file = CliRunner.object(dir, name, Target.BPFEL);
            Path pins = bpffs.resolve("bpf4j_dumpsource_" + ProcessHandle.current().pid() + "_" + name);
            // libbpf (inside bpftool) pins LIBBPF_PIN_BY_NAME maps at /sys/fs/bpf/<name> on its own:
            // those it makes now are removed with the program pins.
            List<Path> pinnedByName = SpecReader.read(file).maps().stream()
                    .filter(m -> m.pinning() == Pinning.BY_NAME)
                    .map(m -> bpffs.resolve(m.name()))
                    .filter(pin -> !Files.exists(pin))
                    .toList();
            try {
                if (run("bpftool", "prog", "loadall", file.toString(), pins.toString()).exitCode() != 0)
                    continue; // the kernel refused something in it (map_trace, legacy maps, ...)
                for (LinkedProgram p : Linker.link(SpecReader.read(file)).programs()) {
                    Path pin = pins.resolve(p.name());
                    if (!Files.exists(pin))
                        continue;
                    Proc theirs = run("bpftool", "prog", "dump", "xlated", "pinned", pin.toString(), "linum");
                    CliRunner.Run ours = CliRunner.run("object", "dump", "--source", "--relocated", "--program", p.name(), file.toString());
                    List<String> a = theirs.out().lines().filter(l -> !l.matches(" *\\d+: \\(.*")).toList();
                    List<String> b = ours.out().lines().skip(1).filter(l -> !INSN.matcher(l).matches()).toList();
                    if (a.equals(b))
                        identical++;
                    else if (!isSubsequence(a, b))
                        problems.append(name).append(' ').append(p.name()).append(":\n  bpftool ").append(a).append("\n  ours    ").append(b).append('\n');
                    compared++;
                }
            } finally {
                if (Files.isDirectory(pins)) {
                    try (var pinned = Files.list(pins)) {
                        for (Path pin : pinned.toList())
                            Files.deleteIfExists(pin);
                    }
                    Files.deleteIfExists(pins);
                }
                for (Path pin : pinnedByName)
                    Files.deleteIfExists(pin);
            }
        }
        assertTrue(problems.isEmpty(), problems.toString());
        assertTrue(compared >= 3, "only " + compared + " programs loaded, too few to compare");
        assertTrue(identical >= 3, "only " + identical + " of " + compared + " programs kept all their lines");
    }

    private static boolean isSubsequence(List<String> sub, List<String> of) {
        int j = 0;
        for (String s : of)
            if (j < sub.size() && sub.get(j).equals(s))
                j++;
        return j == sub.size();
    }

    record Proc(int exitCode, String out) {
    }

    private static Proc run(String... command) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            return new Proc(-1, e.getMessage());
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(String.join(" ", command) + " did not finish in 60 s");
        }
        return new Proc(p.exitValue(), out);
    }

    @Test
    void withoutTheAnnotationsItIsThePlainDump() throws Exception {
        Path file = CliRunner.object(dir, "xdp_parser", Target.BPFEL);
        CliRunner.Run annotated = CliRunner.run("object", "dump", "--source", file.toString());
        CliRunner.Run plain = CliRunner.run("object", "dump", file.toString());
        assertEquals(0, annotated.status(), annotated.err());
        String stripped = annotated.out().lines()
                .filter(l -> !l.startsWith("; ") && !(l.endsWith("):") && !l.startsWith("program ") && !l.startsWith("subprogram ")))
                .map(l -> l + "\n").reduce("", String::concat);
        assertEquals(plain.out(), stripped);
        assertTrue(annotated.out().contains("; "), "no source line printed");
    }

    @Test
    void anObjectWithoutBtfExtGetsANoteAndThePlainDisassembly() throws Exception {
        byte[] object = TestObjects.object("subprogs", Target.BPFEL);
        // Rename the section (".BTF.ext" -> ".BTF.exx") in the section-name table: same layout, no .BTF.ext.
        byte[] renamed = object.clone();
        byte[] needle = ".BTF.ext".getBytes(StandardCharsets.US_ASCII);
        int replaced = 0;
        for (int i = 0; i + needle.length <= renamed.length; i++) {
            boolean match = true;
            for (int k = 0; k < needle.length && match; k++)
                match = renamed[i + k] == needle[k];
            if (match) {
                renamed[i + needle.length - 1] = 'x';
                replaced++;
            }
        }
        assertTrue(replaced > 0);
        Path file = dir.resolve("nobtfext.o");
        Files.write(file, renamed);
        assertTrue(SpecReader.read(file).programs().get(0).lineInfo().isEmpty());

        CliRunner.Run annotated = CliRunner.run("object", "dump", "--source", file.toString());
        CliRunner.Run plain = CliRunner.run("object", "dump", file.toString());
        assertEquals(0, annotated.status(), annotated.err());
        assertEquals(plain.out(), annotated.out());
        assertTrue(annotated.err().contains("has no .BTF.ext line info"), annotated.err());
    }

    @Test
    void aMalformedBtfExtIsAOneLineError() throws Exception {
        ElfFile elf = ElfReader.read("subprogs.o", TestObjects.object("subprogs", Target.BPFEL));
        Section ext = elf.section(".BTF.ext").orElseThrow();
        byte[] bad = elf.bytes(ext);
        ByteBuffer.wrap(bad).order(ByteOrder.LITTLE_ENDIAN).putInt(12, 0x7fff_0000); // func_info_len
        Path file = dir.resolve("badext.o");
        Files.write(file, ElfWriter.copyOf(elf).replaceContents(ext.index(), bad).write());

        CliRunner.Run r = CliRunner.run("object", "dump", "--source", file.toString());
        assertEquals(1, r.status());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("bpf4j: badext.o: section '.BTF.ext': .BTF.ext func_info:"), r.err());
        assertTrue(r.err().contains("beyond the end"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    @Test
    void sourceAndJsonDoNotMix() throws Exception {
        Path file = CliRunner.object(dir, "subprogs", Target.BPFEL);
        CliRunner.Run r = CliRunner.run("object", "dump", "--source", "--json", file.toString());
        assertEquals(1, r.status());
        assertTrue(r.err().contains("cannot be combined with --json"), r.err());
    }
}
