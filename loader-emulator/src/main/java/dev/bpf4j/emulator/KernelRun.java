package dev.bpf4j.emulator;

import dev.bpf4j.backend.TestRunResult;

import java.util.ArrayList;
import java.util.List;

/**
 * What the emulator kernel records while one test run (all its repeats) executes on one
 * CPU: the trace lines, the redirections and the records sent to user space, which the
 * {@link TestRunResult} reports beside the kernel's own fields. Helpers reach it through
 * {@link VmState#kernelRun}.
 */
final class KernelRun {
    final EmulatorProgram program;
    final List<String> trace = new ArrayList<>();
    final List<TestRunResult.Redirect> redirects = new ArrayList<>();
    final List<TestRunResult.OutputRecord> records = new ArrayList<>();
    /** The run's packet (skb and xdp types), for the packet helpers; null otherwise. */
    Packet packet;

    KernelRun(EmulatorProgram program) {
        this.program = program;
    }

    /** Called before each repeat: redirections describe the last run only, as the packet does. */
    void startRepeat() {
        redirects.clear();
    }
}
