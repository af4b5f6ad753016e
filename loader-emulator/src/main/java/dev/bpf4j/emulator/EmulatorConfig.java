package dev.bpf4j.emulator;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The machine the emulator kernel pretends to be: how many CPUs it has, the task that is
 * "current" when a program asks (bpf_get_current_pid_tgid and friends), its clock, the
 * seed of bpf_get_prandom_u32, the instruction budget of one run, and the kernel symbols
 * ({@code __ksym} externs) it offers.
 *
 * <pre>{@code
 * var config = EmulatorConfig.defaults().withCpus(4).withRandomSeed(42)
 *         .withTask(new EmulatorConfig.Task(1234, 1234, 1000, 1000, "curl"));
 * try (LoadedObject obj = Bpf4j.open(path).load(new EmulatorBackend(config))) { ... }
 * }</pre>
 *
 * @param cpus       emulated CPUs, 1 to 1024: the size of per-CPU maps and of the pool of runs
 *                   that may execute at once
 * @param budget     instructions one run may execute (tail calls and callbacks included)
 * @param randomSeed the seed of each CPU's bpf_get_prandom_u32 sequence
 * @param task       the current task
 * @param clockNs    CLOCK_MONOTONIC in nanoseconds (bpf_ktime_get_ns); boot time and jiffies derive from it
 * @param ksyms      kernel variables by name: an ld_imm64 of {@code extern T name __ksym} loads the
 *                   address of a read-only copy of these bytes
 */
public record EmulatorConfig(int cpus, long budget, long randomSeed, Task task, LongSupplier clockNs,
                             Map<String, byte[]> ksyms) {
    /** At most this many emulated CPUs (the kernel's NR_CPUS on common distributions is 8192; 1024 keeps per-CPU maps small). */
    public static final int MAX_CPUS = 1024;

    /**
     * The task a program sees as current.
     *
     * @param comm at most 15 bytes of UTF-8 (TASK_COMM_LEN - 1)
     */
    public record Task(int pid, int tgid, int uid, int gid, String comm) {
        public Task {
            if (comm.getBytes(StandardCharsets.UTF_8).length > 15)
                throw new IllegalArgumentException("comm '" + comm + "' is longer than 15 bytes (TASK_COMM_LEN - 1)");
        }
    }

    public EmulatorConfig {
        if (cpus < 1 || cpus > MAX_CPUS)
            throw new IllegalArgumentException("cpus " + cpus + " must be between 1 and " + MAX_CPUS);
        if (budget < 1)
            throw new IllegalArgumentException("budget " + budget + " must be at least 1");
        java.util.Objects.requireNonNull(task, "task");
        java.util.Objects.requireNonNull(clockNs, "clockNs");
        ksyms = Map.copyOf(ksyms);
    }

    /** 2 CPUs, {@link Vm#DEFAULT_BUDGET}, seed 0, task "bpf4j" (pid 1000, uid 0), System.nanoTime, no ksyms. */
    public static EmulatorConfig defaults() {
        return new EmulatorConfig(2, Vm.DEFAULT_BUDGET, 0, new Task(1000, 1000, 0, 0, "bpf4j"), System::nanoTime, Map.of());
    }

    public EmulatorConfig withCpus(int n) {
        return new EmulatorConfig(n, budget, randomSeed, task, clockNs, ksyms);
    }

    public EmulatorConfig withBudget(long n) {
        return new EmulatorConfig(cpus, n, randomSeed, task, clockNs, ksyms);
    }

    public EmulatorConfig withRandomSeed(long seed) {
        return new EmulatorConfig(cpus, budget, seed, task, clockNs, ksyms);
    }

    public EmulatorConfig withTask(Task t) {
        return new EmulatorConfig(cpus, budget, randomSeed, t, clockNs, ksyms);
    }

    public EmulatorConfig withClock(LongSupplier nanos) {
        return new EmulatorConfig(cpus, budget, randomSeed, task, nanos, ksyms);
    }

    public EmulatorConfig withKsyms(Map<String, byte[]> symbols) {
        return new EmulatorConfig(cpus, budget, randomSeed, task, clockNs, symbols);
    }
}
