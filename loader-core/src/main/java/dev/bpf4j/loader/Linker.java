package dev.bpf4j.loader;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.InstructionList;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.asm.Reference;
import dev.bpf4j.asm.SlotMap;
import dev.bpf4j.btf.FuncInfo;
import dev.bpf4j.btf.LineInfo;
import dev.bpf4j.elf.ObjectFormatException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Links an {@link ObjectSpec} as libbpf's {@code bpf_object__relocate} does: first CO-RE
 * relocations against {@link LinkOptions#targetBtf()} (see {@link CorePatcher}; read only if a
 * relocation needs it), then for each
 * autoloaded entry program, appends the subprograms it reaches (depth first, each once, as
 * {@code bpf_object__reloc_code} recurses), fixes call and subprogram-address immediates, and
 * resolves map, global-data and kconfig references. Map references stay symbolic
 * ({@link Reference.Map}, {@link Reference.MapValue}) with imm 0 until a backend binds them;
 * everything else equals what libbpf hands the kernel.
 *
 * <pre>{@code
 * LoadPlan plan = Linker.link(SpecReader.read(Path.of("subprogs.o")));
 * LoadPlan custom = Linker.link(spec, new LinkOptions(KernelConfig.parse(configText, version)));
 * }</pre>
 */
public final class Linker {
    private final ObjectSpec spec;
    // Keyed by identity: the same ProgramSpec instances flow through the whole link.
    private final Map<ProgramSpec, Map<Integer, ClassifiedRelocation>> relocations = new IdentityHashMap<>();
    private final List<ProgramSpec> text;
    private final Map<ProgramSpec, SlotMap> slotMaps = new IdentityHashMap<>();
    private final Map<ProgramSpec, InstructionList> lists = new IdentityHashMap<>();
    private final String kconfigMap;
    private final int textSlots;

    private Linker(ObjectSpec spec, LinkOptions options) {
        this.spec = spec;
        this.text = spec.subprograms();
        RelocationClassifier classifier = new RelocationClassifier(spec, this::slotMap);
        // libbpf records every relocation at open, so a bad one fails even in a program not loaded.
        for (ProgramSpec p : spec.programs())
            relocations.put(p, classifier.classify(p));
        for (ProgramSpec p : text)
            relocations.put(p, classifier.classify(p));
        this.textSlots = text.stream().mapToInt(t -> slotMap(t).slotCount()).sum();
        this.kconfigMap = spec.maps().stream().filter(m -> m.kind() == MapKind.KCONFIG).map(MapSpec::name).findFirst().orElse(null);
        // CO-RE first, on each function's own code, so that every appended copy carries the patch.
        CorePatcher.apply(spec, options.targetBtf(), this::instructions).forEach(this::usePatched);
    }

    /**
     * From now on {@code f}'s code is {@code patched}. A poisoned ld_imm64 became two one-slot
     * calls: slots stay put, but instruction indexes after it move, and so do its relocations.
     */
    private void usePatched(ProgramSpec f, InstructionList patched) {
        SlotMap before = slotMap(f), after = SlotMap.of(patched);
        if (after.size() != before.size()) {
            Map<Integer, ClassifiedRelocation> moved = new HashMap<>();
            for (var e : relocations.get(f).entrySet()) {
                int index = e.getKey() < 0 ? e.getKey() : after.indexAt(before.slotOf(e.getKey()));
                if (index >= 0 && patched.get(index).reference() instanceof Reference.CorePoison)
                    throw error("prog '%s': insn #%d: an ld_imm64 with a relocation was poisoned by CO-RE", f.name(), before.slotOf(e.getKey()));
                moved.put(index, e.getValue().at(index));
            }
            relocations.put(f, moved);
        }
        lists.put(f, patched);
        slotMaps.put(f, after);
    }

    public static LoadPlan link(ObjectSpec spec) {
        return link(spec, LinkOptions.defaults());
    }

    public static LoadPlan link(ObjectSpec spec, LinkOptions options) {
        Linker linker = new Linker(spec, options);
        List<MapSpec> maps = KconfigResolver.resolve(spec, options.kernelConfig());
        List<LinkedProgram> programs = new ArrayList<>();
        for (ProgramSpec p : spec.programs())
            if (p.autoload())
                programs.add(linker.link(p));
        return new LoadPlan(spec, programs, maps);
    }

