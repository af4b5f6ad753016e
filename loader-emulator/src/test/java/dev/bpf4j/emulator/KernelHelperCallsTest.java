package dev.bpf4j.emulator;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.asm.Reference;
import dev.bpf4j.backend.BackendException;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.MapType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static dev.bpf4j.emulator.EmulatorHelpersTest.i;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The helpers of {@link KernelHelpers} and the VM features they rest on (callbacks, spin
 * locks, atomics across CPUs, ld_imm64 of ksyms and map indexes), called from
 * hand-assembled programs run directly on an object's helper table and address space.
 */
class KernelHelperCallsTest {
    static final Instruction EXIT = i(Opcodes.EXIT_INSN, 0, 0, 0, 0);
    static final int MOV64K = Opcodes.ALU64 | Opcodes.MOV | Opcodes.K;
    static final int MOV64X = Opcodes.ALU64 | Opcodes.MOV | Opcodes.X;
    static final int ADD64K = Opcodes.ALU64 | Opcodes.ADD | Opcodes.K;
    static final int STDW = Opcodes.STX | Opcodes.MEM | Opcodes.DW;
    static final int LDXDW = Opcodes.LDX | Opcodes.MEM | Opcodes.DW;
    static final int LDXW = Opcodes.LDX | Opcodes.MEM | Opcodes.W;
    static final int STXW = Opcodes.STX | Opcodes.MEM | Opcodes.W;

    /** An object with one array map "a" (u32 -> 16 bytes), loaded under {@code config}. */
    static EmulatorObject object(EmulatorConfig config) {
        return object(new LoadPlan(EmulatorMapTest.XDP_PARSER, List.of(),
                List.of(EmulatorMapTest.map("a", MapType.ARRAY, 4, 16, 1))), config);
    }

    static EmulatorObject object(LoadPlan plan, EmulatorConfig config) {
        return new EmulatorObject(new EmulatorKernel(plan.spec().byteOrder(), config), plan, java.util.Map.of());
    }

    static long run(EmulatorObject o, List<Instruction> insns) {
        return run(o, insns, new VmState(o.memory, 0));
    }

    static long run(EmulatorObject o, List<Instruction> insns, VmState s) {
        s.kernelRun = new KernelRun(null);
        return new Vm(insns, o.memory.byteOrder(), EmulatorHelpers.forObject(o), ConstantResolver.AS_WRITTEN, o.config.budget()).run(s);
    }

    static Instruction call(String helper) {
        return i(Opcodes.CALL_INSN, 0, 0, 0, Verifier.helperId(helper));
    }

    /** r{@code reg} = address of the value of map "a". */
    static Instruction value(int reg) {
        return Instruction.of(Opcodes.LD_IMM64, reg, Opcodes.PSEUDO_MAP_VALUE, 0, 0).withReference(new Reference.MapValue("a", 0));
    }

