package dev.bpf4j.loader;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import dev.bpf4j.testdata.LibbpfTool;

/**
 * Asks the machine's real libbpf (Debian's libbpf-dev, 1.1 at the time of writing) what it
 * calls each enum number and how it classifies section names, by compiling and running a
 * tiny C program. Tests skip, with a message saying why, where gcc or libbpf-dev is missing.
 */
final class NativeLibbpfProbe {

    /** libbpf_prog_type_by_name()'s answer for one section name. */
    record SectionAnswer(int error, int programType, int attachType) {
    }

    /** Everything the probe printed. */
    record Answers(Map<Integer, String> programTypeNames, Map<Integer, String> attachTypeNames,
                   Map<Integer, String> mapTypeNames, Map<String, SectionAnswer> sections) {
    }

    // The enums are far below 256 entries; numbers past a version's table give NULL.
    private static final String PROGRAM = """
            #include <stdio.h>
            #include <string.h>
            #include <bpf/libbpf.h>

            int main(void)
            {
                char line[4096];
                int i;

                libbpf_set_print(NULL); /* unknown section names would be logged */
                for (i = 0; i < 256; i++) {
                    const char *p = libbpf_bpf_prog_type_str((enum bpf_prog_type)i);
                    const char *a = libbpf_bpf_attach_type_str((enum bpf_attach_type)i);
                    const char *m = libbpf_bpf_map_type_str((enum bpf_map_type)i);
                    if (p) printf("prog %d %s\\n", i, p);
                    if (a) printf("attach %d %s\\n", i, a);
                    if (m) printf("map %d %s\\n", i, m);
                }
                while (fgets(line, sizeof(line), stdin)) {
                    enum bpf_prog_type pt = 0;
                    enum bpf_attach_type at = 0;
                    int err;

                    line[strcspn(line, "\\n")] = '\\0';
                    err = libbpf_prog_type_by_name(line, &pt, &at);
                    printf("sec %d %d %d %s\\n", err, (int)pt, (int)at, line);
                }
                return 0;
            }
            """;

    private NativeLibbpfProbe() {
    }

    /**
     * Compiles the probe in {@code workDir}, feeds it the section names (one a line, so none
     * may contain a newline) and parses its answers. Skips the calling test when there is no
     * C compiler or no libbpf-dev.
     */
    static Answers ask(Path workDir, List<String> sectionNames) throws IOException, InterruptedException {
        Path binary = LibbpfTool.build(workDir, "probe", PROGRAM);
        StringBuilder input = new StringBuilder();
        for (String name : sectionNames)
            input.append(name).append('\n');
        LibbpfTool.Result r = LibbpfTool.run(binary, input.toString());
        if (r.exitCode() != 0)
            throw new AssertionError("libbpf probe exited with " + r.exitCode() + ":\n" + r.stdout() + r.stderr());
        return parse(r.stdout());
    }

    private static Answers parse(String text) {
        Map<Integer, String> prog = new HashMap<>();
        Map<Integer, String> attach = new HashMap<>();
        Map<Integer, String> map = new HashMap<>();
        Map<String, SectionAnswer> sections = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            if (line.isEmpty())
                continue;
            String[] f = line.split(" ", 5);
            switch (f[0]) {
                case "prog" -> prog.put(Integer.parseInt(f[1]), f[2]);
                case "attach" -> attach.put(Integer.parseInt(f[1]), f[2]);
                case "map" -> map.put(Integer.parseInt(f[1]), f[2]);
                case "sec" -> sections.put(f.length > 4 ? f[4] : "", new SectionAnswer(
                        Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3])));
                default -> throw new AssertionError("unexpected probe output: " + line);
            }
        }
        return new Answers(prog, attach, map, sections);
    }

    /** Section names that exercise every entry: the bare pattern, and its forms with a target. */
    static List<String> samplesOf(List<SectionDef> defs) {
        List<String> names = new ArrayList<>();
        for (SectionDef d : defs) {
            String p = d.pattern();
            if (d.isOptionalTarget()) {
                String stem = p.substring(0, p.length() - 1);
                names.add(stem);
                names.add(stem + "/target");
                names.add(stem + "/");
            } else if (d.isPrefix()) {
                names.add(p + "target");
            } else {
                names.add(p);
            }
        }
        return names;
    }
}
