package dev.bpf4j.emulator;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.backend.TestRun;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

import java.nio.ByteOrder;

import static dev.bpf4j.emulator.Asm.*;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Laws of the context layouts: what the load-time check accepts stays inside the struct and never faults when run. */
class ContextLayoutProperties {
    @Provide
    Arbitrary<String> sections() {
        return Arbitraries.of("socket", "tc", "action", "cgroup_skb/ingress", "xdp", "xdp/devmap", "cgroup/getsockopt",
                "cgroup/setsockopt", "kprobe/x", "raw_tracepoint/x", "perf_event", "syscall", "tracepoint/a/b");
    }

    @Provide
    Arbitrary<Integer> sizes() {
        return Arbitraries.of(1, 2, 4, 8);
    }

    /** A ctx_in every type's test run takes: enough zero bytes for any access the property tries. */
    static TestRun run(String section) {
        byte[] frame = Packets.tcp(new byte[] {1, 2, 3, 4}, new byte[] {5, 6, 7, 8});
        return switch (section) {
            case "socket", "tc", "action", "cgroup_skb/ingress", "xdp" -> TestRun.ofData(frame);
            case "cgroup/getsockopt", "cgroup/setsockopt" -> new TestRun(new byte[8], null, 1);
            case "raw_tracepoint/x" -> new TestRun(null, new byte[96], 1);
            case "syscall", "tracepoint/a/b" -> new TestRun(null, new byte[400], 1);
            default -> new TestRun(null, null, 1);
        };
    }

    @Property(tries = 400)
    void acceptedAccessesStayInsideTheStructAndRunWithoutFaulting(@ForAll("sections") String section,
                                                                  @ForAll @IntRange(min = -16, max = 320) int off,
                                                                  @ForAll("sizes") int size, @ForAll boolean write) {
        Instruction access = write ? st(size, 1, off, 0) : ldx(size, 2, 1, off);
        VerifierResult r = verify(section, access, mov(0, 0), exit());
        var type = Asm.section(section).def();
        ContextLayout layout = ContextLayout.of(type.type(), type.expectedAttachType()).orElseThrow();
        if (!r.ok()) {
            assertTrue(r.error().contains("invalid bpf_context access off=" + off + " size=" + size), r.error());
            return;
        }
        assertTrue(off >= 0 && off + size <= layout.size(), section + " off=" + off + " size=" + size);
        assertTrue(off % size == 0);
        if (section.equals("xdp/devmap"))
            return; // devmap programs cannot be test-run
        program(ByteOrder.LITTLE_ENDIAN, section, access, mov(0, 0), exit()).testRun(run(section));
    }
}