    /**
     * The state of one entry program being assembled: its growing {@code struct bpf_insn} array,
     * to which functions are appended as bytes and in which relocated instructions are patched,
     * as libbpf does.
     */
    private final class Assembly {
        final ProgramSpec main;
        final InstructionList.Builder insns;
        /** Where each function placed in this program starts: instruction index and slot. */
        final Map<ProgramSpec, int[]> placed = new IdentityHashMap<>();
        final List<String> appended = new ArrayList<>();
        /** The .BTF.ext records handed to the kernel; each function's move with its code. */
        final List<FuncInfo> funcInfo = new ArrayList<>();
        final List<LineInfo> lineInfo = new ArrayList<>();

        Assembly(ProgramSpec main, int capacity) {
            this.main = main;
            this.insns = new InstructionList.Builder(spec.byteOrder(), capacity);
        }

        int[] append(ProgramSpec f) {
            int[] at = {insns.size(), insns.slotCount()};
            placed.put(f, at);
            insns.append(instructions(f)); // CO-RE-patched
            if (f != main)
                appended.add(f.name());
            appendExtInfo(f, at[1]);
            return at;
        }

        /**
         * libbpf's reloc_prog_func_and_line_info: the function's records, shifted to where its
         * code landed. When the entry program has none of a kind, that kind is dropped for the
         * whole program (libbpf warns and skips it); when the entry has some and an appended
         * subprogram has none, the kernel could not match functions to records, and libbpf
         * fails the load.
         */
        private void appendExtInfo(ProgramSpec f, int slot) {
            if (f == main || !main.funcInfo().isEmpty()) {
                if (f != main && f.funcInfo().isEmpty())
                    throw error("prog '%s': missing .BTF.ext function info for subprogram '%s'", main.name(), f.name());
                for (FuncInfo fi : f.funcInfo())
                    funcInfo.add(fi.atSlot(fi.slot() + slot));
            }
            if (f == main || !main.lineInfo().isEmpty()) {
                if (f != main && f.lineInfo().isEmpty())
                    throw error("prog '%s': missing .BTF.ext line info for subprogram '%s'", main.name(), f.name());
                for (LineInfo li : f.lineInfo())
                    lineInfo.add(li.atSlot(li.slot() + slot));
            }
        }
    }

    private LinkedProgram link(ProgramSpec main) {
        Assembly a = new Assembly(main, slotMap(main).slotCount() + textSlots);
        a.append(main);
        relocateCode(a, main);
        return new LinkedProgram(main, a.insns.build(), a.appended, a.funcInfo, a.lineInfo);
    }

    /** libbpf's bpf_object__reloc_code for one function placed in the assembly, then its data relocations. */
    private void relocateCode(Assembly a, ProgramSpec f) {
        int[] at = a.placed.get(f);
        SlotMap slots = slotMap(f);
        Map<Integer, ClassifiedRelocation> relos = relocations.get(f);
        InstructionList own = instructions(f);
        for (int i = 0; i < own.size(); i++) {
            int opcode = own.opcode(i);
            boolean subprogramCall = opcode == Opcodes.CALL_INSN && own.src(i) == Opcodes.PSEUDO_CALL;
            if (!subprogramCall && opcode != Opcodes.LD_IMM64)
                continue; // most instructions: nothing to decode, no relocation to look up
            Instruction insn = own.get(i);
            ClassifiedRelocation relo = relos.get(i);
            boolean pseudoFunc = !subprogramCall && (insn.src() == Opcodes.PSEUDO_FUNC || relo instanceof ClassifiedRelocation.SubprogramAddress);
            if (!subprogramCall && !pseudoFunc)
                continue;
            if (relo instanceof ClassifiedRelocation.Extern)
                continue; // kfunc calls are resolved with the data relocations
            int slot = slots.slotOf(i);
            long target;
            if (relo instanceof ClassifiedRelocation.Call c) {
                target = c.symbolOffset() / 8 + insn.imm() + 1;
            } else if (relo instanceof ClassifiedRelocation.SubprogramAddress s) {
                target = (s.symbolOffset() + insn.imm()) / 8;
            } else if (relo != null) {
                throw error("prog '%s': insn #%d: unexpected relocation %s for a call", f.name(), slot, relo.getClass().getSimpleName());
            } else if (pseudoFunc) {
                throw error("prog '%s': missing subprog addr relo for insn #%d", f.name(), slot);
            } else {
                // A static callee in the same section: imm is already relative to this call.
                target = f.sectionOffset() / 8 + slot + insn.imm() + 1;
            }
            ProgramSpec callee = textFunctionAt(target);
            if (callee == null)
                throw error("prog '%s': insn #%d: no .text section found yet sub-program call exists (target insn #%d)", f.name(), slot, target);
            if (!a.placed.containsKey(callee)) {
                a.append(callee);
                relocateCode(a, callee);
            }
            int calleeSlot = a.placed.get(callee)[1];
            int imm = calleeSlot - (at[1] + slot) - 1;
            Reference function = new Reference.Function(callee.name());
            Instruction fixed = pseudoFunc
                    ? new Instruction(insn.opcode(), insn.dst(), Opcodes.PSEUDO_FUNC, insn.offset(),
                    (insn.constant() & 0xffff_ffff_0000_0000L) | (imm & 0xffff_ffffL), function)
                    : new Instruction(insn.opcode(), insn.dst(), insn.src(), insn.offset(), imm, function);
            a.insns.set(at[0] + i, fixed);
        }
        relocateData(a, f, at[0]);
    }

