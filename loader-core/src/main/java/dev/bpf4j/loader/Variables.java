package dev.bpf4j.loader;

import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.BtfType;
import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.Section;
import dev.bpf4j.elf.Symbol;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Global and static variables: the STT_OBJECT symbols of the sections that became internal maps,
 * typed by the VAR of the same name in the section's DATASEC; kconfig externs as laid out in
 * the {@code .kconfig} map.
 */
final class Variables {
    private Variables() {
    }

    static List<VariableSpec> collect(ElfFile elf, Btf btf, Map<Integer, MapSpec> mapsBySection, List<ExternSpec> externs,
                                      List<MapSpec> maps) {
        List<VariableSpec> out = new ArrayList<>();
        List<Symbol> objects = elf.symbols().stream()
                .filter(s -> s.type() == Symbol.STT_OBJECT && s.isInSection() && !s.name().isEmpty()
                        && mapsBySection.containsKey(s.sectionIndex()))
                .sorted(Comparator.comparingInt(Symbol::sectionIndex).thenComparingLong(Symbol::value))
                .toList();
        for (Symbol sym : objects) {
            Section section = elf.section(sym.sectionIndex());
            MapSpec map = mapsBySection.get(sym.sectionIndex());
            BtfType type = btf == null ? null : varType(btf, section.name(), sym.name());
            long size = sym.size() == 0 && type != null ? btf.sizeOf(type.id()) : sym.size();
            out.add(new VariableSpec(sym.name(), section.name(), map.name(), sym.value(), size, type,
                    !sym.isLocal(), false, false));
        }
        String kconfigMap = maps.stream().filter(m -> m.kind() == MapKind.KCONFIG).map(MapSpec::name).findFirst().orElse(null);
        for (ExternSpec e : externs)
            if (e.kind() == ExternSpec.Kind.KCONFIG)
                out.add(new VariableSpec(e.name(), ".kconfig", kconfigMap, e.offset(), e.size(), e.type(), true, true, e.weak()));
        return out;
    }

    private static BtfType varType(Btf btf, String section, String name) {
        return btf.datasec(section).flatMap(sec -> sec.vars().stream()
                        .map(vi -> btf.type(vi.type()))
                        .filter(t -> t instanceof BtfType.Var && t.name().equals(name))
                        .map(t -> btf.type(((BtfType.Var) t).type()))
                        .findFirst())
                .orElse(null);
    }
}