    /** Stores {@code text} and a NUL on the stack at fp-{@code size} (8-byte steps), r1 = its address. */
    static void string(List<Instruction> p, String text, int size) {
        byte[] b = java.util.Arrays.copyOf(text.getBytes(StandardCharsets.US_ASCII), size);
        for (int k = 0; k < size; k += 8) {
            long v = java.nio.ByteBuffer.wrap(b, k, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
            p.add(Instruction.loadImm64(1, v));
            p.add(i(STDW, 10, 1, -size + k, 0));
        }
        p.add(i(MOV64X, 1, 10, 0, 0));
        p.add(i(ADD64K, 1, 0, 0, -size));
    }

    @Test
    void tracePrintkFormatsLikeTheKernelAndRecordsTheLine() {
        EmulatorObject o = object(EmulatorConfig.defaults());
        var p = new ArrayList<Instruction>();
        string(p, "x=%d y=%u\n", 16);
        p.add(i(MOV64K, 2, 0, 0, 16));
        p.add(i(MOV64K, 3, 0, 0, 42));
        p.add(i(MOV64K, 4, 0, 0, -1));
        p.add(call("trace_printk"));
        p.add(EXIT);
        VmState s = new VmState(o.memory, 0);
        assertEquals("x=42 y=4294967295\n".length(), run(o, p, s));
        assertEquals(List.of("x=42 y=4294967295"), s.kernelRun.trace);
    }

    @Test
    void tracePrintkRefusesWhatTheKernelRefuses() {
        for (String bad : new String[] {"%q", "%d %d %d %d", "%.2d", "%sd", "%pI5", "%", "\u0001"}) {
            EmulatorObject o = object(EmulatorConfig.defaults());
            var p = new ArrayList<Instruction>();
            string(p, bad, 16);
            p.add(i(MOV64K, 2, 0, 0, 16));
            p.add(call("trace_printk"));
            p.add(EXIT);
            VmState s = new VmState(o.memory, 0);
            assertEquals(-BackendException.EINVAL, run(o, p, s), bad);
            assertTrue(s.kernelRun.trace.isEmpty(), bad);
        }
        // A format without its NUL inside fmt_size.
        EmulatorObject o = object(EmulatorConfig.defaults());
        var p = new ArrayList<Instruction>();
        string(p, "abcdefgh", 16);
        p.add(i(MOV64K, 2, 0, 0, 8));
        p.add(call("trace_printk"));
        p.add(EXIT);
        assertEquals(-BackendException.EINVAL, run(o, p));
    }

    @Test
    void timeComesFromTheConfiguredClock() {
        EmulatorObject o = object(EmulatorConfig.defaults().withClock(() -> 5_000_000_123L));
        assertEquals(5_000_000_123L, run(o, List.of(call("ktime_get_ns"), EXIT)));
        assertEquals(5_000_000_123L, run(o, List.of(call("ktime_get_boot_ns"), EXIT)));
        assertEquals(5_000_000_000L, run(o, List.of(call("ktime_get_coarse_ns"), EXIT)));  // cut to a 4 ms jiffy
        assertEquals(0xfffedb08L + 1250, run(o, List.of(call("jiffies64"), EXIT)));        // INITIAL_JIFFIES at HZ 250
    }

    @Test
    void randomNumbersAreU32AndReproduciblePerSeedAndCpu() {
        List<Instruction> p = List.of(call("get_prandom_u32"), EXIT);
        EmulatorObject a = object(EmulatorConfig.defaults().withRandomSeed(7));
        EmulatorObject b = object(EmulatorConfig.defaults().withRandomSeed(7));
        EmulatorObject c = object(EmulatorConfig.defaults().withRandomSeed(8));
        VmState sa = new VmState(a.memory, 0), sb = new VmState(b.memory, 0), sc = new VmState(c.memory, 0);
        sa.seedRandom(7);
        sb.seedRandom(7);
        sc.seedRandom(8);
        var seqA = new ArrayList<Long>();
        var seqB = new ArrayList<Long>();
        var seqC = new ArrayList<Long>();
        for (int k = 0; k < 16; k++) {
            seqA.add(run(a, p, sa));
            seqB.add(run(b, p, sb));
            seqC.add(run(c, p, sc));
        }
        assertEquals(seqA, seqB);
        assertNotEquals(seqA, seqC);
        assertTrue(seqA.stream().allMatch(v -> v >= 0 && v <= 0xffffffffL), seqA.toString());
        assertTrue(seqA.stream().distinct().count() > 12, seqA.toString());
    }

    @Test
    void theCurrentTaskIsTheConfiguredOne() {
        EmulatorObject o = object(EmulatorConfig.defaults().withTask(new EmulatorConfig.Task(77, 66, 1000, 100, "curl-worker")));
        assertEquals(66L << 32 | 77, run(o, List.of(call("get_current_pid_tgid"), EXIT)));
        assertEquals(100L << 32 | 1000, run(o, List.of(call("get_current_uid_gid"), EXIT)));
        var p = new ArrayList<Instruction>();
        string(p, "zzzzzzzzzzzzzzz", 16);                 // filled, to see the padding
        p.add(i(MOV64K, 2, 0, 0, 6));
        p.add(call("get_current_comm"));
        p.add(i(LDXDW, 0, 10, -16, 0));
        p.add(EXIT);
        long comm = run(o, p);                            // "curl-" NUL, then the rest untouched
        byte[] expect = {'c', 'u', 'r', 'l', '-', 0, 'z', 'z'};
        assertEquals(java.nio.ByteBuffer.wrap(expect).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(), comm);
        assertEquals(3, run(object(EmulatorConfig.defaults().withCpus(4)), List.of(call("get_smp_processor_id"), EXIT),
                new VmState(o.memory, 3)));
        assertThrows(IllegalArgumentException.class, () -> new EmulatorConfig.Task(1, 1, 0, 0, "sixteen-bytes-xx"));
    }

    @Test
    void probeReadOfBadMemoryFailsWithEfaultAndZeroes() {
        EmulatorObject o = object(EmulatorConfig.defaults());
        var p = new ArrayList<Instruction>();
        string(p, "abcdefg", 8);
        p.add(i(MOV64K, 2, 0, 0, 8));
        p.add(i(MOV64K, 3, 0, 0, 64));                    // a null pointer, nearly
        p.add(call("probe_read_kernel"));
        p.add(i(MOV64X, 6, 0, 0, 0));
        p.add(i(LDXDW, 7, 10, -8, 0));
        p.add(i(MOV64X, 0, 6, 0, 0));
        p.add(i(Opcodes.ALU64 | Opcodes.ADD | Opcodes.X, 0, 7, 0, 0)); // -EFAULT + 0 when zeroed
        p.add(EXIT);
        assertEquals(-BackendException.EFAULT, run(o, p));
    }

    @Test
    void loopRunsTheCallbackAndStopsWhenItSaysSo() {
        // callback(i, ctx): *ctx += i; return i == 4
        var p = new ArrayList<Instruction>();
        p.add(i(MOV64K, 6, 0, 0, 0));
        p.add(i(STDW, 10, 6, -8, 0));                     // ctx = fp-8, zeroed
        p.add(i(MOV64K, 1, 0, 0, 100));
        p.add(Instruction.of(Opcodes.LD_IMM64, 2, Opcodes.PSEUDO_FUNC, 0, 9));  // the callback at slot 13
        p.add(i(MOV64X, 3, 10, 0, 0));
        p.add(i(ADD64K, 3, 0, 0, -8));
        p.add(i(MOV64K, 4, 0, 0, 0));
        p.add(call("loop"));
        p.add(i(LDXDW, 1, 10, -8, 0));
        p.add(i(Opcodes.ALU64 | Opcodes.LSH | Opcodes.K, 1, 0, 0, 16));
        p.add(i(Opcodes.ALU64 | Opcodes.OR | Opcodes.X, 0, 1, 0, 0));      // r0 = loops | sum << 16
        p.add(EXIT);
        // the callback (slot 13)
        p.add(i(LDXDW, 3, 2, 0, 0));
        p.add(i(Opcodes.ALU64 | Opcodes.ADD | Opcodes.X, 3, 1, 0, 0));
        p.add(i(STDW, 2, 3, 0, 0));
        p.add(i(MOV64K, 0, 0, 0, 0));
        p.add(i(Opcodes.JMP | Opcodes.JNE | Opcodes.K, 1, 0, 1, 4));
        p.add(i(MOV64K, 0, 0, 0, 1));
        p.add(EXIT);
        EmulatorObject o = object(EmulatorConfig.defaults());
        assertEquals(5 | (0 + 1 + 2 + 3 + 4) << 16, run(o, p));
    }

    @Test
    void loopRefusesFlagsAndHugeCountsAndForeignCallbacks() {
        EmulatorObject o = object(EmulatorConfig.defaults());
        List<Instruction> flags = List.of(i(MOV64K, 1, 0, 0, 1), Instruction.of(Opcodes.LD_IMM64, 2, Opcodes.PSEUDO_FUNC, 0, 4),
                i(MOV64K, 4, 0, 0, 1), call("loop"), EXIT, i(MOV64K, 0, 0, 0, 0), EXIT);
        assertEquals(-BackendException.EINVAL, run(o, flags));
        List<Instruction> huge = List.of(i(MOV64K, 1, 0, 0, (1 << 23) + 1), Instruction.of(Opcodes.LD_IMM64, 2, Opcodes.PSEUDO_FUNC, 0, 4),
                i(MOV64K, 4, 0, 0, 0), call("loop"), EXIT, i(MOV64K, 0, 0, 0, 0), EXIT);
        assertEquals(-BackendException.E2BIG, run(o, huge));
        List<Instruction> foreign = List.of(i(MOV64K, 1, 0, 0, 3), Instruction.loadImm64(2, Vm.FUNCTION_BASE + 8 * 100),
                i(MOV64K, 4, 0, 0, 0), call("loop"), EXIT);
        VmFault f = assertThrows(VmFault.class, () -> run(o, foreign));
        assertEquals(VmFault.Kind.HELPER_ARGUMENT, f.kind());
        assertTrue(f.getMessage().contains("is not a function of this program"), f.getMessage());
    }

    @Test
    void aLoopCannotOutrunTheBudget() {
        // 2^23 iterations of a 2-instruction callback is past a budget of 100,000.
        EmulatorObject o = object(EmulatorConfig.defaults().withBudget(100_000));
        List<Instruction> p = List.of(i(MOV64K, 1, 0, 0, 1 << 23), Instruction.of(Opcodes.LD_IMM64, 2, Opcodes.PSEUDO_FUNC, 0, 4),
                i(MOV64K, 4, 0, 0, 0), call("loop"), EXIT, i(MOV64K, 0, 0, 0, 0), EXIT);
        assertEquals(VmFault.Kind.BUDGET, assertThrows(VmFault.class, () -> run(o, p)).kind());
    }

    /** lock(a); a[4] += 1 non-atomically; unlock(a) */
    static List<Instruction> lockedIncrement() {
        return List.of(value(6), i(MOV64X, 1, 6, 0, 0), call("spin_lock"),
                i(LDXW, 1, 6, 4, 0), i(Opcodes.ALU | Opcodes.ADD | Opcodes.K, 1, 0, 0, 1), i(STXW, 6, 1, 4, 0),
                i(MOV64X, 1, 6, 0, 0), call("spin_unlock"), i(MOV64K, 0, 0, 0, 0), EXIT);
    }

    @Test
    void spinLocksExcludeOtherCpus() throws Exception {
        EmulatorObject o = object(EmulatorConfig.defaults().withCpus(2));
        var table = EmulatorHelpers.forObject(o);
        Vm vm = new Vm(lockedIncrement(), o.memory.byteOrder(), table, insn -> o.mapNamed("a").valueAddress(0), 1000);
        int perThread = 20_000;
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            var futures = new ArrayList<Future<?>>();
            for (int cpu = 0; cpu < 2; cpu++) {
                VmState s = new VmState(o.memory, cpu);
                futures.add(pool.submit(() -> {
                    for (int k = 0; k < perThread; k++)
                        vm.run(s);
                }));
            }
            for (Future<?> f : futures)
                f.get();
        } finally {
            pool.shutdownNow();
        }
        byte[] v = o.mapNamed("a").lookup(new byte[4]).orElseThrow();
        assertEquals(2 * perThread, java.nio.ByteBuffer.wrap(v).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(4));
        assertEquals(0, v[0]);                            // unlocked at the end
    }

