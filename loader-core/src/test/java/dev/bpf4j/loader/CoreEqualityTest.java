package dev.bpf4j.loader;

import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.btf.KernelBtf;
import dev.bpf4j.loader.LibbpfRelocateTool.LibbpfProgram;
import dev.bpf4j.loader.LibbpfRelocateTool.LibbpfRun;
import dev.bpf4j.loader.LibbpfRelocateTool.Slot;
import dev.bpf4j.testdata.LibbpfTool;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * CO-RE: our {@link Linker} adapts programs to a target BTF exactly as the system's libbpf (1.1)
 * does, slot by slot, poisoned instructions included ({@code call 0xbad2310} where a relocation
 * failed). libbpf's side is {@code testdata/tools/libbpf_relocate.c} (see
 * {@link LibbpfRelocateTool}), which really loads each object; {@code --btf} gives it libbpf's
 * {@code btf_custom_path}. Compared:
 * <ul>
 * <li>{@code core_local.o} against {@code core_target.o}'s {@code .BTF} (every relocation kind
 *     clang 14 emits, each giving a different value than locally, flavors, guarded and reached
 *     poisons);</li>
 * <li>every testdata and selftest object that has CO-RE records, against the running kernel's
 *     {@code /sys/kernel/btf/vmlinux} (libbpf's default): {@code core_vmlinux.o} (tracing
 *     programs built against a {@code vmlinux.h}), and {@code core_local.o}, whose local types
 *     the kernel lacks;</li>
 * <li>TYPE_MATCHES, which clang 14 cannot emit: {@code core_local.o} with its type-exists
 *     records rewritten to type-matches ({@link CoreRecordRewriter});</li>
 * <li>failures that are no poison: an ambiguous target ({@code core_ambiguous.o}) and a
 *     malformed access string fail libbpf's whole load, and our link, with a message naming
 *     the program.</li>
 * </ul>
 * libbpf only loads objects of the host's byte order, so this compares bpfel objects; the
 * bpfeb ones are checked against hand-derived values by the emulator's CoreEmulatorTest.
 * Skips (with the reason) without root, gcc, libbpf-dev or a usable bpf(2), and the
 * running-kernel cases without {@code /sys/kernel/btf/vmlinux}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // the tool is built once, into this instance's fields
class CoreEqualityTest {
    private static final int CORE_LOCAL_RELOCATIONS = 48; // counted in core_local.c: 28 + 15 + 4 + 1
    private static final int TYPE_EXISTS = 8;
    private static final int TYPE_MATCHES = 12;

    private Path work;
    private LibbpfRelocateTool tool;
    /** One parsed kernel BTF for every link against the running kernel, as the CLI shares one. */
    private final KernelBtf kernel = new KernelBtf();

    @BeforeAll
    void buildTool(@TempDir Path dir) throws IOException, InterruptedException {
        work = dir;
        tool = LibbpfRelocateTool.build(work);
    }

    /** Objects (testdata, then selftests) whose programs carry CO-RE relocation records. */
    Stream<String> objectsWithCoreRecords() {
        List<String> names = new ArrayList<>();
        for (String n : TestObjects.names())
            if (hasCoreRecords(TestObjects.object(n, Target.BPFEL)))
                names.add(n);
        for (String n : TestObjects.selftestNames())
            if (hasCoreRecords(TestObjects.selftest(n)))
                names.add("selftests/" + n);
        return names.stream();
    }

    @Test
    void coreLocalAgainstCoreTargetEqualsLibbpf() throws IOException, InterruptedException {
        Path local = write("custom", "core_local.o", TestObjects.object("core_local", Target.BPFEL));
        Path target = write("custom", "core_target.o", TestObjects.object("core_target", Target.BPFEL));
        ObjectSpec spec = SpecReader.read(local);
        assertEquals(CORE_LOCAL_RELOCATIONS, spec.programs().stream().mapToInt(p -> p.coreRelocations().size()).sum(),
                "core_local.o's CO-RE records (counted by hand from the source)");

        LibbpfRun theirs = tool.relocate(local, "--btf", target.toString());
        // The test is only as good as what it exercises: libbpf relocated every program, loaded
        // the three whose poisons are unreachable, refused the one that reaches its poison.
        assertEquals(List.of("loaded", "loaded", "loaded", "rejected"),
                theirs.programs().stream().map(LibbpfProgram::status).toList(), theirs.programs().toString());
        assertEquals(List.of(2, 2, 0, 1), theirs.programs().stream().map(CoreEqualityTest::poisonCalls).toList(),
                "poisoned slots per program at libbpf (core_fields: inner.b's load, gone's load; core_types: "
                        + "both slots of CORE_PURPLE's ld_imm64; core_poisoned: gone's load)");

        LoadPlan ours = link(local, LinkOptions.defaults().withTargetBtf(TargetBtf.file(target)));
        assertSame(local, theirs, ours, "--btf", target.toString());
    }

