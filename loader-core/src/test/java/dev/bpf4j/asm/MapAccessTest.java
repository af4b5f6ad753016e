package dev.bpf4j.asm;

import dev.bpf4j.elf.TestObjectFiles;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.SpecReader;
import dev.bpf4j.testdata.TestObjects;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MapAccess on the testdata's programs, and on small programs that pin each rule. */
class MapAccessTest {

    static MapAccess access(String object, String program) {
        LoadPlan plan = Linker.link(SpecReader.read(object + ".o", TestObjects.object(object, TestObjects.Target.BPFEL)));
        return MapAccess.of(plan.program(program).orElseThrow().instructions());
    }

    @Test
    void everyTestdataProgramIsAnalysedWithinWhatItReferences() {
        int programs = 0;
        for (TestObjectFiles.Entry e : TestObjectFiles.all()) {
            LoadPlan p;
            try {
                p = Linker.link(SpecReader.read(e.fileName(), e.bytes()));
            } catch (RuntimeException notLinkable) {
                continue;       // externs this machine cannot resolve: nothing to analyse
            }
            for (LinkedProgram lp : p.programs()) {
                MapAccess a = MapAccess.of(lp.instructions());
                Set<String> ref = MapAccess.referenced(lp.instructions());
                assertTrue(ref.containsAll(a.writes()) && ref.containsAll(a.reads()), e + " " + lp.name() + ": " + a);
                programs++;
            }
        }
        assertTrue(programs > 100, "programs analysed: " + programs);
    }

    @Test
    void theMapTraceTracerWritesTheMirrorAndItsCounterButNotTheTracedMap() {
        assertEquals(new MapAccess(Set.of("trace_counts"), Set.of("mirror", "trace_counts")),
                access("map_trace", "trace_values_update"));
        assertEquals(new MapAccess(Set.of(), Set.of("values")), access("map_trace", "values_writer"));
    }

    @Test
    void theDynencapWriterOnlyWritesAndItsReaderOnlyReads() {
        assertEquals(new MapAccess(Set.of(), Set.of("dynencap_map")), access("dynencap_old", "dynencap_setsockopt"));
        assertEquals(new MapAccess(Set.of("dynencap_map"), Set.of()), access("dynencap_old", "dynencap_egress"));
        assertEquals(new MapAccess(Set.of(), Set.of("new_dynencap_map")), access("dynencap_migration", "dynencap_cow_update"));
    }

    @Test
    void tailCallsCountEveryMap() {
        MapAccess a = access("tail_calls", "tail_entry");
        assertEquals(Set.of("outer_arr", "jmp_table"), a.writes());
    }

    @Test
    void aLoadFromReadOnlyDataIsAReadOnly() {
        // kconfig_exec reads the .kconfig map's values (ld_imm64 map value, then loads).
        assertEquals(new MapAccess(Set.of("kconfig.kconfig"), Set.of()), access("kconfig", "kconfig_exec"));
    }

    // ---- small programs

    private static final class Asm {
        final List<Instruction> insns = new ArrayList<>();

        Asm map(int reg, String m) {
            insns.add(Instruction.loadImm64(reg, 0).withSrc(Opcodes.PSEUDO_MAP_FD).withReference(new Reference.Map(m)));
            return this;
        }

        Asm value(int reg, String m) {
            insns.add(Instruction.loadImm64(reg, 0).withSrc(Opcodes.PSEUDO_MAP_VALUE).withReference(new Reference.MapValue(m, 0)));
            return this;
        }

        Asm op(int opcode, int dst, int src, int off, int imm) {
            insns.add(Instruction.of(opcode, dst, src, off, imm));
            return this;
        }

        Asm call(int helper) {
            return op(Opcodes.CALL_INSN, 0, 0, 0, helper);
        }

        /** r2 = r10 - 64 (a key), r3 = r10 - 56 (a value), r4 = 0 */
        Asm args() {
            return op(0xbf, 2, 10, 0, 0).op(0x07, 2, 0, 0, -64).op(0xbf, 3, 10, 0, 0).op(0x07, 3, 0, 0, -56).op(0xb7, 4, 0, 0, 0);
        }

        Asm exit() {
            return op(0xb7, 0, 0, 0, 0).op(Opcodes.EXIT_INSN, 0, 0, 0, 0);
        }

        MapAccess access() {
            return MapAccess.of(insns);
        }
    }

    @Test
    void aSpilledHandleIsFollowedThroughTheStackAndAnOverwrittenSlotForgetsIt() {
        MapAccess a = new Asm().map(1, "a").op(0x7b, 10, 1, -8, 0)       // *(u64 *)(r10 - 8) = &a
                .map(1, "b").op(0x7b, 10, 1, -8, 0)                       // then &b over it
                .map(1, "c")
                .op(0x79, 1, 10, -8, 0).args().call(2).exit().access();  // update(*(r10 - 8), ...)
        assertEquals(new MapAccess(Set.of(), Set.of("b")), a);
    }

