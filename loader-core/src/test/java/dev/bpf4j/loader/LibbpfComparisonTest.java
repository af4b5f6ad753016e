package dev.bpf4j.loader;

import dev.bpf4j.testdata.LibbpfTool;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our spec of each testdata object lists the same programs and maps, in the same order, as
 * the system's libbpf reports after {@code bpf_object__open} (testdata/tools/libbpf_inspect.c).
 * Only bpfel objects: libbpf refuses objects of the other endianness. Differences that come
 * from the libbpf version (Debian's 1.1 predates some sections) are named below, not ignored.
 */
class LibbpfComparisonTest {
    /** Section prefixes newer than libbpf 1.1, which it types as UNSPEC; map_trace/ was never merged. */
    private static final Set<String> NEWER_THAN_LIBBPF_1_1 = Set.of("tcx/", "tc/", "netkit/", "kprobe.session", "uprobe.session",
            "uprobe.multi", "uretprobe.multi", "tp.s/", "tracepoint.s/", "raw_tp.s/", "cgroup/connect_unix",
            "cgroup/sendmsg_unix", "cgroup/recvmsg_unix", "cgroup/getpeername_unix", "cgroup/getsockname_unix",
            "sk_skb/verdict", "netfilter", "map_trace/");

    @TempDir
    static Path work;
    static Path inspect;

    @BeforeAll
    static void buildInspector() throws IOException, InterruptedException {
        String source = new String(TestObjects.resource("tools/libbpf_inspect.c"), StandardCharsets.UTF_8);
        inspect = LibbpfTool.build(work, "libbpf_inspect", source);
    }

    /** Our objects, and kernel selftests we did not write (testdata/src/selftests). */
    static List<String> objects() {
        List<String> all = new ArrayList<>(TestObjects.names());
        TestObjects.selftestNames().forEach(n -> all.add("selftests/" + n));
        return all;
    }

    private static byte[] bytes(String name) {
        return name.startsWith("selftests/") ? TestObjects.selftest(name.substring("selftests/".length()))
                : TestObjects.object(name, Target.BPFEL);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("objects")
    void programsAndMapsEqualLibbpfs(String path) throws IOException, InterruptedException {
        String name = path.substring(path.lastIndexOf('/') + 1);
        byte[] bytes = bytes(path);
        Path file = work.resolve(name + ".o");
        Files.write(file, bytes);
        ObjectSpec spec = SpecReader.read(name + ".o", bytes);
        LibbpfTool.Result r = LibbpfTool.run(inspect, "", file.toString());

        if (spec.maps().stream().anyMatch(m -> m.kind() == MapKind.LEGACY)) {
            // libbpf 1.x dropped SEC("maps"); we keep reading it, as libbpf 0.x and iproute2 do.
            assertEquals(1, r.exitCode(), "libbpf 1.x should refuse legacy maps:\n" + r.stdout());
            assertTrue(r.stderr().contains("legacy map definitions"), r.stderr());
            return;
        }
        assertEquals(0, r.exitCode(), r.stderr());

        List<String> theirs = new ArrayList<>();
        for (String line : r.stdout().lines().toList()) {
            String[] f = line.split("\t");
            if (f[0].equals("prog") && newerThanLibbpf(f[2])) {
                // libbpf 1.1 does not know the section: it must say UNSPEC, and we compare the rest.
                assertEquals("0 0", f[3] + " " + f[4], "libbpf 1.1 typed a section we list as newer: " + line);
                theirs.add(String.join(" ", "prog", f[1], f[2], f[5], f[6]));
            } else if (f[0].equals("prog") || f[0].equals("map")) {
                theirs.add(String.join(" ", f));
            }
        }
        List<String> ours = new ArrayList<>();
        for (ProgramSpec p : spec.programs())
            ours.add(newerThanLibbpf(p.sectionName())
                    ? String.join(" ", "prog", p.name(), p.sectionName(), "" + p.slotCount(), p.autoload() ? "1" : "0")
                    : prog(p));
        for (MapSpec m : spec.maps())
            ours.add(map(m));
        assertEquals(String.join("\n", theirs), String.join("\n", ours), name);
    }

    private static boolean newerThanLibbpf(String section) {
        return NEWER_THAN_LIBBPF_1_1.stream().anyMatch(section::startsWith);
    }

    private static String prog(ProgramSpec p) {
        int attach = p.sectionDef() == null ? 0 : p.sectionDef().expectedAttachTypeNumber();
        return String.join(" ", "prog", p.name(), p.sectionName(), "" + p.type().number(), "" + attach,
                "" + p.slotCount(), p.autoload() ? "1" : "0");
    }

    private static String map(MapSpec m) {
        return String.join(" ", "map", m.name(), "" + m.type().number(), Integer.toUnsignedString(m.keySize()),
                Integer.toUnsignedString(m.valueSize()), Integer.toUnsignedString(m.maxEntries()),
                Integer.toUnsignedString(m.flags()), "" + m.numaNode(), Long.toUnsignedString(m.mapExtra()),
                m.pinning() == Pinning.BY_NAME ? "1" : "0");
    }

}