    @ParameterizedTest(name = "{0} against the running kernel")
    @MethodSource("objectsWithCoreRecords")
    void againstTheRunningKernelEqualsLibbpf(String name) throws IOException, InterruptedException {
        assumeTrue(Files.isReadable(KernelBtf.VMLINUX), KernelBtf.VMLINUX + " is missing: no kernel BTF to relocate against");
        byte[] bytes = name.startsWith("selftests/") ? TestObjects.selftest(name.substring("selftests/".length()))
                : TestObjects.object(name, Target.BPFEL);
        Path file = write("kernel", name.replace("selftests/", "") + ".o", bytes);
        LibbpfRun theirs = tool.relocate(file);
        assertTrue(theirs.programs().stream().noneMatch(p -> p.status().equals("unrelocated")),
                "libbpf did not relocate " + name + " against the running kernel: " + theirs.programs());
        LoadPlan ours = link(file, LinkOptions.defaults().withTargetBtf(TargetBtf.runningKernel(kernel)));
        assertSame(file, theirs, ours);
    }

    /**
     * core_vmlinux.o is among the objects above, and what it exercises at libbpf: every program
     * relocated; one poisoned slot in all, in core_sched_switch: of task_struct's "__state"
     * (5.14 on) and task_struct___old's "state" (before) exactly one exists, so the read of the
     * other is poisoned, behind its bpf_core_field_exists guard, so the kernel still loads it.
     */
    @Test
    void theVmlinuxObjectHasOneGuardedPoisonAtLibbpf() throws IOException, InterruptedException {
        assumeTrue(Files.isReadable(KernelBtf.VMLINUX), KernelBtf.VMLINUX + " is missing: no kernel BTF to relocate against");
        assertTrue(objectsWithCoreRecords().anyMatch("core_vmlinux"::equals));
        Path file = write("kernel", "core_vmlinux.o", TestObjects.object("core_vmlinux", Target.BPFEL));
        LibbpfRun theirs = tool.relocate(file);
        assertEquals(6, theirs.programs().size(), theirs.programs().toString());
        assertEquals(List.of(0, 0, 0, 1, 0, 0), theirs.programs().stream().map(CoreEqualityTest::poisonCalls).toList(),
                theirs.programs().stream().map(LibbpfProgram::name).toList().toString());
        assertEquals("core_sched_switch", theirs.programs().get(3).name());
        assertEquals("loaded", theirs.programs().get(3).status(), "the kernel refused the guarded poison of core_sched_switch");
    }

    /**
     * TYPE_MATCHES (kind 12): clang 14 cannot emit it, so core_local.o's type-exists records are
     * rewritten into type-matches ones. Against core_target.o, struct core_thing exists but does
     * not match (no member gone), struct core_absent neither, the flavor core_flavored___old
     * does not match core_flavored (no old_name member), core_flavored___new does (its only
     * member, the int new_name, is there). libbpf's debug log must show the kind.
     */
    @Test
    void typeMatchesRewrittenObjectEqualsLibbpf() throws IOException, InterruptedException {
        CoreRecordRewriter.Rewritten rewritten = CoreRecordRewriter.rewriteKind(
                TestObjects.object("core_local", Target.BPFEL), TYPE_EXISTS, TYPE_MATCHES);
        assertEquals(4, rewritten.records(), "core_local.c has four bpf_core_type_exists");
        Path local = write("matches", "core_local.o", rewritten.object());
        Path target = write("matches", "core_target.o", TestObjects.object("core_target", Target.BPFEL));
        LibbpfTool.Result debug = tool.run(local, "--debug", "--btf", target.toString());
        assertTrue(debug.stderr().contains("<type_matches>"), "libbpf did not see type-matches records:\n" + debug.stderr());
        LibbpfRun theirs = LibbpfRun.parse(debug.stdout());
        LoadPlan ours = link(local, LinkOptions.defaults().withTargetBtf(TargetBtf.file(target)));
        assertSame(local, theirs, ours, "--btf", target.toString());
    }

    /** The same rewrite, relocated against the running kernel: nothing of core_local is there. */
    @Test
    void typeMatchesAgainstTheRunningKernelEqualsLibbpf() throws IOException, InterruptedException {
        assumeTrue(Files.isReadable(KernelBtf.VMLINUX), KernelBtf.VMLINUX + " is missing: no kernel BTF to relocate against");
        byte[] bytes = CoreRecordRewriter.rewriteKind(TestObjects.object("core_local", Target.BPFEL), TYPE_EXISTS, TYPE_MATCHES).object();
        Path local = write("matches-kernel", "core_local.o", bytes);
        LibbpfRun theirs = tool.relocate(local);
        assertSame(local, theirs, link(local, LinkOptions.defaults().withTargetBtf(TargetBtf.runningKernel(kernel))));
    }

