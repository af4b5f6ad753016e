package dev.bpf4j.emulator;

import dev.bpf4j.Bpf4j;
import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.asm.Reference;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.backend.TestRun;
import dev.bpf4j.loader.LinkOptions;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.SpecReader;
import dev.bpf4j.loader.TargetBtf;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.bpf4j.emulator.Asm.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * CO-RE in the emulator: testdata core_local.o linked against core_target.o's BTF (both byte
 * orders) and run. Each program's context is a struct core_thing in the TARGET layout, built
 * here from the layout derived by hand in core_target.c's header; the values the programs
 * write to their {@code .bss} array {@code out[]} must be the target's, not the local ones.
 * Poisoned instructions ({@code call 0xbad2310}): the emulator's verifier accepts them, as the
 * kernel does where unreachable; a guarded one is never reached; a reached one faults with a
 * {@link VmFault.Kind#CORE_POISON} naming the instruction and the relocation.
 */
class CoreEmulatorTest {
    private static final long DEAD = 0xdead;
    /** Target layout (core_target.c): offsets of the fields the test fills. */
    private static final int Y = 0, ARR3 = 8 + 3 * 4, INNER_B = 32, INNER_A = 40, X = 48, BITFIELDS = 56, U_BYTES_1 = 65;
    private static final int TARGET_SIZE = 72;
    private static final int BF_S = -3, BF_U = 9; // 6-bit signed, 4-bit unsigned

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Target.class)
    void fieldsReadTheTargetLayout(Target target) throws IOException {
        try (LoadedObject obj = loadAgainstCoreTarget(target)) {
            ByteOrder order = target == Target.BPFEB ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            ByteBuffer ctx = ByteBuffer.allocate(TARGET_SIZE).order(order);
            ctx.putLong(Y, 0x1_2345_6789L);          // wider than the local unsigned int: the load must widen
            ctx.putInt(ARR3, -5);
            ctx.putLong(INNER_B, -123_456_789_012L); // a long in the target, an int locally
            ctx.putInt(INNER_A, 77);
            ctx.putInt(X, -42);
            // bf_s (6 bits) then bf_u (4 bits) in the int at byte 56: BTF bit offsets 448 and 454
            // count from the first bit in memory, the least significant on little-endian and
            // the most significant on big-endian.
            int sBits = BF_S & 0x3f, uBits = BF_U & 0xf;
            ctx.putInt(BITFIELDS, order == ByteOrder.LITTLE_ENDIAN ? sBits | uBits << 6 : sBits << 26 | uBits << 22);
            ctx.put(U_BYTES_1, (byte) 0xab);

            assertEquals(0, obj.program("core_fields").testRun(new TestRun(null, ctx.array(), 1)).retval());
            long[] out = out(obj, order);
            assertEquals(-42, out[0], "x at 48");
            assertEquals(0x1_2345_6789L, out[1], "y, unsigned long at 0");
            assertEquals(-123_456_789_012L, out[2], "inner.b through bpf_core_read of the target's 8 bytes");
            assertEquals(77, out[3], "inner.a at 40");
            assertEquals(-5, out[4], "arr[3] at 20");
            assertEquals(0xab, out[5], "u_bytes[1] at 65");
            assertEquals(BF_U, out[6], "bf_u");
            assertEquals(BF_S, out[7], "bf_s, sign-extended");
            assertEquals(40, out[8], "offset of inner.a");
            assertEquals(8, out[9], "size of y");
            assertEquals(8, out[10], "size of u_int");
            assertEquals(0, out[11], "gone does not exist");
            assertEquals(DEAD, out[12], "the guarded, poisoned load of gone is not reached");
            assertEquals(77, out[13], "BPF_CORE_READ(t, inner.a)");
            assertEquals(1, out[14], "x is signed");
            assertEquals(0, out[15], "y is unsigned");
            assertEquals(56, out[16], "byte offset of bf_s's storage");
            assertEquals(4, out[17], "byte size of bf_u's storage");
        }
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void typesEnumsAndFlavorsAreTheTargets(Target target) throws IOException, InterruptedException {
        try (LoadedObject obj = loadAgainstCoreTarget(target)) {
            ByteOrder order = target == Target.BPFEB ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
            assertEquals(0, obj.program("core_types").testRun(new TestRun(null, null, 1)).retval());
            long[] out = out(obj, order);
            long[] ids = {bpftoolStructId("core_local", target), bpftoolStructId("core_target", target)};
            assertEquals(ids[0], out[0], "local type id of core_thing (bpftool btf dump of core_local.o)");
            assertEquals(ids[1], out[1], "target type id of core_thing (bpftool btf dump of core_target.o)");
            assertEquals(List.of(1L, 0L, 72L, 20L, 1L, 0L, 10L, 20L, 7L, DEAD, 1L, 1L),
                    List.of(out[2], out[3], out[4], out[5], out[6], out[7], out[8], out[9], out[10], out[11], out[12], out[13]),
                    "type exists (core_thing, core_absent), type size (core_thing, core_sized), enum value exists "
                            + "(GREEN, PURPLE), enum values (RED, GREEN, BLUE), the guarded PURPLE, type exists of the flavors");

            assertEquals(0, obj.program("core_flavors").testRun(new TestRun(null, null, 1)).retval());
            out = out(obj, order);
            assertEquals(List.of(4L, 0L, 1L), List.of(out[0], out[1], out[2]),
                    "core_flavored___new.new_name at 4, ___old.old_name missing, ___new.new_name exists");
        }
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void aReachedPoisonFaultsNamingTheRelocation(Target target) throws IOException {
        try (LoadedObject obj = loadAgainstCoreTarget(target)) {
            ProgramHandle p = obj.program("core_poisoned");
            RuntimeException e = assertThrows(RuntimeException.class,
                    () -> p.testRun(new TestRun(null, new byte[TARGET_SIZE], 1)));
            VmFault f = fault(e);
            assertEquals(VmFault.Kind.CORE_POISON, f.kind());
            assertEquals(0, f.slot(), "the load of gone is core_poisoned's first instruction");
            // libbpf numbers the section's CO-RE records from 0; core_poisoned's is the last: of 48
            // on bpfel, of 50 on bpfeb, where each BPF_CORE_READ_BITFIELD_PROBED has one more
            // (a byte size, to aim the read at the low-order end of the u64: bpf_core_read.h).
            int last = target == Target.BPFEB ? 49 : 47;
            assertTrue(f.getMessage().startsWith("instruction 0: CO-RE relocation #" + last + " failed: "), f.getMessage());
            assertTrue(f.getMessage().contains("gone"), "the reason names the missing field: " + f.getMessage());
        }
    }

    /** The library entry point: {@code Bpf4j.open(..).withTargetBtf(..)}; by default the running kernel. */
    @Test
    void bpf4jOpenTakesTheTargetBtf() throws IOException {
        Path local = dir.resolve("core_local.o");
        Files.write(local, TestObjects.object("core_local", Target.BPFEL));
        Path targetFile = dir.resolve("core_target.o");
        Files.write(targetFile, TestObjects.object("core_target", Target.BPFEL));
        try (LoadedObject obj = Bpf4j.open(local).withTargetBtf(TargetBtf.file(targetFile)).load()) {
            obj.program("core_flavors").testRun(new TestRun(null, null, 1));
            assertEquals(4, out(obj, ByteOrder.LITTLE_ENDIAN)[0], "new_name's offset in core_target");
        }
        assumeTrue(Files.isReadable(Path.of("/sys/kernel/btf/vmlinux")), "/sys/kernel/btf/vmlinux is missing: no running-kernel BTF");
        try (LoadedObject obj = Bpf4j.open(local).load()) {
            obj.program("core_flavors").testRun(new TestRun(null, null, 1));
            assertEquals(DEAD, out(obj, ByteOrder.LITTLE_ENDIAN)[0], "no kernel has a struct core_flavored");
        }
    }

    // ---- the VM and the verifier, on hand-made poisoned instructions

    private static Instruction poison(int relocation, String reason) {
        return new Instruction(Opcodes.JMP | Opcodes.CALL, 0, 0, (short) 0, Opcodes.CORE_POISON_HELPER,
                new Reference.CorePoison(relocation, reason));
    }

    @Test
    void theVmFaultsOnlyWhenAPoisonIsReached() {
        // r0 = 1; if r0 == 1 goto +1; <poison>; exit
        Vm skips = new Vm(List.of(mov(0, 1), jeq(0, 1, 1), poison(3, "x"), exit()));
        assertEquals(1, skips.run(new byte[0]));
        Vm reaches = new Vm(List.of(mov(0, 0), jeq(0, 1, 1), poison(3, "no field 'gone' in the target"), exit()));
        VmFault f = assertThrows(VmFault.class, () -> reaches.run(new byte[0]));
        assertEquals(VmFault.Kind.CORE_POISON, f.kind());
        assertEquals(2, f.slot());
        assertEquals("instruction 2: CO-RE relocation #3 failed: no field 'gone' in the target", f.getMessage());
    }

    @Test
    void aPoisonWithoutItsReferenceStillSaysWhatItIs() {
        Vm vm = new Vm(List.of(call(Opcodes.CORE_POISON_HELPER), exit()));
        VmFault f = assertThrows(VmFault.class, () -> vm.run(new byte[0]));
        assertEquals(VmFault.Kind.CORE_POISON, f.kind());
        assertEquals("instruction 0: CO-RE relocation failed (poisoned instruction: call 0xbad2310)", f.getMessage());
    }

    @Test
    void theVerifierAcceptsPoisonedCallsButNotOtherUnknownHelpers() {
        assertTrue(verify("syscall", mov(0, 0), jeq(0, 0, 1), poison(0, "x"), exit()).ok());
        VerifierResult unknown = verify("syscall", mov(0, 0), call(Opcodes.CORE_POISON_HELPER + 1), exit());
        assertEquals("invalid func unknown#" + (Opcodes.CORE_POISON_HELPER + 1), unknown.message());
    }

    // ---- support

    private LoadedObject loadAgainstCoreTarget(Target target) throws IOException {
        Path targetFile = dir.resolve(target.dir() + "-core_target.o");
        Files.write(targetFile, TestObjects.object("core_target", target));
        var spec = SpecReader.read("core_local.o", TestObjects.object("core_local", target));
        return new EmulatorBackend().load(Linker.link(spec, LinkOptions.defaults().withTargetBtf(TargetBtf.file(targetFile))));
    }

    /** core_local's {@code __u64 out[32]}, the value of its {@code .bss} map. */
    private static long[] out(LoadedObject obj, ByteOrder order) {
        byte[] bss = obj.map("core_loc.bss").lookup(new byte[4]).orElseThrow();
        ByteBuffer b = ByteBuffer.wrap(bss).order(order);
        long[] out = new long[bss.length / 8];
        for (int i = 0; i < out.length; i++)
            out[i] = b.getLong(i * 8);
        return out;
    }

    private static VmFault fault(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause())
            if (t instanceof VmFault f)
                return f;
        throw new AssertionError("no VmFault behind " + e, e);
    }

    /** The id bpftool gives struct core_thing in testdata object {@code name}: an oracle apart from our BTF reader. */
    private long bpftoolStructId(String name, Target target) throws IOException, InterruptedException {
        Path file = dir.resolve(target.dir() + "-" + name + ".o");
        Files.write(file, TestObjects.object(name, target));
        String bpftool = Files.isExecutable(Path.of("/usr/sbin/bpftool")) ? "/usr/sbin/bpftool" : "bpftool";
        Process p;
        try {
            p = new ProcessBuilder(bpftool, "btf", "dump", "file", file.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "bpftool is not installed: it is the oracle for BTF type ids");
            throw e;
        }
        String dump = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        Matcher m = Pattern.compile("(?m)^\\[(\\d+)] STRUCT 'core_thing'").matcher(dump);
        assertTrue(m.find(), "bpftool shows no struct core_thing in " + name + ":\n" + dump);
        return Long.parseLong(m.group(1));
    }
}
