package dev.bpf4j.cli;

import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bpf4j upgrade}: the steps it prints, its JSON, and its one-line errors. */
class UpgradeCommandTest {
    @TempDir
    Path dir;

    private String[] dynencap(Target t, String... more) throws IOException {
        List<String> args = new java.util.ArrayList<>(List.of("upgrade",
                CliRunner.object(dir, "dynencap_old", t).toString(),
                CliRunner.object(dir, "dynencap_new", t).toString(),
                "--migration", CliRunner.object(dir, "dynencap_migration", t).toString()));
        args.addAll(List.of(more));
        return args.toArray(new String[0]);
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void printsEachStepThenTheNewMaps(Target t) throws IOException {
        var r = CliRunner.run(dynencap(t));
        assertEquals(0, r.status(), r.err() + r.out());
        String out = r.out();
        assertTrue(out.contains("  attached dynencap_setsockopt -> cgroup/setsockopt (cgroup 0)"), out);
        assertTrue(out.contains("  attached dynencap_egress -> tc/egress (ifindex 1)"), out);
        int at = -1;
        for (String step : List.of("[1/6] validate", "[2/6] load new version", "[3/6] attach copy-on-write tracers",
                "[4/6] bulk copy", "[5/6] swap programs", "[6/6] unload migration and old version")) {
            int i = out.indexOf(step);
            assertTrue(i > at, step + " in order in:\n" + out);
            at = i;
        }
        assertTrue(out.contains("      attached dynencap_cow_update to old map 'dynencap_map' UPDATE_ELEM"), out);
        assertTrue(out.contains("      swapped tc/egress (ifindex 1) to new dynencap_egress"), out);
        assertTrue(out.contains("upgraded to "), out);
        assertTrue(out.contains("swapped dynencap_egress, dynencap_setsockopt"), out);
        assertTrue(out.contains("map dynencap_map: lru_hash"), out);
    }

    @Test
    void jsonHasTheStepsTheSwapOrderAndTheMaps() throws IOException {
        var r = CliRunner.run(dynencap(Target.BPFEL, "--json"));
        assertEquals(0, r.status(), r.err() + r.out());
        @SuppressWarnings("unchecked")
        Map<String, Object> report = (Map<String, Object>) JsonReader.parse(r.out());
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> steps = (List<Map<String, Object>>) report.get("steps");
        assertEquals(List.of("VALIDATE", "LOAD_NEW", "ATTACH_TRACERS", "BULK_COPY", "SWAP", "UNLOAD"),
                steps.stream().map(s -> s.get("step")).toList());
        assertTrue(steps.stream().allMatch(s -> s.get("elapsed_ns") instanceof Number && s.get("actions") instanceof List));
        assertEquals(List.of("dynencap_egress", "dynencap_setsockopt"), report.get("swap_order"));
        assertEquals(List.of("dynencap_setsockopt -> cgroup/setsockopt (cgroup 0)", "dynencap_egress -> tc/egress (ifindex 1)"),
                report.get("attached"));
        assertTrue(((Map<?, ?>) report.get("maps")).containsKey("dynencap_map"), r.out());
        assertFalse(report.containsKey("error"));
    }

    private static void assertOneLineError(CliRunner.Run r, String expected) {
        assertEquals(1, r.status(), r.out());
        assertEquals(1, r.err().lines().count(), r.err());
        assertTrue(r.err().startsWith("bpf4j: "), r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), r.err());
    }

    @Test
    void aMigrationThatDoesNotFitIsRefusedBeforeAnythingChanges() throws IOException {
        // The new version as OLD: old_dynencap_map's definition does not match it.
        var r = CliRunner.run("upgrade", CliRunner.object(dir, "dynencap_new", Target.BPFEL).toString(),
                CliRunner.object(dir, "dynencap_new", Target.BPFEL).toString(),
                "--migration", CliRunner.object(dir, "dynencap_migration", Target.BPFEL).toString());
        assertOneLineError(r, "upgrade refused, nothing changed: migration object 'dynencap_migrat': map 'old_dynencap_map'"
                + " does not match map 'dynencap_map' of the old object: type hash vs lru_hash");
    }