    @Test
    void lockMisuseFaultsAndReleasesTheLock() {
        EmulatorObject o = object(EmulatorConfig.defaults());
        var table = EmulatorHelpers.forObject(o);
        ConstantResolver valueOfA = insn -> o.mapNamed("a").valueAddress(0);
        List<Instruction> twice = List.of(value(6), i(MOV64X, 1, 6, 0, 0), call("spin_lock"), i(MOV64X, 1, 6, 0, 0),
                call("spin_lock"), EXIT);
        VmFault f = assertThrows(VmFault.class, () -> new Vm(twice, o.memory.byteOrder(), table, valueOfA, 1000).run(new VmState(o.memory)));
        assertTrue(f.getMessage().contains("while holding the lock"), f.getMessage());
        List<Instruction> held = List.of(value(6), i(MOV64X, 1, 6, 0, 0), call("spin_lock"), i(MOV64K, 0, 0, 0, 0), EXIT);
        f = assertThrows(VmFault.class, () -> new Vm(held, o.memory.byteOrder(), table, valueOfA, 1000).run(new VmState(o.memory)));
        assertTrue(f.getMessage().contains("exited holding the bpf_spin_lock"), f.getMessage());
        List<Instruction> unheld = List.of(value(6), i(MOV64X, 1, 6, 0, 0), call("spin_unlock"), EXIT);
        f = assertThrows(VmFault.class, () -> new Vm(unheld, o.memory.byteOrder(), table, valueOfA, 1000).run(new VmState(o.memory)));
        assertTrue(f.getMessage().contains("the lock held is none"), f.getMessage());
        assertEquals(0, o.mapNamed("a").lookup(new byte[4]).orElseThrow()[0]); // every fault left it unlocked
    }

