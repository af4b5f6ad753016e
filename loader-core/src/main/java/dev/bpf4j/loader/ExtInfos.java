package dev.bpf4j.loader;

import dev.bpf4j.btf.BtfExt;
import dev.bpf4j.btf.CoreRelocation;
import dev.bpf4j.btf.FuncInfo;
import dev.bpf4j.btf.LineInfo;
import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.ObjectFormatException;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Hands each function its share of the {@code .BTF.ext} records of its ELF section, as libbpf's
 * {@code adjust_prog_btf_ext_info} picks them: in the first block named after the section, the
 * run of records from the first one inside the function's slots to the last one before the
 * first record past its end; slots then count from the function's first instruction.
 */
final class ExtInfos {
    private ExtInfos() {
    }

    static List<ProgramSpec> assign(ElfFile elf, BtfExt ext, List<ProgramSpec> functions) {
        if (ext == null)
            return functions;
        List<ProgramSpec> out = new ArrayList<>(functions.size());
        for (ProgramSpec p : functions) {
            // The raw ELF name: .BTF.ext names "?tc", where the spec reports "tc".
            String section = elf.section(p.sectionIndex()).name();
            int start = (int) (p.sectionOffset() / 8);
            int end = start + p.slotCount();
            String what = "prog '" + p.name() + "' in section '" + section + "'";
            List<FuncInfo> funcs = select(elf, ext.funcInfo(section), FuncInfo::slot, start, end, "func_info", what)
                    .stream().map(f -> f.atSlot(f.slot() - start)).toList();
            List<LineInfo> lines = select(elf, ext.lineInfo(section), LineInfo::slot, start, end, "line_info", what)
                    .stream().map(l -> l.atSlot(l.slot() - start)).toList();
            List<CoreRelocation> core = select(elf, ext.coreRelocations(section), CoreRelocation::slot, start, end, "core_relo", what)
                    .stream().map(r -> r.atSlot(r.slot() - start)).toList();
            out.add(funcs.isEmpty() && lines.isEmpty() && core.isEmpty() ? p : p.withExtInfo(funcs, lines, core));
        }
        return out;
    }

    private static <T> List<T> select(ElfFile elf, List<T> records, ToIntFunction<T> slot, int start, int end,
                                      String kind, String what) {
        int first = -1, last = -1;
        for (int i = 0; i < records.size(); i++) {
            // Slots are unsigned in the file: compare them so, as libbpf's __u32 arithmetic does.
            long s = Integer.toUnsignedLong(slot.applyAsInt(records.get(i)));
            if (s < start)
                continue;
            if (s >= end)
                break;
            if (first < 0)
                first = i;
            last = i;
        }
        if (first < 0)
            return List.of();
        List<T> run = records.subList(first, last + 1);
        // libbpf copies the run as bytes; a record before the function inside it would get a
        // negative slot. clang sorts records by offset, so only a damaged file gets here.
        for (int i = 0; i < run.size(); i++)
            if (Integer.toUnsignedLong(slot.applyAsInt(run.get(i))) < start)
                throw new ObjectFormatException(elf.name(), "section '.BTF.ext': %s: %s record #%d (insn %d) lies before the function (insn %d) "
                        + "inside its run of records: records are not sorted by insn_off", what, kind, first + i,
                        Integer.toUnsignedLong(slot.applyAsInt(run.get(i))), start);
        return run;
    }
}
