package dev.bpf4j.loader;

import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.BtfExt;
import dev.bpf4j.btf.BtfFormatException;
import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.ElfReader;
import dev.bpf4j.elf.ObjectFormatException;
import dev.bpf4j.elf.Section;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the bytes of a BPF object into an {@link ObjectSpec}, as libbpf's
 * {@code bpf_object__open} does (no kernel involved). Malformed input gives one
 * {@link ObjectFormatException} naming the file and the part at fault.
 *
 * <pre>{@code
 * ObjectSpec spec = SpecReader.read(Path.of("testdata/obj/bpfel/globals.o"));
 * ObjectSpec same = SpecReader.read("globals.o", bytes);
 * }</pre>
 */
public final class SpecReader {
    private SpecReader() {
    }

    public static ObjectSpec read(Path path) throws IOException {
        return read(path.getFileName().toString(), Files.readAllBytes(path));
    }

    /** @param fileName the file's name: libbpf derives the object (and internal map) names from it */
    public static ObjectSpec read(String fileName, byte[] bytes) {
        ElfFile elf = ElfReader.read(fileName, bytes);
        try {
            return read(elf);
        } catch (BtfFormatException e) {
            // BTF is validated when parsed; this catches what only shows when types are followed.
            throw new ObjectFormatException(fileName, e, "section '.BTF': %s", e.getMessage());
        }
    }

    private static ObjectSpec read(ElfFile elf) {
        String fileName = elf.name();
        String objectName = InternalMaps.objectName(fileName);
        Btf btf = readBtf(elf);
        DataSecLayout layout = btf == null ? DataSecLayout.empty() : DataSecLayout.of(elf, btf);
        String license = elf.section("license").map(s -> license(elf, s)).orElse("");
        int kernelVersion = elf.section("version").map(s -> kernelVersion(elf, s)).orElse(0);

        List<ProgramSpec> functions = ExtInfos.assign(elf, readBtfExt(elf, btf),
                new ProgramReader(elf, license, kernelVersion).read());
        // libbpf's prog_is_subprog: .text functions are subprograms unless one is all the object has.
        boolean loneText = functions.size() == 1 && functions.get(0).inText();
        List<ProgramSpec> programs = functions.stream().filter(p -> loneText || !p.inText()).toList();
        List<ProgramSpec> subprograms = functions.stream().filter(p -> !loneText && p.inText()).toList();

        List<MapSpec> maps = new ArrayList<>();
        Optional<Section> legacy = elf.section("maps");
        legacy.ifPresent(s -> maps.addAll(LegacyMapParser.parse(elf, s)));
        Optional<Section> btfMapsSection = elf.section(".maps");
        List<BtfMapParser.Parsed> btfMaps = List.of();
        if (btfMapsSection.isPresent()) {
            if (btf == null)
                throw new ObjectFormatException(fileName, "section '.maps': BTF is required, but is missing");
            btfMaps = new BtfMapParser(fileName, btf, layout).parse(".maps", btfMapsSection.get().size());
            btfMaps.forEach(p -> maps.add(p.spec()));
        }
        Map<Integer, MapSpec> dataMaps = new LinkedHashMap<>();
        for (Section s : elf.sections())
            InternalMaps.kindOf(s).ifPresent(kind -> dataMaps.put(s.index(), InternalMaps.forSection(elf, s, kind, objectName, layout)));
        maps.addAll(dataMaps.values());
        List<ExternSpec> externs = Externs.collect(elf, btf);
        int kconfigSize = Externs.kconfigSize(externs);
        if (kconfigSize > 0)
            maps.add(InternalMaps.forKconfig(objectName, kconfigSize, layout));
        checkUniqueNames(fileName, maps);

        List<MapSpec> finalMaps = maps;
        Optional<Section> relMaps = elf.section(".rel.maps");
        if (relMaps.isPresent() && relMaps.get().isRel() && btfMapsSection.isPresent())
            finalMaps = MapSlots.apply(elf, relMaps.get(), btfMapsSection.get(), btfMaps, maps, programs, subprograms);
        checkMapTraceTargets(fileName, programs, finalMaps);

        List<VariableSpec> variables = Variables.collect(elf, btf, layout, dataMaps, externs, finalMaps);
        return new ObjectSpec(objectName, elf.byteOrder(), license, kernelVersion, programs, subprograms, finalMaps,
                variables, externs, btf, elf);
    }

    private static Btf readBtf(ElfFile elf) {
        Optional<Section> section = elf.section(".BTF");
        if (section.isEmpty())
            return null;
        try {
            return Btf.parse(elf.contents(section.get()));
        } catch (BtfFormatException e) {
            throw new ObjectFormatException(elf.name(), e, "section '.BTF': %s", e.getMessage());
        }
    }

    /** The .BTF.ext section, or null without one; like libbpf, ignored when there is no .BTF for its strings. */
    private static BtfExt readBtfExt(ElfFile elf, Btf btf) {
        Optional<Section> section = elf.section(".BTF.ext");
        if (section.isEmpty() || btf == null)
            return null;
        try {
            return BtfExt.parse(elf.contents(section.get()), btf);
        } catch (BtfFormatException e) {
            // libbpf only warns and drops a bad .BTF.ext; we refuse it: a damaged file should say so.
            throw new ObjectFormatException(elf.name(), e, "section '.BTF.ext': %s", e.getMessage());
        }
    }

    private static String license(ElfFile elf, Section s) {
        ByteBuffer data = elf.contents(s);
        int end = 0;
        while (end < data.limit() && data.get(end) != 0)
            end++;
        byte[] text = new byte[end];
        data.get(0, text);
        return new String(text, StandardCharsets.ISO_8859_1);
    }

    private static int kernelVersion(ElfFile elf, Section s) {
        if (s.size() != 4)
            throw new ObjectFormatException(elf.name(), "section 'version': invalid kver section size %d (expected 4)", s.size());
        return elf.contents(s).getInt(0);
    }

    private static void checkUniqueNames(String file, List<MapSpec> maps) {
        Map<String, MapSpec> seen = new HashMap<>();
        for (MapSpec m : maps)
            if (seen.putIfAbsent(m.name(), m) != null)
                throw new ObjectFormatException(file, "map '%s': defined twice (%s and %s)", m.name(),
                        seen.get(m.name()).sectionName(), m.sectionName());
    }

    private static void checkMapTraceTargets(String file, List<ProgramSpec> programs, List<MapSpec> maps) {
        for (ProgramSpec p : programs)
            if (p.expectedAttachType().filter(t -> t == AttachType.TRACE_MAP).isPresent()
                    && maps.stream().noneMatch(m -> m.name().equals(p.attachTarget())))
                throw new ObjectFormatException(file, "program '%s': section '%s' traces map '%s', which this object does not define",
                        p.name(), p.sectionName(), p.attachTarget());
    }
}