    /** libbpf's bpf_object__relocate_data, applied to one placed copy of a function. */
    private void relocateData(Assembly a, ProgramSpec f, int base) {
        for (ClassifiedRelocation relo : relocations.get(f).values()) {
            int i = base + relo.index();
            Instruction insn = a.insns.get(i);
            if (relo instanceof ClassifiedRelocation.MapReference m) {
                a.insns.set(i, new Instruction(insn.opcode(), insn.dst(), Opcodes.PSEUDO_MAP_FD, insn.offset(),
                        insn.constant() & 0xffff_ffff_0000_0000L, new Reference.Map(m.map())));
            } else if (relo instanceof ClassifiedRelocation.Data d) {
                // The second immediate is computed from the first before the first becomes an fd:
                // statics carry their offset in imm, globals in the symbol value.
                int offset = (int) (insn.imm() + d.symbolOffset());
                a.insns.set(i, new Instruction(insn.opcode(), insn.dst(), Opcodes.PSEUDO_MAP_VALUE, insn.offset(),
                        (long) offset << 32, new Reference.MapValue(d.map(), offset)));
            } else if (relo instanceof ClassifiedRelocation.Extern e) {
                a.insns.set(i, externReference(f, insn, e));
            }
        }
    }

    private Instruction externReference(ProgramSpec f, Instruction insn, ClassifiedRelocation.Extern e) {
        ExternSpec ext = e.extern();
        if (ext.kind() == ExternSpec.Kind.KCONFIG) {
            if (e.call())
                throw error("prog '%s': kconfig extern '%s' used as a function", f.name(), ext.name());
            return insn.withSrc(Opcodes.PSEUDO_MAP_VALUE).withConstant((long) ext.offset() << 32)
                    .withReference(new Reference.MapValue(kconfigMap, ext.offset()));
        }
        // ksyms and kfuncs need the running kernel's BTF or kallsyms: a backend resolves them.
        Instruction marked = e.call() ? insn.withSrc(Opcodes.PSEUDO_KFUNC_CALL) : insn;
        return marked.withReference(new Reference.Extern(ext.name()));
    }

    /** libbpf's find_prog_by_sec_insn in .text: the function whose slots contain {@code slot}. */
    private ProgramSpec textFunctionAt(long slot) {
        int lo = 0, hi = text.size() - 1;
        while (lo <= hi) { // text functions are sorted by offset
            int mid = (lo + hi) >>> 1;
            ProgramSpec t = text.get(mid);
            long start = t.sectionOffset() / 8;
            if (slot < start)
                hi = mid - 1;
            else if (slot >= start + slotMap(t).slotCount())
                lo = mid + 1;
            else
                return t;
        }
        return null;
    }

    private SlotMap slotMap(ProgramSpec f) {
        return slotMaps.computeIfAbsent(f, k -> SlotMap.of(f.instructions()));
    }

    /** The function's code as bytes (specs read from ELF already are; hand-built ones are converted once). */
    private InstructionList instructions(ProgramSpec f) {
        return lists.computeIfAbsent(f, k -> InstructionList.of(f.instructions(), spec.byteOrder()));
    }

    private ObjectFormatException error(String format, Object... args) {
        return new ObjectFormatException(spec.elf().name(), format, args);
    }
}
