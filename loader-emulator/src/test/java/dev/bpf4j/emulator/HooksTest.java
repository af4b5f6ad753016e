package dev.bpf4j.emulator;

import dev.bpf4j.Bpf4j;
import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.Hook;
import dev.bpf4j.backend.Link;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.backend.TestRunResult;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.bpf4j.emulator.MapTestKit.errno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The emulator's attach points with testdata's hooks.o: attach, fire, detach, the XDP
 * hook's single link, type checks, closing the object, and atomic replacement of a link's
 * program while other threads fire the hook.
 */
class HooksTest {
    static final Hook EGRESS = Hook.of("tc/egress"), XDP = Hook.of("xdp"), SETSOCKOPT = Hook.of("cgroup/setsockopt");
    /** egress_a returns TC_ACT_OK and counts in hits[0]; egress_b TC_ACT_SHOT and hits[1]. */
    static final int A = 0, B = 2;

    static LoadedObject load(EmulatorBackend backend, Target target) {
        return Bpf4j.open("hooks.o", TestObjects.object("hooks", target)).load(backend);
    }

    static TestRun packet() {
        return TestRun.ofData(Packets.ipv4(17, 53, 64, new byte[6], new byte[] {10, 0, 0, 1}, new byte[] {10, 0, 0, 2},
                "x".getBytes()));
    }

