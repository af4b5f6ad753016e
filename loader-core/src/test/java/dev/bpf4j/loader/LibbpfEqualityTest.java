package dev.bpf4j.loader;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Our {@link Linker} hands the kernel the same instructions as the system's libbpf (Debian's
 * 1.1), byte for byte, map file descriptors aside: for every bpfel testdata object libbpf can
 * open and for the Linux kernel BPF selftests in {@code testdata/src/selftests} (code we did not
 * write). libbpf's side comes from {@code testdata/tools/libbpf_relocate.c}, which really loads
 * each object ({@code bpf_object__load}, pinning off) and prints every autoloaded program's
 * final instructions, an ld_imm64's map fd replaced by the map's name, plus the initial value of
 * each internal map ({@code .data*}, {@code .rodata*}, {@code .bss*}, {@code .kconfig} as
 * resolved from the running kernel). Root and a working bpf(2) are needed; otherwise, and
 * without gcc or libbpf-dev, the tests skip and say why.
 *
 * <p>A failed load is no obstacle: libbpf 1.1 relocates every autoloaded program before loading
 * any, and keeps the relocated arrays when a load fails, so the tool prints them all; it names
 * maps from the fds it recorded while the maps were alive (see the tool's header).
 * {@link #aFailedLoadStillShowsEveryProgramsRelocation()} checks that premise on this libbpf.
 *
 * <p>Each program's func_info and line_info ({@code .BTF.ext}, carried along with appended
 * subprograms) are compared too, for every program libbpf handed to BPF_PROG_LOAD: the tool
 * captures what libbpf passes by interposing {@code syscall(2)} (libbpf 1.1 has no API for it).
 *
 * <p>Sections libbpf 1.1 cannot type ({@code tcx/}, {@code tc/ingress}, {@code netfilter},
 * {@code sk_skb/verdict}, {@code map_trace/}, an unknown name) need no exemption: libbpf gives
 * them program type UNSPEC but still autoloads and relocates them exactly like the others; only
 * loading refuses them ("missing BPF prog type"), after relocation. So they are compared like
 * every other program, whatever type our section table gives them.
 *
 * <p>Every difference goes into one assertion message: per program the slot index, both
 * sides disassembled and their raw fields, up to {@value LibbpfRelocateTool#MAX_SLOTS_SHOWN} slots a program
 * (then the count of the rest), and per internal map both initial values.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS) // the tool is built once, into this instance's fields
class LibbpfEqualityTest {
    private Path work;
    private LibbpfRelocateTool tool;

    @BeforeAll
    void buildToolAndProbeKernel(@TempDir Path dir) throws IOException, InterruptedException {
        work = dir; // lives until the class's last test has run
        tool = LibbpfRelocateTool.build(work);
    }

    static List<String> testdataObjects() {
        return TestObjects.names();
    }

    static List<String> selftests() {
        return TestObjects.selftestNames();
    }

    @ParameterizedTest(name = "testdata {0}")
    @MethodSource("testdataObjects")
    void testdataObjectLinksAsLibbpfLoadsIt(String name) throws IOException, InterruptedException {
        compare(write("testdata", name + ".o", TestObjects.object(name, Target.BPFEL)));
    }

    @ParameterizedTest(name = "selftest {0}")
    @MethodSource("selftests")
    void kernelSelftestLinksAsLibbpfLoadsIt(String name) throws IOException, InterruptedException {
        compare(write("selftests", name + ".o", TestObjects.selftest(name)));
    }

    /**
     * The func/line info comparison is live: for subprogs.o (an entry calling four subprograms,
     * two of them static), libbpf hands the kernel one func_info per function, entry first,
     * at the slots where the copies landed, and ours are the same; so is every line_info.
     */
    @Test
    void appendedSubprogramsCarryTheirFuncAndLineInfoAsLibbpf() throws IOException, InterruptedException {
        Path file = write("ext", "subprogs.o", TestObjects.object("subprogs", Target.BPFEL));
        LibbpfRun theirs = tool.relocate(file);
        LibbpfProgram p = theirs.programs().stream().filter(x -> x.name().equals("sub_socket")).findFirst().orElseThrow();
        assertTrue(p.reachedKernel(), "libbpf did not load sub_socket");
        assertEquals(5, p.funcInfo().size(), p.funcInfo().toString());
        LinkedProgram ours = Linker.link(SpecReader.read(file)).program("sub_socket").orElseThrow();
        StringBuilder report = new StringBuilder();
        LibbpfRelocateTool.compareExtInfo(p, ours, report);
        assertTrue(report.isEmpty(), report.toString());
        assertEquals(p.lineInfo().size(), ours.lineInfo().size());
    }

    /**
     * The tool's premise, on the installed libbpf: after a load that failed part-way, each
     * program's printed instructions (map names included) equal those it gets when it is the
     * only program loaded ({@code --each}: a fresh object per program, autoload off for the
     * rest). At least one object must have failed to load, or nothing was checked.
     */
    @Test
    void aFailedLoadStillShowsEveryProgramsRelocation() throws IOException, InterruptedException {
        List<String> checked = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        for (String name : TestObjects.names())
            files.add(write("testdata", name + ".o", TestObjects.object(name, Target.BPFEL)));
        for (String name : TestObjects.selftestNames())
            files.add(write("selftests", name + ".o", TestObjects.selftest(name)));
        StringBuilder problems = new StringBuilder();
        for (Path file : files) {
            LibbpfTool.Result whole = tool.run(file);
            if (whole.exitCode() != 0)
                continue; // libbpf cannot open it (legacy maps): nothing was loaded
            LibbpfRun run = LibbpfRun.parse(whole.stdout());
            if (run.load() == 0)
                continue;
            LibbpfTool.Result each = tool.run(file, "--each");
            assertEquals(0, each.exitCode(), each.stderr());
            LibbpfRun alone = LibbpfRun.parse(each.stdout());
            checked.add(file.getFileName() + " (load " + run.load() + ")");
            Map<String, List<Slot>> a = new LinkedHashMap<>(), b = new LinkedHashMap<>();
            run.programs().forEach(p -> a.put(p.name(), p.slots()));
            alone.programs().forEach(p -> b.put(p.name(), p.slots()));
            if (!a.equals(b) || !run.maps().equals(alone.maps()))
                problems.append(file.getFileName()).append(": whole-object load and one-program loads differ\n");
        }
        assertTrue(problems.isEmpty(), problems.toString());
        assertTrue(!checked.isEmpty(), "no object failed to load, so the premise was not exercised");
    }

    private void compare(Path file) throws IOException, InterruptedException {
        byte[] bytes = Files.readAllBytes(file);
        String fileName = file.getFileName().toString();
        ObjectSpec spec = SpecReader.read(fileName, bytes);
        LibbpfTool.Result r = tool.run(file);
        if (spec.maps().stream().anyMatch(m -> m.kind() == MapKind.LEGACY)) {
            // libbpf 1.x dropped SEC("maps"); we keep reading it, as libbpf 0.x and iproute2 do.
            assertEquals(1, r.exitCode(), "libbpf 1.x should refuse legacy maps:\n" + r.stdout());
            assertTrue(r.stderr().contains("legacy map definitions"), r.stderr());
            return; // the refusal is what there is to check: libbpf has no relocation of it to compare with

        }
        assertEquals(0, r.exitCode(), "libbpf could not open " + fileName + ":\n" + r.stderr());
        LibbpfRun theirs = LibbpfRun.parse(r.stdout());
        List<String> unrelocated = theirs.programs().stream().filter(p -> p.status().equals("unrelocated"))
                .map(LibbpfProgram::name).toList();
        // Not our linker's fault: libbpf stopped before relocating (e.g. the kernel refused a map).
        assumeTrue(unrelocated.isEmpty(), "libbpf's load of " + fileName + " failed (" + theirs.load()
                + ") before relocation, so there is nothing to compare:\n" + r.stderr());

        LoadPlan plan;
        try {
            plan = Linker.link(spec);
        } catch (RuntimeException e) {
            throw new AssertionError(fileName + ": libbpf relocated it (load " + theirs.load() + "), our Linker threw "
                    + e, e);
        }

        String report = LibbpfRelocateTool.differences(theirs, plan, tool.aloneWhereNeeded(theirs, file));
        if (!report.isEmpty())
            fail(fileName + " (libbpf load " + theirs.load() + "): our Linker differs from libbpf\n" + report);
    }

    private Path write(String dir, String fileName, byte[] bytes) throws IOException {
        // The file name matters: libbpf derives the object name, and so internal map names, from it.
        Path d = Files.createDirectories(work.resolve(dir));
        Path file = d.resolve(fileName);
        Files.write(file, bytes);
        return file;
    }

}
