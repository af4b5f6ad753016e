package dev.bpf4j.loader;

import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.ObjectFormatException;
import dev.bpf4j.elf.Relocation;
import dev.bpf4j.elf.Section;
import dev.bpf4j.elf.Symbol;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Declarative initialisers of prog arrays and maps of maps, from {@code .rel.maps}, following
 * libbpf's {@code bpf_object__collect_map_relos}: each record points into the {@code values}
 * member of one map (slot = (offset in the map - offset of values) / 8) and names a map (for maps
 * of maps) or an entry program (for prog arrays).
 */
final class MapSlots {
    private static final int PTR_SIZE = 8;

    private MapSlots() {
    }

    /** Returns {@code maps} with the slots of {@code rel} recorded on the maps they initialise. */
    static List<MapSpec> apply(ElfFile elf, Section rel, Section mapsSection, List<BtfMapParser.Parsed> btfMaps,
                               List<MapSpec> maps, List<ProgramSpec> programs, List<ProgramSpec> subprograms) {
        Map<String, List<MapSlot>> slots = new HashMap<>();
        Map<String, MapSpec> mapsByName = new HashMap<>();
        maps.forEach(m -> mapsByName.putIfAbsent(m.name(), m));
        Map<String, ProgramSpec> programsByName = new HashMap<>();
        programs.forEach(p -> programsByName.putIfAbsent(p.name(), p));
        subprograms.forEach(p -> programsByName.putIfAbsent(p.name(), p));
        java.util.Set<ProgramSpec> entries = java.util.Set.copyOf(programs);
        List<Relocation> records = elf.relocations(rel);
        for (int index = 0; index < records.size(); index++) {
            int i = index;
            Relocation r = records.get(i);
            Symbol sym = elf.symbols().get(r.symbol());
            String name = sym.name();
            BtfMapParser.Parsed parsed = covering(btfMaps, r.offset());
            if (parsed == null)
                throw error(elf, ".maps relo #%d: cannot find map '%s' at offset %d", i, name, r.offset());
            MapSpec map = parsed.spec();
            if (map.type() == MapType.ARRAY_OF_MAPS || map.type() == MapType.HASH_OF_MAPS) {
                if (sym.sectionIndex() != mapsSection.index())
                    throw error(elf, ".maps relo #%d: '%s' isn't a BTF-defined map", i, name);
                if (map.type() == MapType.HASH_OF_MAPS && map.keySize() != 4)
                    throw error(elf, ".maps relo #%d: hash-of-maps '%s' should have key size 4", i, map.name());
                if (!mapsByName.containsKey(name))
                    throw error(elf, ".maps relo #%d: '%s' isn't a valid map reference", i, name);
            } else if (map.type() == MapType.PROG_ARRAY) {
                ProgramSpec target = programsByName.get(name);
                if (target == null)
                    throw error(elf, ".maps relo #%d: '%s' isn't a valid program reference", i, name);
                if (!entries.contains(target) || target.sectionIndex() != sym.sectionIndex() || target.sectionOffset() != sym.value())
                    throw error(elf, ".maps relo #%d: '%s' isn't an entry-point program", i, name);
            } else {
                throw error(elf, ".maps relo #%d: map '%s' of type %s can't have initial values", i, map.name(), map.type().libbpfName());
            }
            long within = r.offset() - parsed.offset() - parsed.valuesOffset();
            if (parsed.valuesOffset() < 0 || within < 0 || within % PTR_SIZE != 0)
                throw error(elf, ".maps relo #%d: offset %d is not a slot of map '%s' values", i, r.offset(), map.name());
            slots.computeIfAbsent(map.name(), k -> new ArrayList<>()).add(new MapSlot((int) (within / PTR_SIZE), name));
        }
        List<MapSpec> out = new ArrayList<>(maps.size());
        for (MapSpec m : maps)
            out.add(slots.containsKey(m.name()) ? m.withSlots(slots.get(m.name())) : m);
        return out;
    }

    /** The map whose definition holds the 8 bytes at {@code offset}; maps are in offset order. */
    private static BtfMapParser.Parsed covering(List<BtfMapParser.Parsed> maps, long offset) {
        int lo = 0, hi = maps.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            BtfMapParser.Parsed p = maps.get(mid);
            if (p.covers(offset, PTR_SIZE))
                return p;
            if (p.offset() > offset)
                hi = mid - 1;
            else
                lo = mid + 1;
        }
        return null;
    }

    private static ObjectFormatException error(ElfFile elf, String format, Object... args) {
        return new ObjectFormatException(elf.name(), format, args);
    }
}