    static long hits(LoadedObject o, int slot) {
        return o.map("hits").lookupLong(slot).orElseThrow();
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void attachFireDetach(Target target) {
        var backend = new EmulatorBackend();
        try (LoadedObject o = load(backend, target)) {
            assertEquals(List.of(), backend.fire(EGRESS, packet()), "nothing attached");
            Link a = o.program("egress_a").attach(EGRESS);
            Link b = o.program("egress_b").attach(EGRESS);
            assertEquals(List.of(a, b), backend.attached(EGRESS));
            assertEquals(List.of(a, b), o.links());
            List<TestRunResult> r = backend.fire(EGRESS, packet());
            assertEquals(List.of(A, B), r.stream().map(TestRunResult::retval).toList(), "attach order");
            assertEquals(1, hits(o, 0));
            assertEquals(1, hits(o, 1));
            assertEquals(List.of(), backend.fire(Hook.of("tc/egress", 2), packet()), "another interface");
            assertEquals(List.of(), backend.fire(Hook.of("tc/ingress"), packet()), "another hook");
            a.close();
            assertFalse(a.isAttached());
            assertEquals(List.of(B), backend.fire(EGRESS, packet()).stream().map(TestRunResult::retval).toList());
            a.close(); // idempotent
            b.close();
            assertEquals(List.of(), backend.fire(EGRESS, packet()));
            assertEquals(1, hits(o, 0));
            assertEquals(2, hits(o, 1));
            errno(BackendException.ENOLINK, () -> a.update(o.program("egress_b")));
        }
    }

    @Test
    void sockoptHooksRunCgroupPrograms() {
        var backend = new EmulatorBackend();
        try (LoadedObject o = load(backend, Target.BPFEL); Link l = o.program("on_setsockopt").attach(SETSOCKOPT)) {
            List<TestRunResult> r = backend.fire(SETSOCKOPT, TestRun.ofData(new byte[4]));
            assertEquals(1, r.size());
            assertEquals(1, r.get(0).retval(), "allowed");
            assertEquals(1, hits(o, 3));
            assertTrue(l.target().contains("cgroup/setsockopt"), l.target());
        }
    }

    @Test
    void anXdpHookTakesOneProgram() {
        var backend = new EmulatorBackend();
        try (LoadedObject o = load(backend, Target.BPFEL); LoadedObject o2 = load(backend, Target.BPFEL)) {
            Link l = o.program("xdp_pass").attach(XDP);
            BackendException e = assertThrows(BackendException.class, () -> o2.program("xdp_pass").attach(XDP));
            assertEquals(-BackendException.EBUSY, e.errno());
            assertTrue(e.getMessage().contains("xdp_pass") && e.getMessage().contains("xdp"), e.getMessage());
            try (Link other = o2.program("xdp_pass").attach(Hook.of("xdp", 2))) { // another interface is free
                assertEquals(2, backend.fire(Hook.of("xdp", 2), packet()).get(0).retval()); // XDP_PASS
            }
            l.close();
            o2.program("xdp_pass").attach(XDP); // free again
            assertEquals(1, backend.attached(XDP).size());
        }
    }

    @Test
    void hooksTakeTheirProgramTypeAndAttachTypeOnly() {
        var backend = new EmulatorBackend();
        try (LoadedObject o = load(backend, Target.BPFEL)) {
            BackendException e = assertThrows(BackendException.class, () -> o.program("xdp_pass").attach(EGRESS));
            assertEquals(-BackendException.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("xdp_pass") && e.getMessage().contains("tc/egress")
                    && e.getMessage().contains("sched_cls"), e.getMessage());
            e = assertThrows(BackendException.class, () -> o.program("on_setsockopt").attach(Hook.of("cgroup/getsockopt")));
            assertEquals(-BackendException.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("cgroup_setsockopt") && e.getMessage().contains("cgroup_getsockopt"),
                    e.getMessage());
            Link l = o.program("on_setsockopt").attach(SETSOCKOPT);
            errno(BackendException.EINVAL, () -> l.update(o.program("on_getsockopt")));
            errno(BackendException.EINVAL, () -> l.update(o.program("xdp_pass")));
            assertEquals("on_setsockopt", l.program().name());
            assertEquals(List.of(), backend.attached(EGRESS));
        }
    }

    @Test
    void programsOfAnotherBackendCannotReplace() {
        var backend = new EmulatorBackend();
        try (LoadedObject o = load(backend, Target.BPFEL); LoadedObject other = load(new EmulatorBackend(), Target.BPFEL);
             Link l = o.program("egress_a").attach(EGRESS)) {
            errno(BackendException.EINVAL, () -> l.update(other.program("egress_b")));
        }
    }

    @Test
    void closingTheObjectDetachesItsLinks() {
        var backend = new EmulatorBackend();
        LoadedObject o = load(backend, Target.BPFEL);
        Link a = o.program("egress_a").attach(EGRESS);
        Link x = o.program("xdp_pass").attach(XDP);
        o.close();
        assertFalse(a.isAttached());
        assertFalse(x.isAttached());
        assertEquals(List.of(), backend.fire(EGRESS, packet()));
        assertEquals(List.of(), backend.attached(XDP));
        errno(BackendException.EBADF, () -> o.programs());
        try (LoadedObject o2 = load(backend, Target.BPFEL)) {
            o2.program("xdp_pass").attach(XDP); // the XDP hook is free again
        }
    }

    @Test
    void aClosedObjectsProgramCannotAttach() {
        var backend = new EmulatorBackend();
        LoadedObject o = load(backend, Target.BPFEL);
        var p = o.program("egress_a");
        o.close();
        errno(BackendException.EBADF, () -> p.attach(EGRESS));
        assertEquals(List.of(), backend.attached(EGRESS));
    }

    /**
     * Firing threads against a thread that swaps the link's program back and forth: every
     * firing ran exactly one of the two programs (one result, retval A or B, and the
     * counter of that program moved), none failed, none ran nothing.
     */
    @ParameterizedTest
    @EnumSource(Target.class)
    void updateIsAtomicUnderConcurrentFirings(Target target) throws Exception {
        var backend = new EmulatorBackend(EmulatorConfig.defaults().withCpus(4));
        int threads = 6, firings = 400;
        try (LoadedObject o = load(backend, target); Link link = o.program("egress_a").attach(EGRESS)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
            AtomicBoolean firing = new AtomicBoolean(true);
            CountDownLatch swapping = new CountDownLatch(1);
            try {
                Future<Integer> swapper = pool.submit(() -> {
                    int swaps = 0;
                    while (firing.get()) {
                        link.update(o.program(swaps % 2 == 0 ? "egress_b" : "egress_a"));
                        swaps++;
                        swapping.countDown();
                    }
                    return swaps;
                });
                var workers = new ArrayList<Future<long[]>>();
                for (int t = 0; t < threads; t++)
                    workers.add(pool.submit(() -> {
                        swapping.await();
                        long[] seen = new long[3];
                        for (int i = 0; i < firings; i++) {
                            List<TestRunResult> r = backend.fire(EGRESS, packet());
                            if (r.size() != 1)
                                seen[2]++;
                            else if (r.get(0).retval() == A)
                                seen[0]++;
                            else if (r.get(0).retval() == B)
                                seen[1]++;
                            else
                                seen[2]++;
                        }
                        return seen;
                    }));
                long ranA = 0, ranB = 0, odd = 0;
                for (Future<long[]> w : workers) {
                    long[] s = w.get(60, TimeUnit.SECONDS);
                    ranA += s[0];
                    ranB += s[1];
                    odd += s[2];
                }
                firing.set(false);
                int swaps = swapper.get(60, TimeUnit.SECONDS);
                assertEquals(0, odd, "firings that ran no program, both, or another");
                assertEquals((long) threads * firings, ranA + ranB);
                assertEquals(ranA, hits(o, 0), "egress_a's runs");
                assertEquals(ranB, hits(o, 1), "egress_b's runs");
                assertTrue(swaps > 1, "the swapper swapped");
                assertTrue(ranA > 0 && ranB > 0, "both programs ran: " + ranA + " / " + ranB);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    /** Once update() returns, no firing still runs the old program: its object may close at once. */
    @Test
    void updateWaitsForFiringsOfTheOldProgram() throws Exception {
        var backend = new EmulatorBackend(EmulatorConfig.defaults().withCpus(4));
        try (LoadedObject next = load(backend, Target.BPFEL)) {
            for (int round = 0; round < 20; round++) {
                LoadedObject old = load(backend, Target.BPFEL);
                Link link = old.program("egress_a").attach(EGRESS);
                ExecutorService pool = Executors.newFixedThreadPool(4);
                AtomicBoolean go = new AtomicBoolean(true);
                try {
                    var workers = new ArrayList<Future<Integer>>();
                    for (int t = 0; t < 4; t++)
                        workers.add(pool.submit(() -> {
                            int n = 0;
                            while (go.get())
                                n += backend.fire(EGRESS, packet()).size();
                            return n;
                        }));
                    Thread.sleep(2);
                    link.update(next.program("egress_b"));
                    old.close(); // must not make an in-flight firing of egress_a fail
                    Thread.sleep(2);
                    go.set(false);
                    for (Future<Integer> w : workers)
                        w.get(60, TimeUnit.SECONDS); // rethrows a firing's failure
                } finally {
                    pool.shutdownNow();
                }
                link.close();
            }
        }
    }
}