    @Test
    void theMigrationOfAnotherObjectNamesTheMapItLacks() throws IOException {
        var r = CliRunner.run("upgrade", CliRunner.object(dir, "dynencap_old", Target.BPFEL).toString(),
                CliRunner.object(dir, "dynencap_new", Target.BPFEL).toString(),
                "--migration", CliRunner.object(dir, "fdallow_migration", Target.BPFEL).toString());
        assertOneLineError(r, "map 'new_allow_fds' stands for map 'allow_fds' of the new object 'dynencap_new', which has no such map; its maps: [dynencap_map]");
    }

    @Test
    void jsonReportsARefusalToo() throws IOException {
        var r = CliRunner.run("upgrade", CliRunner.object(dir, "dynencap_old", Target.BPFEL).toString(),
                CliRunner.object(dir, "dynencap_old", Target.BPFEL).toString(),
                "--migration", CliRunner.object(dir, "dynencap_migration", Target.BPFEL).toString(), "--json");
        assertEquals(1, r.status());
        Map<?, ?> error = (Map<?, ?>) ((Map<?, ?>) JsonReader.parse(r.out())).get("error");
        assertEquals("VALIDATE", error.get("step"));
        assertEquals("NOTHING_CHANGED", error.get("outcome"));
        assertTrue(String.valueOf(error.get("message")).contains("map 'new_dynencap_map' does not match map 'dynencap_map'"
                + " of the new object"), error.toString());
    }

    @Test
    void aMissingFileIsOneLine() throws IOException {
        var r = CliRunner.run("upgrade", dir.resolve("nope.o").toString(),
                CliRunner.object(dir, "dynencap_new", Target.BPFEL).toString(),
                "--migration", CliRunner.object(dir, "dynencap_migration", Target.BPFEL).toString());
        assertOneLineError(r, "nope.o: no such file");
    }

    @Test
    void theMigrationIsRequired() throws IOException {
        var r = CliRunner.run("upgrade", CliRunner.object(dir, "dynencap_old", Target.BPFEL).toString(),
                CliRunner.object(dir, "dynencap_new", Target.BPFEL).toString());
        assertEquals(2, r.status());
        assertTrue(r.err().contains("Missing required option: '--migration=MIG'"), r.err());
    }

    @Test
    void aNonObjectIsOneLine() throws IOException {
        Path junk = dir.resolve("junk.o");
        java.nio.file.Files.writeString(junk, "not an ELF file");
        var r = CliRunner.run("upgrade", CliRunner.object(dir, "dynencap_old", Target.BPFEL).toString(),
                junk.toString(), "--migration", CliRunner.object(dir, "dynencap_migration", Target.BPFEL).toString());
        assertOneLineError(r, "junk.o");
    }

    @Test
    void anElementSetBeforeTheUpgradeArrivesMigrated() throws IOException {
        // v1 value {saddr 10.0.0.1, daddr 10.0.0.2} of socket 7 becomes v2 {daddr, saddr, sock_id}.
        var r = CliRunner.run(dynencap(Target.BPFEL, "--update", "dynencap_map:07000000=0a0000010a000002", "--json"));
        assertEquals(0, r.status(), r.err() + r.out());
        Map<?, ?> maps = (Map<?, ?>) ((Map<?, ?>) JsonReader.parse(r.out())).get("maps");
        assertEquals(List.of(Map.of("key", "07000000", "value", "0a0000020a00000107000000")), maps.get("dynencap_map"));
        var text = CliRunner.run(dynencap(Target.BPFEB, "--update", "dynencap_map:00000007=0a0000010a000002"));
        assertEquals(0, text.status(), text.err());
        assertTrue(text.out().contains("ran dynencap_copy over old map 'dynencap_map' (1 entries)"), text.out());
    }

    @Test
    void badUpdatesAreOneLine() throws IOException {
        assertOneLineError(CliRunner.run(dynencap(Target.BPFEL, "--update", "dynencap_map=00")),
                "--update: 'dynencap_map=00' is not MAP:KEY=VALUE");
        assertOneLineError(CliRunner.run(dynencap(Target.BPFEL, "--update", "nosuch:00000000=00")),
                "no map 'nosuch'; maps: [dynencap_map]");
        assertOneLineError(CliRunner.run(dynencap(Target.BPFEL, "--update", "dynencap_map:0700=0a0000010a000002")),
                "-EINVAL");
        assertOneLineError(CliRunner.run(dynencap(Target.BPFEL, "--update", "dynencap_map:07000000=zz")),
                "--update dynencap_map value");
    }
}
