package dev.bpf4j.cli;

import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.ElfReader;
import dev.bpf4j.elf.Section;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code --btf FILE} on every command that links ({@code object dump --relocated},
 * {@code object verify}, {@code prog run}, {@code upgrade}): CO-RE relocations are computed
 * against FILE (an ELF with {@code .BTF} here: testdata core_target.o) instead of the running
 * kernel. The relocated values checked are derived by hand from core_target.c's layout; a bad
 * FILE is one line on stderr and exit status 1.
 */
class BtfOptionTest {
    /** core_fields' slot 1: {@code r1 = *(u32 *)(r6 + 0)} in the object (x at 0), x at 48 in the target. */
    private static final List<Long> X_LOAD_IN_TARGET = List.of(0x61L, 1L, 6L, 48L, 0L);
    private static final List<Long> POISON = List.of((long) (Opcodes.JMP | Opcodes.CALL), 0L, 0L, 0L, (long) Opcodes.CORE_POISON_HELPER);

    @TempDir
    Path dir;

    private Path local() throws IOException {
        return CliRunner.object(dir, "core_local", Target.BPFEL);
    }

    private Path target() throws IOException {
        return CliRunner.object(dir, "core_target", Target.BPFEL);
    }

    @SuppressWarnings("unchecked")
    private static List<Object> slot(String json, String program, int slot) {
        Map<String, Object> doc = (Map<String, Object>) JsonReader.parse(json);
        for (Object p : (List<Object>) doc.get("programs")) {
            Map<String, Object> prog = (Map<String, Object>) p;
            if (prog.get("name").equals(program))
                return ((List<List<Object>>) prog.get("insns")).get(slot);
        }
        throw new AssertionError("no program " + program + " in " + json);
    }

