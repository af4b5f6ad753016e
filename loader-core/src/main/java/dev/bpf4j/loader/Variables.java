package dev.bpf4j.loader;

import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.BtfType;
import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.Section;
import dev.bpf4j.elf.Symbol;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
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

    static List<VariableSpec> collect(ElfFile elf, Btf btf, DataSecLayout layout, Map<Integer, MapSpec> mapsBySection, List<ExternSpec> externs,
                                      List<MapSpec> maps) {
        List<VariableSpec> out = new ArrayList<>();
        List<Symbol> objects = elf.symbols().stream()
                .filter(s -> s.type() == Symbol.STT_OBJECT && s.isInSection() && !s.name().isEmpty()
                        && mapsBySection.containsKey(s.sectionIndex()))
                .sorted(Comparator.comparingInt(Symbol::sectionIndex).thenComparingLong(Symbol::value))
                .toList();
        Map<String, Map<String, DataSecLayout.Var>> byName = new HashMap<>();
        for (Symbol sym : objects) {
            Section section = elf.section(sym.sectionIndex());
            MapSpec map = mapsBySection.get(sym.sectionIndex());
            DataSecLayout.Var var = byName.computeIfAbsent(section.name(), n -> index(layout, n)).get(sym.name());
            BtfType type = var == null ? null : btf.type(var.var().type());
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

    private static Map<String, DataSecLayout.Var> index(DataSecLayout layout, String section) {
        Map<String, DataSecLayout.Var> out = new HashMap<>();
        layout.vars(section).ifPresent(vars -> vars.forEach(v -> out.putIfAbsent(v.name(), v)));
        return out;
    }
}
