package dev.bpf4j.linux;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.ProgramSpec;
import dev.bpf4j.testdata.LibbpfTool;
import dev.bpf4j.testdata.TestObjects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Program by program, the kernel takes from this backend what it takes from libbpf: every
 * program of sections.o (one per section kind libbpf knows: kprobes, tracepoints, tp_btf and
 * iterators with their attach BTF ids, sleepable and XDP-frags flags, cgroup, sk_*, lwt, ...)
 * loaded alone, once with libbpf ({@code bpf_object__load} with only that program autoloaded)
 * and once here; both load it, or both fail with the same errno.
 */
class LibbpfAgreementTest {
    static final String LOAD_ONE = """
            #include <bpf/libbpf.h>
            #include <stdio.h>
            #include <string.h>
            static int quiet(enum libbpf_print_level l, const char *f, va_list a) { return 0; }
            int main(int argc, char **argv) {
                libbpf_set_print(quiet);
                for (int i = 2; i < argc; i++) {
                    struct bpf_object *obj = bpf_object__open(argv[1]);
                    struct bpf_program *p;
                    if (!obj) { printf("%s open-failed -1\\n", argv[i]); continue; }
                    bpf_object__for_each_program(p, obj)
                        bpf_program__set_autoload(p, strcmp(bpf_program__name(p), argv[i]) == 0);
                    struct bpf_program *me = bpf_object__find_program_by_name(obj, argv[i]);
                    int type = me ? (int)bpf_program__type(me) : -1;
                    printf("%s %d %d\\n", argv[i], bpf_object__load(obj), type);
                    bpf_object__close(obj);
                }
                return 0;
            }
            """;

    @Test
    void eachSectionKindLoadsAsWithLibbpf(@TempDir Path dir) throws Exception {
        LinuxBackend linux = KernelObjects.backend();
        Path object = dir.resolve("sections.o");
        Files.write(object, TestObjects.object("sections", TestObjects.Target.BPFEL));
        var open = KernelObjects.open("sections");
        LoadPlan plan = Linker.link(open.spec(), open.options());
        List<String> names = new ArrayList<>();
        for (LinkedProgram p : plan.programs())
            names.add(p.name());
        Path tool = LibbpfTool.build(dir, "load_one", LOAD_ONE);
        List<String> args = new ArrayList<>(List.of(object.toString()));
        args.addAll(names);
        var r = LibbpfTool.run(tool, "", args.toArray(String[]::new));
        assertEquals(0, r.exitCode(), r.stderr());
        Map<String, String> libbpf = new TreeMap<>(), ours = new TreeMap<>();
        List<String> unknownToLibbpf = new ArrayList<>();
        for (String line : r.stdout().lines().toList()) {
            String[] f = line.split(" ");
            // an older libbpf than our section table (Debian's 1.1 has no tcx/, netfilter, ...)
            // gives the section no type and fails before asking the kernel: nothing to compare
            if (f[2].equals("0"))
                unknownToLibbpf.add(f[0]);
            else
                libbpf.put(f[0], f[1].equals("0") ? "loads" : "errno " + f[1]);
        }
        for (LinkedProgram p : plan.programs()) {
            if (unknownToLibbpf.contains(p.name()))
                continue;
            try (LoadedObject obj = linux.load(new LoadPlan(plan.spec(), List.of(p), plan.maps()))) {
                ours.put(p.name(), "loads");
            } catch (BackendException e) {
                ours.put(p.name(), "errno " + e.errno());
            }
        }
        assertEquals(libbpf, ours, "sections this libbpf does not know: " + unknownToLibbpf);
        assertTrue(ours.values().stream().filter("loads"::equals).count() > 40, ours.toString());
        assertEquals("loads", ours.get("prog_tp_btf"), "tp_btf needs its attach BTF id");
    }

    /** A tp_btf program naming a tracepoint the kernel lacks: one error naming what was looked for. */
    @Test
    void unknownAttachTargetIsNamed() {
        LinuxBackend linux = KernelObjects.backend();
        var open = KernelObjects.open("sections");
        LoadPlan plan = Linker.link(open.spec(), open.options());
        LinkedProgram tp = plan.program("prog_tp_btf").orElseThrow();
        ProgramSpec s = tp.spec();
        var renamed = new ProgramSpec(s.name(), "tp_btf/no_such_tracepoint", s.type(), s.expectedAttachType(), "no_such_tracepoint",
                s.sectionDef(), s.autoload(), s.sectionIndex(), s.sectionOffset(), s.global(), s.instructions(), s.relocations(),
                s.license(), s.kernelVersion(), s.funcInfo(), s.lineInfo(), s.coreRelocations());
        var linked = new LinkedProgram(renamed, tp.instructions(), tp.subprograms(), tp.funcInfo(), tp.lineInfo());
        BackendException e = org.junit.jupiter.api.Assertions.assertThrows(BackendException.class,
                () -> linux.load(new LoadPlan(plan.spec(), List.of(linked), plan.maps())));
        assertEquals(-BackendException.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("TYPEDEF 'btf_trace_no_such_tracepoint'") && e.getMessage().contains("prog_tp_btf"), e.getMessage());
    }
}