    @Test
    void atomicsAreAtomicAcrossCpusAndMustBeAligned() throws Exception {
        EmulatorObject o = object(EmulatorConfig.defaults().withCpus(2));
        ConstantResolver valueOfA = insn -> o.mapNamed("a").valueAddress(0);
        List<Instruction> add = List.of(value(6), i(MOV64K, 1, 0, 0, 1),
                i(Opcodes.STX | Opcodes.ATOMIC | Opcodes.DW, 6, 1, 8, Opcodes.ADD), i(MOV64K, 0, 0, 0, 0), EXIT);
        Vm vm = new Vm(add, o.memory.byteOrder(), Helpers.NONE, valueOfA, 1000);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            var futures = new ArrayList<Future<?>>();
            for (int cpu = 0; cpu < 2; cpu++) {
                VmState s = new VmState(o.memory, cpu);
                futures.add(pool.submit(() -> {
                    for (int k = 0; k < 50_000; k++)
                        vm.run(s);
                }));
            }
            for (Future<?> f : futures)
                f.get();
        } finally {
            pool.shutdownNow();
        }
        byte[] v = o.mapNamed("a").lookup(new byte[4]).orElseThrow();
        assertEquals(100_000, java.nio.ByteBuffer.wrap(v).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(8));
        List<Instruction> misaligned = List.of(value(6), i(MOV64K, 1, 0, 0, 1),
                i(Opcodes.STX | Opcodes.ATOMIC | Opcodes.DW, 6, 1, 4, Opcodes.ADD), EXIT);
        VmFault f = assertThrows(VmFault.class, () -> new Vm(misaligned, o.memory.byteOrder(), Helpers.NONE, valueOfA, 1000)
                .run(new VmState(o.memory)));
        assertEquals(VmFault.Kind.MISALIGNED, f.kind());
        assertTrue(f.getMessage().startsWith("instruction 3: r6+0x4: unaligned 8-byte atomic access"), f.getMessage());
    }

    @Test
    void ksymsBindToConfiguredBytesAndUnknownStrongOnesFailTheLoad() {
        byte[] active = {1, 2, 3, 4, 5, 6, 7, 8};
        EmulatorObject o = object(EmulatorConfig.defaults().withKsyms(Map.of("bpf_prog_active", active)));
        Instruction ksym = Instruction.of(Opcodes.LD_IMM64, 1, Opcodes.PSEUDO_BTF_ID, 0, 0)
                .withReference(new Reference.Extern("bpf_prog_active"));
        var vm = new Vm(List.of(ksym, i(LDXDW, 0, 1, 0, 0), EXIT), o.memory.byteOrder(), Helpers.NONE, o::resolve, 100);
        assertEquals(0x0807060504030201L, vm.run(new VmState(o.memory)));
        // Read-only, as kernel memory is to a program.
        var store = new Vm(List.of(ksym, i(STDW, 1, 1, 0, 0), EXIT), o.memory.byteOrder(), Helpers.NONE, o::resolve, 100);
        assertEquals(VmFault.Kind.READ_ONLY, assertThrows(VmFault.class, () -> store.run(new VmState(o.memory))).kind());
        Instruction unknown = ksym.withReference(new Reference.Extern("no_such_symbol"));
        var e = assertThrows(BackendException.class, () -> new Vm(List.of(unknown, EXIT), o.memory.byteOrder(), Helpers.NONE, o::resolve, 100));
        assertEquals(-BackendException.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("extern (ksym) 'no_such_symbol'"), e.getMessage());
    }

    @Test
    void mapIndexSourcesBindByPositionInTheObject() {
        EmulatorObject o = object(EmulatorConfig.defaults());
        Instruction byIndex = Instruction.of(Opcodes.LD_IMM64, 1, Opcodes.PSEUDO_MAP_IDX_VALUE, 0, 0L | 8L << 32);
        var vm = new Vm(List.of(byIndex, i(MOV64K, 2, 0, 0, 99), i(STDW, 1, 2, 0, 0), i(MOV64K, 0, 0, 0, 0), EXIT),
                o.memory.byteOrder(), Helpers.NONE, o::resolve, 100);
        vm.run(new VmState(o.memory));
        byte[] v = o.mapNamed("a").lookup(new byte[4]).orElseThrow();
        assertEquals(99, v[8]);
        Instruction handle = Instruction.of(Opcodes.LD_IMM64, 0, Opcodes.PSEUDO_MAP_IDX, 0, 0);
        assertEquals(o.mapNamed("a").handle.base(), new Vm(List.of(handle, EXIT), o.memory.byteOrder(), Helpers.NONE, o::resolve, 100)
                .run(new VmState(o.memory)));
        Instruction outside = Instruction.of(Opcodes.LD_IMM64, 0, Opcodes.PSEUDO_MAP_IDX, 0, 5);
        var e = assertThrows(BackendException.class, () -> new Vm(List.of(outside, EXIT), o.memory.byteOrder(), Helpers.NONE, o::resolve, 100));
        assertTrue(e.getMessage().contains("map index 5 is outside the object's 1 maps"), e.getMessage());
    }

    @Test
    void functionAddressesCannotBeDereferenced() {
        EmulatorObject o = object(EmulatorConfig.defaults());
        List<Instruction> p = List.of(Instruction.of(Opcodes.LD_IMM64, 1, Opcodes.PSEUDO_FUNC, 0, 2),
                i(LDXDW, 0, 1, 0, 0), EXIT, i(MOV64K, 0, 0, 0, 0), EXIT);
        VmFault f = assertThrows(VmFault.class, () -> run(o, p));
        assertEquals(VmFault.Kind.OUT_OF_REGION, f.kind());
    }

    @Test
    void helperMisuseFaultsNameTheHelper() {
        EmulatorObject o = object(EmulatorConfig.defaults().withKsyms(Map.of("jiffies", new byte[8])));
        // r1 is not a map handle
        VmFault f = assertThrows(VmFault.class, () -> run(o, List.of(i(MOV64K, 1, 0, 0, 12345), i(MOV64X, 2, 10, 0, 0),
                call("map_lookup_elem"), EXIT)));
        assertEquals(VmFault.Kind.HELPER_ARGUMENT, f.kind());
        assertEquals("instruction 2: helper bpf_map_lookup_elem#1: 0x3039 is not a map (an ld_imm64 map reference)", f.getMessage());
        // a packet helper in a run without a packet
        f = assertThrows(VmFault.class, () -> run(o, List.of(i(MOV64K, 2, 0, 0, 0), i(MOV64X, 3, 10, 0, 0),
                i(ADD64K, 3, 0, 0, -8), i(MOV64K, 4, 0, 0, 8), call("skb_load_bytes"), EXIT)));
        assertEquals("instruction 4: helper bpf_skb_load_bytes#26: this run has no packet (it is not an skb or xdp test run)",
                f.getMessage());
        // a size of 0 where the kernel wants a positive constant
        f = assertThrows(VmFault.class, () -> run(o, List.of(i(MOV64X, 1, 10, 0, 0), i(ADD64K, 1, 0, 0, -8),
                i(MOV64K, 2, 0, 0, 0), call("get_current_comm"), EXIT)));
        assertTrue(f.getMessage().endsWith("size argument 0 is not a positive 32-bit size"), f.getMessage());
        // a destination the program may not write: kernel memory
        Instruction ksym = Instruction.of(Opcodes.LD_IMM64, 1, Opcodes.PSEUDO_BTF_ID, 0, 0).withReference(new Reference.Extern("jiffies"));
        var vm = new Vm(List.of(ksym, i(MOV64K, 2, 0, 0, 8), call("get_current_comm"), EXIT), o.memory.byteOrder(),
                EmulatorHelpers.forObject(o), o::resolve, 100);
        VmState s = new VmState(o.memory, 0);
        assertEquals(VmFault.Kind.READ_ONLY, assertThrows(VmFault.class, () -> vm.run(s)).kind());
    }

    @Test
    void byteRangesMustLieInOneRegion() {
        Memory m = new Memory();
        Region r = m.map("r", new byte[] {1, 2, 3, 4}, true);
        Region ro = m.map("ro", new byte[4], false);
        assertArrayEquals(new byte[] {3, 4}, m.read(r.base() + 2, 2, 0));
        assertArrayEquals(new byte[0], m.read(r.end(), 0, 0));            // empty, at the end: nothing to read
        assertEquals(null, m.bytesOrNull(r.base() + 3, 2));
        assertEquals(null, m.bytesOrNull(r.base() - 1, 1));
        assertEquals(null, m.bytesOrNull(0, 1));
        assertEquals(VmFault.Kind.OUT_OF_REGION, assertThrows(VmFault.class, () -> m.read(r.base() + 3, 2, 7)).kind());
        m.write(r.base() + 3, new byte[] {9}, 0);
        assertEquals(9, r.bytes()[3]);
        VmFault past = assertThrows(VmFault.class, () -> m.write(r.base() + 3, new byte[2], 5));
        assertTrue(past.getMessage().startsWith("instruction 5: 2-byte write at"), past.getMessage());
        assertEquals(VmFault.Kind.READ_ONLY, assertThrows(VmFault.class, () -> m.write(ro.base(), new byte[1], 0)).kind());
    }

    @Test
    void badMachinesAndHelperTablesAreRefused() {
        var d = EmulatorConfig.defaults();
        assertEquals("cpus 0 must be between 1 and 1024", assertThrows(IllegalArgumentException.class, () -> d.withCpus(0)).getMessage());
        assertEquals("cpus 1025 must be between 1 and 1024", assertThrows(IllegalArgumentException.class, () -> d.withCpus(1025)).getMessage());
        assertEquals("budget 0 must be at least 1", assertThrows(IllegalArgumentException.class, () -> d.withBudget(0)).getMessage());
        assertThrows(NullPointerException.class, () -> d.withClock(null));
        var b = new HelperTable.Builder().add("ktime_get_ns", (r1, r2, r3, r4, r5, s) -> 0);
        assertEquals("helper bpf_ktime_get_ns#5 added twice",
                assertThrows(IllegalArgumentException.class, () -> b.add(5, (r1, r2, r3, r4, r5, s) -> 0)).getMessage());
        assertEquals("no helper bpf_no_such in the kernel uapi",
                assertThrows(IllegalArgumentException.class, () -> b.add("no_such", (r1, r2, r3, r4, r5, s) -> 0)).getMessage());
        assertEquals("helper #100000 is not in the kernel uapi",
                assertThrows(IllegalArgumentException.class, () -> b.add(100000, (r1, r2, r3, r4, r5, s) -> 0)).getMessage());
    }
}
