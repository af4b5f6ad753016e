package dev.bpf4j.loader;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.asm.SlotMap;
import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.ObjectFormatException;
import dev.bpf4j.elf.Section;
import dev.bpf4j.elf.Symbol;

import java.util.HashMap;
import java.util.Map;

/**
 * Classifies each raw relocation of a function (libbpf's {@code bpf_program__record_reloc}):
 * extern, subprogram call, subprogram address, map reference or global data, with libbpf's
 * checks and, in its messages, the program, instruction index and symbol at fault.
 */
final class RelocationClassifier {
    private final ObjectSpec spec;
    private final ElfFile elf;
    private final int textSection;
    private final Map<String, MapSpec> definitionsAt = new HashMap<>();
    private final Map<String, MapSpec> dataMaps = new HashMap<>();
    private final Map<String, ExternSpec> externs = new HashMap<>();

    private final java.util.function.Function<ProgramSpec, SlotMap> slotMaps;

    RelocationClassifier(ObjectSpec spec, java.util.function.Function<ProgramSpec, SlotMap> slotMaps) {
        this.spec = spec;
        this.slotMaps = slotMaps;
        this.elf = spec.elf();
        this.textSection = elf.section(".text").map(Section::index).orElse(-1);
        for (MapSpec m : spec.maps()) {
            if (m.kind() == MapKind.BTF || m.kind() == MapKind.LEGACY)
                definitionsAt.putIfAbsent(m.sectionName() + "@" + m.sectionOffset(), m);
            else if (m.kind() != MapKind.KCONFIG)
                dataMaps.putIfAbsent(m.sectionName(), m);
        }
        spec.externs().forEach(e -> externs.put(e.name(), e));
    }

    /** The function's relocations by instruction index. */
    Map<Integer, ClassifiedRelocation> classify(ProgramSpec function) {
        SlotMap slots = slotMaps.apply(function);
        Map<Integer, ClassifiedRelocation> out = new HashMap<>();
        for (ProgramRelocation r : function.relocations()) {
            int index = r.slot() < slots.slotCount() ? slots.indexAt(r.slot()) : -1;
            ClassifiedRelocation c = classify(function, r, index, index < 0 ? null : function.instructions().get(index));
            out.put(index, c);
        }
        return out;
    }

    private ClassifiedRelocation classify(ProgramSpec f, ProgramRelocation r, int index, Instruction insn) {
        String prog = f.name();
        String name = r.symbolName();
        Symbol sym = elf.symbols().get(r.symbolIndex());
        if (insn == null || !insn.isCall() && !insn.isLoadImm64())
            throw error("prog '%s': invalid relo against '%s' for insns[%d].code 0x%x", prog, name, r.slot(),
                    insn == null ? 0 : insn.opcode());
        if (isExtern(sym)) {
            ExternSpec e = externs.get(sym.name());
            if (e == null)
                throw error("prog '%s': insn #%d: extern relo failed to find extern for '%s' (%d)", prog, r.slot(), name, sym.index());
            return new ClassifiedRelocation.Extern(index, e, insn.isCall());
        }
        int shndx = sym.sectionIndex();
        if (insn.isCall()) {
            if (insn.src() != Opcodes.PSEUDO_CALL)
                throw error("prog '%s': insn #%d: incorrect bpf_call opcode (call with src_reg %d against '%s')", prog, r.slot(), insn.src(), name);
            if (shndx == 0 || shndx != textSection)
                throw error("prog '%s': insn #%d: bad call relo against '%s' in section '%s'", prog, r.slot(), name, sectionName(shndx));
            if (sym.value() % 8 != 0)
                throw error("prog '%s': insn #%d: bad call relo against '%s' at offset %d", prog, r.slot(), name, sym.value());
            return new ClassifiedRelocation.Call(index, sym.value());
        }
        if (shndx == 0 || shndx >= 0xff00)
            throw error("prog '%s': insn #%d: invalid relo against '%s' in special section 0x%x; forgot to initialize global var?",
                    prog, r.slot(), name, shndx);
        if (isSubprogram(sym)) {
            if (sym.value() % 8 != 0 || insn.imm() % 8 != 0)
                throw error("prog '%s': insn #%d: bad subprog addr relo against '%s' at offset %d+%d", prog, r.slot(), name, sym.value(), insn.imm());
            return new ClassifiedRelocation.SubprogramAddress(index, sym.value());
        }
        Section section = elf.section(shndx);
        if (InternalMaps.kindOf(section).isEmpty()) {
            if (!section.name().equals(".maps") && !section.name().equals("maps"))
                throw error("prog '%s': insn #%d: bad map relo against '%s' in section '%s'", prog, r.slot(), name, section.name());
            MapSpec map = definitionsAt.get(section.name() + "@" + sym.value());
            if (map == null)
                throw error("prog '%s': insn #%d: map relo failed to find map for section '%s', off %d", prog, r.slot(), section.name(), sym.value());
            return new ClassifiedRelocation.MapReference(index, map.name());
        }
        MapSpec map = dataMaps.get(section.name());
        if (map == null)
            throw error("prog '%s': insn #%d: data relo failed to find map for section '%s'", prog, r.slot(), section.name());
        return new ClassifiedRelocation.Data(index, map.name(), sym.value());
    }

    // libbpf's sym_is_extern: undefined, global or weak, NOTYPE.
    private static boolean isExtern(Symbol sym) {
        return sym.isUndefined() && (sym.isGlobal() || sym.isWeak()) && sym.type() == Symbol.STT_NOTYPE;
    }

    // libbpf's sym_is_subprog: in .text, and a static function's section symbol or a global function.
    private boolean isSubprogram(Symbol sym) {
        if (sym.sectionIndex() != textSection)
            return false;
        if (sym.isLocal() && sym.isSectionSymbol())
            return true;
        return sym.isGlobal() && sym.isFunction();
    }

    private String sectionName(int shndx) {
        return shndx > 0 && shndx < elf.sections().size() ? elf.section(shndx).name() : "#" + shndx;
    }

    private ObjectFormatException error(String format, Object... args) {
        return new ObjectFormatException(elf.name(), format, args);
    }
}
