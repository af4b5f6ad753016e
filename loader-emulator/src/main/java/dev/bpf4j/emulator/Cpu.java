package dev.bpf4j.emulator;

/**
 * One emulated CPU of a loaded object: the machine state its runs use (registers, stack
 * frames) and the packet and context regions they reuse from run to run. A run takes a
 * free CPU for its whole duration, so at most {@link EmulatorConfig#cpus()} runs execute
 * at once, each with its own per-CPU map values, as on a real machine.
 */
final class Cpu {
    final int index;
    final VmState state;
    /** Regions a program type's test runs keep between runs (remapped onto new bytes), or null. */
    Region packet;
    Region ctx;

    Cpu(Memory memory, int index, long randomSeed) {
        this.index = index;
        this.state = new VmState(memory, index);
        state.seedRandom(randomSeed + index * 0x632be59bd9b4e019L); // distinct, reproducible sequences per CPU
    }
}
