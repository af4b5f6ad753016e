package dev.bpf4j.linux;

import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.MapSpec;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What the kernel holds after a load, as bpftool (the kernel's own tool) shows it: maps typed
 * with the object's BTF, .rodata frozen, programs with their BTF and source lines (func_info and
 * line_info went through, with the re-laid string offsets right), names as libbpf gives them.
 */
class BpftoolViewTest {
    static final Path BPFTOOL = Path.of("/usr/sbin/bpftool");

    static String bpftool(String... args) throws Exception {
        assumeTrue(Files.isExecutable(BPFTOOL), "bpftool is not installed at " + BPFTOOL);
        var cmd = new java.util.ArrayList<>(List.of(BPFTOOL.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "bpftool hung");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    /**
     * A map whose BTF value type does not fit its value size is refused by the kernel with its
     * types; as libbpf, the backend creates it again without them, and it works untyped.
     */
    @Test
    void mapRefusedWithItsTypesIsCreatedWithout() throws Exception {
        LinuxBackend linux = KernelObjects.backend();
        var open = KernelObjects.open("xdp_parser");
        LoadPlan plan = Linker.link(open.spec(), open.options());
        List<MapSpec> maps = new ArrayList<>();
        for (MapSpec m : plan.maps())   // ip_proto_count: __u64 values, but 16 bytes of value
            maps.add(!m.name().equals("ip_proto_count") ? m : new MapSpec(m.name(), m.kind(), m.type(), m.keySize(), 16,
                    m.maxEntries(), m.flags(), m.numaNode(), m.pinning(), m.mapExtra(), m.sectionName(), m.sectionOffset(),
                    m.keyType(), m.valueType(), m.innerMap(), m.initialData(), m.initialSlots()));
        try (LoadedObject obj = linux.load(new LoadPlan(plan.spec(), plan.programs(), maps))) {
            String untyped = bpftool("-j", "map", "show", "id", String.valueOf(((LinuxMap) obj.map("ip_proto_count")).id()));
            assertTrue(untyped.contains("\"bytes_value\":16") && !untyped.matches("(?s).*\"btf_id\":[1-9].*"), untyped);
            String typed = bpftool("-j", "map", "show", "id", String.valueOf(((LinuxMap) obj.map("pkt_count")).id()));
            assertTrue(typed.matches("(?s).*\"btf_id\":[1-9].*"), typed);
            MapHandle m = obj.map("ip_proto_count");
            m.update(m.key(6), new byte[16]);
            assertEquals(1, m.keys().size());
        }
    }

    @Test
    void mapsAndProgramsAsBpftoolSeesThem() throws Exception {
        LinuxBackend linux = KernelObjects.backend();
        try (LoadedObject obj = KernelObjects.open("xdp_parser").load(linux)) {
            for (MapHandle m : obj.maps()) {
                String show = bpftool("-j", "map", "show", "id", String.valueOf(((LinuxMap) m).id()));
                assertTrue(show.contains("\"name\":\"" + m.spec().kernelName() + "\""), show);
                assertTrue(show.matches("(?s).*\"btf_id\":[1-9].*"), "map " + m.name() + " without BTF: " + show);
                assertTrue(show.contains("\"frozen\":" + (m.name().endsWith(".rodata") ? 1 : 0)), show);
            }
            // bpftool prints BTF-typed values only when the kernel has the map's key and value types
            String dump = bpftool("map", "dump", "id", String.valueOf(((LinuxMap) obj.map("xdp_pars.rodata")).id()));
            assertTrue(dump.contains("\"value\": {") || dump.contains("\".rodata\""), dump);
            int prog = ((LinuxProgram) obj.program("xdp_parser")).id();
            String show = bpftool("-j", "prog", "show", "id", String.valueOf(prog));
            assertTrue(show.contains("\"name\":\"xdp_parser\"") && show.contains("\"type\":\"xdp\""), show);
            assertTrue(show.matches("(?s).*\"btf_id\":[1-9].*"), show);
            // line_info: the source lines come back from the kernel, file name included
            String xlated = bpftool("prog", "dump", "xlated", "id", String.valueOf(prog), "linum");
            assertTrue(xlated.contains("; __sync_fetch_and_add(v, 1); [file:./xdp_parser.c line_num:131"), xlated);
            assertTrue(xlated.contains("int xdp_parser(struct xdp_md * ctx):"), "func_info names the function:\n" + xlated);
        }
    }
}