    /**
     * A malformed access string (core_local's "0:3:3", arr[3], made "0:9:3": member 9 of a
     * struct with 8) is no poison at libbpf: the whole load fails before any program reaches
     * the kernel ("parsing [2] struct core_thing + 0:9:3 failed"). Ours refuses to link, with
     * a message naming the program, the instruction and the spec.
     */
    @Test
    void aMalformedAccessStringFailsTheLinkAsAtLibbpf() throws IOException, InterruptedException {
        byte[] bytes = TestObjects.object("core_local", Target.BPFEL);
        byte[] from = "\u00000:3:3\u0000".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        int at = indexOf(bytes, from);
        assertTrue(at > 0, "core_local.o has the access string 0:3:3");
        bytes[at + 3] = '9';
        Path local = write("malformed", "core_local.o", bytes);
        Path target = write("malformed", "core_target.o", TestObjects.object("core_target", Target.BPFEL));
        LibbpfTool.Result r = tool.run(local, "--btf", target.toString());
        LibbpfRun theirs = LibbpfRun.parse(r.stdout());
        assertTrue(theirs.load() < 0 && theirs.programs().stream().allMatch(p -> p.status().equals("unrelocated")),
                r.stdout() + r.stderr());
        assertTrue(r.stderr().contains("0:9:3 failed"), r.stderr());

        ObjectSpec spec = SpecReader.read(local);
        RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> Linker.link(spec, LinkOptions.defaults().withTargetBtf(TargetBtf.file(target))));
        String m = String.valueOf(e.getMessage());
        assertTrue(m.contains("core_fields") && m.contains("0:9:3") && m.matches("(?s).*(insn|instruction)[^0-9]*\\d+.*"), m);
    }

    /**
     * Two candidates that disagree (core_ambiguous.o: x at 0 in core_thing___one, at 4 in
     * core_thing___two): libbpf fails the whole load ("field offset ambiguity"); so do we,
     * naming the program.
     */
    @Test
    void anAmbiguousTargetFailsTheLinkAsAtLibbpf() throws IOException, InterruptedException {
        Path local = write("ambiguous", "core_local.o", TestObjects.object("core_local", Target.BPFEL));
        Path target = write("ambiguous", "core_ambiguous.o", TestObjects.object("core_ambiguous", Target.BPFEL));
        LibbpfTool.Result r = tool.run(local, "--btf", target.toString());
        LibbpfRun theirs = LibbpfRun.parse(r.stdout());
        assertTrue(theirs.load() < 0 && theirs.programs().stream().allMatch(p -> p.status().equals("unrelocated")),
                r.stdout() + r.stderr());
        assertTrue(r.stderr().contains("ambiguity"), r.stderr());

        ObjectSpec spec = SpecReader.read(local);
        RuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class,
                () -> Linker.link(spec, LinkOptions.defaults().withTargetBtf(TargetBtf.file(target))));
        String m = String.valueOf(e.getMessage());
        assertTrue(m.contains("core_fields") && m.toLowerCase().contains("ambigu"), m);
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int k = 0; k < needle.length; k++)
                if (haystack[i + k] != needle[k])
                    continue outer;
            return i;
        }
        return -1;
    }

    /**
     * The kernel selftest test_core_extern.o is named by the issue as a CO-RE candidate; it has
     * only kconfig externs and no CO-RE records, so it is compared (against the running kernel)
     * by LibbpfEqualityTest like every selftest. This pins that fact, so that a rebuilt object
     * that gains records is noticed and joins {@link #againstTheRunningKernelEqualsLibbpf}.
     */
    @Test
    void testCoreExternHasNoCoreRecords() {
        assertFalse(hasCoreRecords(TestObjects.selftest("test_core_extern")));
        assertTrue(objectsWithCoreRecords().noneMatch(n -> n.equals("selftests/test_core_extern")));
    }

    private LoadPlan link(Path file, LinkOptions options) throws IOException {
        ObjectSpec spec = SpecReader.read(file);
        try {
            return Linker.link(spec, options);
        } catch (RuntimeException e) {
            throw new AssertionError(file.getFileName() + ": libbpf relocated it, our Linker threw " + e, e);
        }
    }

    private void assertSame(Path file, LibbpfRun theirs, LoadPlan ours, String... options)
            throws IOException, InterruptedException {
        String report = LibbpfRelocateTool.differences(theirs, ours, tool.aloneWhereNeeded(theirs, file, options));
        if (!report.isEmpty())
            fail(file.getFileName() + " (libbpf load " + theirs.load() + ", " + String.join(" ", options)
                    + "): our CO-RE relocation differs from libbpf\n" + report);
    }

    /** Slots that are {@code call 0xbad2310}: libbpf's poisoned instructions. */
    static int poisonCalls(LibbpfProgram p) {
        int n = 0;
        for (Slot s : p.slots())
            if (s.code() == (Opcodes.JMP | Opcodes.CALL) && s.imm() == Opcodes.CORE_POISON_HELPER)
                n++;
        return n;
    }

    private static boolean hasCoreRecords(byte[] object) {
        return SpecReader.read("object.o", object).programs().stream().anyMatch(p -> !p.coreRelocations().isEmpty());
    }

    private Path write(String dir, String fileName, byte[] bytes) throws IOException {
        // The file name matters: libbpf derives the object name, and so internal map names, from it.
        Path d = Files.createDirectories(work.resolve(dir));
        Path file = d.resolve(fileName);
        Files.write(file, bytes);
        return file;
    }
}