    @Test
    void dumpRelocatedRelocatesAgainstTheGivenFile() throws IOException {
        CliRunner.Run r = CliRunner.run("object", "dump", "--relocated", "--json", "--btf", target().toString(), local().toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(X_LOAD_IN_TARGET, slot(r.out(), "core_fields", 1));
        assertEquals(POISON, slot(r.out(), "core_poisoned", 0), "gone is not in the target: the load is poisoned");
    }

    @Test
    void withoutBtfTheRunningKernelIsTheTarget() throws IOException {
        assumeTrue(Files.isReadable(Path.of("/sys/kernel/btf/vmlinux")), "/sys/kernel/btf/vmlinux is missing: no running-kernel BTF");
        CliRunner.Run r = CliRunner.run("object", "dump", "--relocated", "--json", local().toString());
        assertEquals(0, r.status(), r.err());
        // No kernel has a struct core_thing: the field load is poisoned.
        assertEquals(POISON, slot(r.out(), "core_fields", 1));
    }

    @Test
    void textDumpShowsThePoisonedCall() throws IOException {
        CliRunner.Run r = CliRunner.run("object", "dump", "--relocated", "--program", "core_poisoned",
                "--btf", target().toString(), local().toString());
        assertEquals(0, r.status(), r.err());
        assertTrue(r.out().contains("call 0xbad2310") || r.out().contains("call 195896080")
                || r.out().toLowerCase().contains("poison"), r.out());
    }

    @Test
    void verifyLinksAgainstTheGivenFile() throws IOException {
        CliRunner.Run r = CliRunner.run("object", "verify", "--btf", target().toString(), local().toString());
        assertEquals(0, r.status(), r.out() + r.err());
        // The emulator accepts poisoned calls (the kernel refuses only reachable ones; the VM faults if one is run).
        for (String p : List.of("core_fields", "core_types", "core_flavors", "core_poisoned"))
            assertTrue(r.out().contains(p + ": ok ("), r.out());
    }

    @Test
    @SuppressWarnings("unchecked")
    void progRunComputesTheTargetsValues() throws IOException {
        CliRunner.Run r = CliRunner.run("prog", "run", local().toString(), "--program", "core_flavors", "--json",
                "--btf", target().toString());
        assertEquals(0, r.status(), r.err());
        Map<String, Object> doc = (Map<String, Object>) JsonReader.parse(r.out());
        String bss = bssValueHex(doc);
        ByteBuffer out = ByteBuffer.wrap(HexFormat.of().parseHex(bss)).order(ByteOrder.LITTLE_ENDIAN);
        // core_flavored___new.new_name is at 4 in the target; ___old.old_name does not exist; ___new's does.
        assertEquals(List.of(4L, 0L, 1L), List.of(out.getLong(0), out.getLong(8), out.getLong(16)), bss);
    }

    @Test
    void progRunOfAReachedPoisonIsOneLineNamingTheRelocation() throws IOException {
        CliRunner.Run r = CliRunner.run("prog", "run", local().toString(), "--program", "core_poisoned",
                "--ctx", "00".repeat(72), "--btf", target().toString());
        assertEquals(1, r.status(), r.out() + r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("bpf4j: "), r.err());
        assertTrue(r.err().contains("instruction 0: CO-RE relocation #47 failed"), r.err());
    }

    @Test
    void upgradeTakesBtf() throws IOException {
        // dynencap has no CO-RE records: --btf is accepted (and checked) and changes nothing.
        CliRunner.Run r = CliRunner.run("upgrade", CliRunner.object(dir, "dynencap_old", Target.BPFEL).toString(),
                CliRunner.object(dir, "dynencap_new", Target.BPFEL).toString(),
                "--migration", CliRunner.object(dir, "dynencap_migration", Target.BPFEL).toString(),
                "--btf", target().toString());
        assertEquals(0, r.status(), r.err() + r.out());
        assertTrue(r.out().contains("upgraded to "), r.out());
    }

    // ---- bad --btf files, on every command that links

    private List<String> command(String which, Path btf) throws IOException {
        List<String> args = new ArrayList<>(switch (which) {
            case "dump" -> List.of("object", "dump", "--relocated", local().toString());
            case "verify" -> List.of("object", "verify", local().toString());
            case "run" -> List.of("prog", "run", local().toString(), "--program", "core_types");
            case "upgrade" -> List.of("upgrade", CliRunner.object(dir, "dynencap_old", Target.BPFEL).toString(),
                    CliRunner.object(dir, "dynencap_new", Target.BPFEL).toString(),
                    "--migration", CliRunner.object(dir, "dynencap_migration", Target.BPFEL).toString());
            default -> throw new IllegalArgumentException(which);
        });
        args.add("--btf");
        args.add(btf.toString());
        return args;
    }

    private static void assertOneLineError(CliRunner.Run r, String... fragments) {
        assertEquals(1, r.status(), r.out() + r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("bpf4j: "), r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
        for (String f : fragments)
            assertTrue(r.err().contains(f), "'" + f + "' in: " + r.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dump", "verify", "run", "upgrade"})
    void aMissingBtfFileIsOneLine(String which) throws IOException {
        Path missing = dir.resolve("no-such.btf");
        assertOneLineError(CliRunner.run(command(which, missing).toArray(new String[0])), "--btf", missing.toString(), "no such file");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dump", "verify", "run", "upgrade"})
    void aFileThatIsNotBtfIsOneLine(String which) throws IOException {
        Path junk = dir.resolve("junk.btf");
        Files.writeString(junk, "this is not BTF, just text long enough to have a header's worth of bytes\n");
        assertOneLineError(CliRunner.run(command(which, junk).toArray(new String[0])), "--btf", junk.toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dump", "verify", "run", "upgrade"})
    void anElfWithoutBtfIsOneLine(String which) throws IOException {
        Path noBtf = dir.resolve("no_btf.o");
        Files.write(noBtf, withoutBtfSections(TestObjects.object("core_target", Target.BPFEL)));
        assertOneLineError(CliRunner.run(command(which, noBtf).toArray(new String[0])), "--btf", noBtf.toString(), ".BTF");
    }

    @Test
    void aDirectoryIsOneLine() throws IOException {
        assertOneLineError(CliRunner.run("object", "verify", "--btf", dir.toString(), local().toString()), "--btf", "not a regular file");
    }

    /** The object with its sections ".BTF" and ".BTF.ext" renamed ".XTF...": an ELF without BTF. */
    private static byte[] withoutBtfSections(byte[] object) {
        ElfFile elf = ElfReader.read("core_target.o", object);
        Section names = elf.sections().stream().filter(s -> s.name().equals(".strtab") || s.name().equals(".shstrtab"))
                .findFirst().orElseThrow();
        byte[] copy = object.clone();
        byte[] from = ".BTF".getBytes(StandardCharsets.US_ASCII);
        for (int i = (int) names.offset(); i + from.length <= names.offset() + names.size(); i++)
            if (copy[i] == from[0] && copy[i + 1] == from[1] && copy[i + 2] == from[2] && copy[i + 3] == from[3])
                copy[i + 1] = 'X';
        assertTrue(ElfReader.read("no_btf.o", copy).section(".BTF").isEmpty());
        return copy;
    }

    /** {@code "maps": {"core_loc.bss": [{"key": ..., "value": HEX}]}} (MapDump.json). */
    @SuppressWarnings("unchecked")
    private static String bssValueHex(Map<String, Object> doc) {
        Map<String, Object> maps = (Map<String, Object>) doc.get("maps");
        List<Object> entries = (List<Object>) maps.get("core_loc.bss");
        assertTrue(entries != null && entries.size() == 1, String.valueOf(maps));
        return String.valueOf(((Map<String, Object>) entries.get(0)).get("value"));
    }
}