    @Test
    void aStoreAtAnUnknownStackOffsetMayLandInAnySlot() {
        MapAccess a = new Asm().op(0xb7, 1, 0, 0, 0).op(0x7b, 10, 1, -8, 0)   // slot -8: a scalar
                .op(0xbf, 2, 10, 0, 0).op(0x0f, 2, 6, 0, 0)                      // r2 = r10 + r6 (unknown)
                .map(1, "a").op(0x7b, 2, 1, -16, 0)                              // *(r2 - 16) = &a
                .op(0x79, 1, 10, -8, 0).args().call(3).exit().access();         // delete(*(r10 - 8), ...)
        assertTrue(a.writes().contains("a"), a.toString());
    }

    @Test
    void aValuePointerUsedAsAMapIsAMapOfMapsAndCountsEveryMap() {
        MapAccess a = new Asm().map(1, "outer").args().call(1)                 // r0 = lookup(outer)
                .op(0x15, 0, 0, 7, 0)                                            // if r0 == 0 goto out
                .op(0xbf, 1, 0, 0, 0).args().call(2)                             // update(inner, ...)
                .map(1, "other").exit().access();
        assertEquals(Set.of("outer", "other"), a.writes());
    }

    @Test
    void aStoreThroughALookedUpValueWritesItsMapAndAnAtomicAddDoesNotRead() {
        MapAccess a = new Asm().map(1, "counts").args().call(1)
                .op(0x15, 0, 0, 3, 0).op(0x07, 0, 0, 0, 8)                     // r0 += 8
                .op(0xb7, 1, 0, 0, 1).op(0xdb, 0, 1, 0, 0)                      // lock *(u64 *)(r0 + 0) += r1
                .map(1, "bystander").exit().access();
        assertEquals(new MapAccess(Set.of("counts"), Set.of("counts")), a);
        MapAccess fetch = new Asm().value(6, "data").op(0xb7, 1, 0, 0, 1)
                .op(0xdb, 6, 1, 0, 1).exit().access();                          // r1 = atomic_fetch_add(r6, r1)
        assertEquals(new MapAccess(Set.of("data"), Set.of("data")), fetch);
        MapAccess read = new Asm().value(6, "data").op(0x79, 0, 6, 8, 0).op(Opcodes.EXIT_INSN, 0, 0, 0, 0).access();
        assertEquals(new MapAccess(Set.of("data"), Set.of()), read);
    }

    @Test
    void aSubprogramsReturnedValuePointerIsFollowedIntoItsCaller() {
        // main: r0 = get(); *(u32 *)r0 = 1; exit.  get: return lookup(&a, key)
        MapAccess a = new Asm().op(Opcodes.CALL_INSN, 0, Opcodes.PSEUDO_CALL, 0, 3)   // call get (3 slots on)
                .op(0x15, 0, 0, 1, 0).op(0x62, 0, 0, 0, 1)
                .op(Opcodes.EXIT_INSN, 0, 0, 0, 0)
                .map(1, "a").map(6, "b").op(0xbf, 2, 10, 0, 0).op(0x07, 2, 0, 0, -4).call(1)
                .op(Opcodes.EXIT_INSN, 0, 0, 0, 0).access();
        assertEquals(new MapAccess(Set.of("a"), Set.of("a")), a);
    }

    @Test
    void aCallbackIsAnalysedWithWhatItsHelperGets() {
        // bpf_for_each_map_elem(&m, cb, NULL, 0); cb updates "other", a map only it names.
        Asm main = new Asm().map(1, "m");
        main.insns.add(Instruction.loadImm64(2, 0).withSrc(Opcodes.PSEUDO_FUNC).withReference(new Reference.Function("cb")));
        main.op(0xb7, 3, 0, 0, 0).op(0xb7, 4, 0, 0, 0).call(164).exit();
        int cbSlot = Instructions.slotCount(main.insns);
        main.insns.set(1, main.insns.get(1).withConstant(cbSlot - 2 - 1));     // relative to the ld_imm64's next slot
        main.map(1, "other").args().call(2).exit();
        MapAccess a = main.access();
        assertEquals(Set.of("m", "other"), a.writes());
        assertEquals(Set.of("m"), a.reads());
    }

    @Test
    void callxAndMalformedJumpsCountEveryMap() {
        MapAccess callx = new Asm().map(6, "a").value(7, "b").op(Opcodes.CALLX_INSN, 8, 0, 0, 0).exit().access();
        assertEquals(new MapAccess(Set.of("a", "b"), Set.of("a", "b")), callx);
        MapAccess wild = new Asm().map(6, "a").op(0x05, 0, 0, 40, 0).exit().access();    // goto far outside
        assertEquals(new MapAccess(Set.of("a"), Set.of("a")), wild);
    }

    @Test
    void helpersReadingAFormatDoNotWriteIt() {
        // bpf_trace_printk(fmt in .rodata, size): a read of .rodata, no write.
        MapAccess a = new Asm().value(1, "x.rodata").op(0xb7, 2, 0, 0, 4).call(6).exit().access();
        assertEquals(new MapAccess(Set.of("x.rodata"), Set.of()), a);
        // bpf_probe_read(dst in .bss, size, src): the helper writes .bss.
        MapAccess b = new Asm().value(1, "x.bss").op(0xb7, 2, 0, 0, 4).op(0xb7, 3, 0, 0, 0).call(4).exit().access();
        assertEquals(Set.of("x.bss"), b.writes());
    }
}
