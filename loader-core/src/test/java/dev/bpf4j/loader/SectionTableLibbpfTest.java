package dev.bpf4j.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The section table against the machine's real libbpf ({@code libbpf_prog_type_by_name()}).
 * Debian's libbpf is older than the table we mirror, so only names it recognizes are compared;
 * names that no libbpf version recognizes must stay unrecognized in both.
 */
class SectionTableLibbpfTest {

    /** Names that no libbpf, old or new, maps to a program type. */
    private static final List<String> NEVER_MATCH = List.of("foo", "", "kprobex", "kprobe.multix", "tc/foo",
            "xdp/foo", "xdp.frag", "socket/x", "sk_reuseport/migratex", "cgroup", "cgroup/bind_unix", "cgroup/connect",
            "lsm_cgroupx", "fentry_do_unlinkat");

    /** bpf4j's own entry: libbpf must not know it, or ours would shadow a real one. */
    private static final String MAP_TRACE = "map_trace/counters/UPDATE_ELEM";

    @Test
    void everyNameOldLibbpfRecognizesResolvesTheSameHere(@TempDir Path dir) throws Exception {
        List<String> names = new ArrayList<>(NativeLibbpfProbe.samplesOf(SectionTable.definitions()));
        names.addAll(NEVER_MATCH);
        names.add(MAP_TRACE);
        Map<String, NativeLibbpfProbe.SectionAnswer> libbpf = NativeLibbpfProbe.ask(dir, names).sections();
        assertEquals(names.size(), libbpf.size(), "the probe answered for fewer names than asked: " + libbpf.keySet());

        int compared = 0;
        for (String name : names) {
            NativeLibbpfProbe.SectionAnswer theirs = libbpf.get(name);
            Optional<SectionTable.Match> ours = SectionTable.match(name);
            if (NEVER_MATCH.contains(name)) {
                assertTrue(theirs.error() < 0, "libbpf matched '" + name + "'");
                assertEquals(Optional.empty(), ours, name);
            }
            if (theirs.error() != 0)
                continue; // newer than Debian's libbpf (tcx, netkit, ...), or no match in either
            compared++;
            SectionDef def = ours.orElseThrow(() -> new AssertionError("libbpf knows '" + name + "', we do not")).def();
            assertEquals(theirs.programType(), def.type().number(), "program type of '" + name + "'");
            assertEquals(theirs.attachType(), def.expectedAttachTypeNumber(), "expected attach type of '" + name + "'");
        }
        assertTrue(libbpf.get(MAP_TRACE).error() < 0, "libbpf knows " + MAP_TRACE);
        // Debian's libbpf 1.1 recognizes 143 of the sample names: all but the entries added
        // since (tcx, netkit, .multi/.session, the sleepable tracepoints, the _unix cgroup hooks).
        assertTrue(compared >= 140, "only " + compared + " names compared with libbpf");
    }
}
