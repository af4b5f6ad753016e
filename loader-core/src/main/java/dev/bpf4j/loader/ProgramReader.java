package dev.bpf4j.loader;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.InstructionFormatException;
import dev.bpf4j.asm.Instructions;
import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.ObjectFormatException;
import dev.bpf4j.elf.Relocation;
import dev.bpf4j.elf.Section;
import dev.bpf4j.elf.Symbol;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Finds the programs of an object as libbpf's {@code bpf_object__add_programs} does (every
 * STT_FUNC symbol of an executable section; {@code .text} ones are subprograms), orders them by
 * section and offset, types them by the section table, and attaches each REL record of an
 * executable section to the program whose instructions it patches.
 */
final class ProgramReader {
    private static final int INSN_SIZE = 8;

    private final ElfFile elf;
    private final String license;
    private final int kernelVersion;
    private final Map<Integer, byte[]> sectionBytes = new HashMap<>();

    ProgramReader(ElfFile elf, String license, int kernelVersion) {
        this.elf = elf;
        this.license = license;
        this.kernelVersion = kernelVersion;
    }

    /** All functions, entry programs and subprograms, sorted by section index then offset. */
    List<ProgramSpec> read() {
        record Found(Section section, Symbol symbol) {
        }
        List<Found> found = new ArrayList<>();
        for (Symbol sym : elf.symbols()) {
            if (!sym.isFunction() || !sym.isInSection())
                continue;
            Section s = elf.section(sym.sectionIndex());
            if (s.isExecutable() && s.size() > 0)
                found.add(new Found(s, sym));
        }
        found.sort(Comparator.comparingInt((Found f) -> f.section.index()).thenComparingLong(f -> f.symbol.value()));

        Map<Integer, List<ProgramRelocation>> relocations = new HashMap<>();
        List<ProgramSpec> programs = new ArrayList<>(found.size());
        long[] sizes = new long[found.size()];
        for (int i = 0; i < found.size(); i++) {
            programs.add(program(found.get(i).section, found.get(i).symbol));
            sizes[i] = found.get(i).symbol.size();
        }
        for (Section rel : elf.sections())
            if (rel.isRel() && elf.section(rel.info()).isExecutable())
                assign(rel, programs, sizes, relocations);

        List<ProgramSpec> out = new ArrayList<>(programs.size());
        for (int i = 0; i < programs.size(); i++) {
            ProgramSpec p = programs.get(i);
            List<ProgramRelocation> rs = relocations.getOrDefault(i, List.of());
            out.add(rs.isEmpty() ? p : p.withRelocations(rs));
        }
        return out;
    }

    private ProgramSpec program(Section section, Symbol sym) {
        String sec = section.name();
        if (sym.name().isEmpty())
            throw error("sec '%s': failed to get symbol name for offset %d", sec, sym.value());
        long offset = sym.value();
        long size = sym.size();
        if (offset < 0 || size < 0 || offset + size > section.size() || offset + size < offset)
            throw error("sec '%s': program '%s' at offset %d crosses section boundary (section size %d)",
                    sec, sym.name(), offset, section.size());
        boolean text = sec.equals(".text");
        if (!text && sym.isLocal())
            throw error("sec '%s': program '%s' is static and not supported", sec, sym.name());
        if (size == 0 || size % INSN_SIZE != 0 || offset % INSN_SIZE != 0)
            throw error("sec '%s': corrupted program '%s', offset %d, size %d", sec, sym.name(), offset, size);

        List<Instruction> insns;
        try {
            byte[] code = sectionBytes.computeIfAbsent(section.index(), k -> elf.bytes(section));
            insns = Instructions.decode(code, (int) offset, (int) size, elf.byteOrder());
        } catch (InstructionFormatException e) {
            throw new ObjectFormatException(elf.name(), e, "sec '%s': program '%s': %s", sec, sym.name(), e.getMessage());
        }

        ProgramType type = ProgramType.UNSPEC;
        Optional<AttachType> attach = Optional.empty();
        SectionDef def = null;
        String target = null;
        boolean autoload = !sec.startsWith("?");
        if (!text) {
            Optional<SectionTable.Match> match = SectionTable.match(sec);
            if (match.isPresent()) {
                def = match.get().def();
                type = def.type();
                attach = def.expectedAttachType();
                target = match.get().attachTarget();
                autoload = match.get().autoload();
            }
            try {
                Optional<SectionTable.MapTraceTarget> trace = SectionTable.mapTrace(sec);
                if (trace.isPresent())
                    target = trace.get().mapName();
            } catch (IllegalArgumentException e) {
                throw new ObjectFormatException(elf.name(), e, "program '%s': %s", sym.name(), e.getMessage());
            }
        }
        // libbpf forgets the '?' once it has turned autoload off.
        String reported = sec.startsWith("?") ? sec.substring(1) : sec;
        return new ProgramSpec(sym.name(), reported, type, attach, target, def, autoload, section.index(), offset,
                !sym.isLocal(), insns, List.of(), license, kernelVersion);
    }

    private void assign(Section rel, List<ProgramSpec> programs, long[] sizes, Map<Integer, List<ProgramRelocation>> out) {
        Section target = elf.section(rel.info());
        List<Relocation> records = elf.relocations(rel);
        for (int i = 0; i < records.size(); i++) {
            Relocation r = records.get(i);
            if (r.offset() % INSN_SIZE != 0 || r.offset() < 0 || r.offset() >= target.size())
                throw error("sec '%s': invalid offset 0x%x for relo #%d (section '%s' has 0x%x bytes)",
                        rel.name(), r.offset(), i, target.name(), target.size());
            Symbol sym = elf.symbols().get(r.symbol());
            String name = sym.isSectionSymbol() && sym.name().isEmpty() && sym.isInSection()
                    ? elf.section(sym.sectionIndex()).name() : sym.name();
            int owner = owner(programs, sizes, target.index(), r.offset());
            // libbpf skips relocations outside every program (e.g. of an overridden weak function).
            if (owner < 0)
                continue;
            ProgramSpec p = programs.get(owner);
            int slot = (int) ((r.offset() - p.sectionOffset()) / INSN_SIZE);
            out.computeIfAbsent(owner, k -> new ArrayList<>()).add(new ProgramRelocation(slot, r.symbol(), name, i));
        }
    }

    /** Binary search over programs sorted by (section, offset); -1 when no program covers the offset. */
    private static int owner(List<ProgramSpec> programs, long[] sizes, int sectionIndex, long offset) {
        int lo = 0, hi = programs.size() - 1, best = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            ProgramSpec p = programs.get(mid);
            if (p.sectionIndex() < sectionIndex || p.sectionIndex() == sectionIndex && p.sectionOffset() <= offset) {
                best = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (best < 0)
            return -1;
        ProgramSpec p = programs.get(best);
        boolean inside = p.sectionIndex() == sectionIndex && offset < p.sectionOffset() + sizes[best];
        return inside ? best : -1;
    }

    private ObjectFormatException error(String format, Object... args) {
        return new ObjectFormatException(elf.name(), format, args);
    }
}
