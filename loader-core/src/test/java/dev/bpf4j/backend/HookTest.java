package dev.bpf4j.backend;

import dev.bpf4j.loader.ProgramSpec;
import dev.bpf4j.loader.SectionTable;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Hook names, targets, the hook a section names and the programs a hook accepts. */
class HookTest {

    /** A program as SpecReader makes it for {@code section} (type and attach type from libbpf's section table). */
    private static ProgramSpec program(String section) {
        var m = SectionTable.match(section).orElseThrow();
        return new ProgramSpec("p", section, m.def().type(), m.def().expectedAttachType(), m.attachTarget(), m.def(),
                m.autoload(), 0, 0, true, List.of(), List.of(), "GPL", 0);
    }

    @Test
    void unknownHooksAndNegativeTargetsAreRefused() {
        var e = assertThrows(IllegalArgumentException.class, () -> Hook.of("tc/sideways"));
        assertTrue(e.getMessage().contains("unknown hook 'tc/sideways'") && e.getMessage().contains("tc/egress"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Hook.of("xdp", -1));
        assertTrue(e.getMessage().contains("target -1 is negative"), e.getMessage());
    }

    @Test
    void cgroupHooksDefaultToTheRootCgroupAndTheOthersToInterfaceOne() {
        assertEquals(new Hook("cgroup/setsockopt", 0), Hook.of("cgroup/setsockopt"));
        assertEquals(new Hook("tc/egress", 1), Hook.of("tc/egress"));
        assertEquals("xdp (ifindex 3)", Hook.of("xdp", 3).toString());
    }

    @Test
    void sectionsNameTheirHook() {
        assertEquals(Optional.of(Hook.of("tc/egress")), Hook.forProgram(program("tc/egress")));
        assertEquals(Optional.of(Hook.of("cgroup/setsockopt")), Hook.forProgram(program("cgroup/setsockopt")));
        assertEquals(Optional.of(Hook.of("xdp")), Hook.forProgram(program("?xdp")));
        assertEquals(Optional.empty(), Hook.forProgram(program("tc")), "a bare tc section names no direction");
        assertEquals(Optional.empty(), Hook.forProgram(program("kprobe/do_sys_open")));
    }

    @Test
    void hooksAcceptTheirProgramTypeAndAttachType() {
        assertTrue(Hook.of("tc/egress").accepts(program("tc")));
        assertTrue(Hook.of("cgroup/setsockopt").accepts(program("cgroup/setsockopt")));
        assertFalse(Hook.of("cgroup/setsockopt").accepts(program("cgroup/getsockopt")), "same type, other attach type");
        assertFalse(Hook.of("xdp").accepts(program("tc")));
    }
}
