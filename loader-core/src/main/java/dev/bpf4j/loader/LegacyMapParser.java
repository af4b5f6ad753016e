package dev.bpf4j.loader;

import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.ObjectFormatException;
import dev.bpf4j.elf.Section;
import dev.bpf4j.elf.Symbol;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Reads legacy {@code SEC("maps")} definitions as libbpf 0.x did: every non-section symbol in the
 * section is a map, all definitions are equally sized (section size / symbol count), the first
 * five u32 fields are type, key_size, value_size, max_entries and map_flags, and a larger
 * definition (iproute2's {@code struct bpf_elf_map}) is accepted only if its extra bytes are zero.
 * libbpf 1.x refuses the section altogether; iproute2 and older objects still use it.
 */
final class LegacyMapParser {
    private static final int DEF_SIZE = 20;

    private LegacyMapParser() {
    }

    static List<MapSpec> parse(ElfFile elf, Section section) {
        String file = elf.name();
        List<Symbol> symbols = elf.symbols().stream()
                .filter(s -> s.sectionIndex() == section.index() && !s.isSectionSymbol())
                .sorted(Comparator.comparingLong(Symbol::value))
                .toList();
        if (symbols.isEmpty())
            return List.of();
        long size = section.size();
        if (size == 0 || size % symbols.size() != 0)
            throw new ObjectFormatException(file, "section '%s': unable to determine legacy map definition size (%d bytes, %d maps)",
                    section.name(), size, symbols.size());
        int defSize = (int) (size / symbols.size());
        ByteBuffer data = elf.contents(section);
        List<MapSpec> maps = new ArrayList<>(symbols.size());
        for (Symbol sym : symbols) {
            if (sym.isLocal())
                throw new ObjectFormatException(file, "map '%s' (legacy): static maps are not supported", sym.name());
            if (sym.value() < 0 || sym.value() + defSize > size)
                throw new ObjectFormatException(file, "map '%s' (legacy): corrupted map_def found at offset %d (section '%s' has %d bytes)",
                        sym.name(), sym.value(), section.name(), size);
            int at = (int) sym.value();
            for (int b = DEF_SIZE; b < defSize; b++)
                if (data.get(at + b) != 0)
                    throw new ObjectFormatException(file, "map '%s' (legacy): definition has unrecognized, non-zero options at byte %d",
                            sym.name(), b);
            int[] f = new int[5];
            for (int i = 0; i < 5 && i * 4 + 4 <= defSize; i++)
                f[i] = data.getInt(at + i * 4);
            int typeNumber = f[0];
            MapType type = MapType.fromNumber(typeNumber)
                    .orElseThrow(() -> new ObjectFormatException(file, "map '%s' (legacy): unknown map type %d", sym.name(), typeNumber));
            if (type == MapType.UNSPEC)
                throw new ObjectFormatException(file, "map '%s' (legacy): map type isn't specified", sym.name());
            maps.add(new MapSpec(sym.name(), MapKind.LEGACY, type, f[1], f[2], f[3], f[4], 0, Pinning.NONE, 0,
                    section.name(), sym.value(), null, null, null, null, List.of()));
        }
        return maps;
    }
}
