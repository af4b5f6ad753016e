package dev.bpf4j.emulator;

import dev.bpf4j.backend.Hook;
import dev.bpf4j.backend.Link;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.bpf4j.emulator.TraceKit.load;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** LoadedObject.attachMapTracers and attachHooks: what a skeleton's auto-attach links, and that it then runs. */
class AutoAttachTest {

    private static List<String> described(List<Link> links) {
        return links.stream().map(l -> l.program().name() + " -> " + l.target()).toList();
    }

    @Test
    void mapTracersAreLinkedToTheMapsTheirSectionsName() {
        var backend = new EmulatorBackend();
        try (LoadedObject obj = load(backend, "map_trace", Target.BPFEL)) {
            List<Link> links = obj.attachMapTracers();
            assertEquals(List.of("trace_values_update -> map 'values' UPDATE_ELEM",
                    "trace_values_delete -> map 'values' DELETE_ELEM"), described(links));
            assertEquals(links, obj.links());
            obj.program("values_writer").testRun(TestRun.ofData(new byte[64])); // updates key 0 to 64
            assertEquals(64, obj.map("mirror").lookupLong(0).orElseThrow());
            obj.program("values_writer").testRun(TestRun.ofData(new byte[16])); // 16 & 16: deletes key 0
            assertTrue(obj.map("mirror").lookup(0L).isEmpty());
            links.forEach(Link::close);
            obj.program("values_writer").testRun(TestRun.ofData(new byte[64]));
            assertTrue(obj.map("mirror").lookup(0L).isEmpty(), "detached tracers no longer run");
        }
    }

    @Test
    void programsAreAttachedToTheHooksTheirSectionsName() {
        var backend = new EmulatorBackend();
        try (LoadedObject obj = load(backend, "hooks", Target.BPFEL)) {
            List<Link> links = obj.attachHooks();
            assertEquals(List.of("egress_a", "egress_b", "xdp_pass", "on_setsockopt", "on_getsockopt"),
                    links.stream().map(l -> l.program().name()).toList());
            var results = backend.fire(Hook.of("tc/egress"), TestRun.ofData(new byte[64]));
            assertEquals(List.of(0, 2), results.stream().map(r -> r.retval()).toList()); // TC_ACT_OK, TC_ACT_SHOT in attach order
            assertTrue(obj.attachMapTracers().isEmpty(), "hooks.o has no map_trace programs");
        }
        assertFalse(backend.attached(Hook.of("tc/egress")).stream().anyMatch(Link::isAttached), "closing the object detaches");
    }
}
