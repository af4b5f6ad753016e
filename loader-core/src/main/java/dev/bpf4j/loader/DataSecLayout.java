package dev.bpf4j.loader;

import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.BtfKind;
import dev.bpf4j.btf.BtfType;
import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.ObjectFormatException;
import dev.bpf4j.elf.Section;
import dev.bpf4j.elf.Symbol;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The variables of each BTF DATASEC as libbpf sees them after {@code btf_fixup_datasec}: clang
 * leaves DATASEC sizes and VAR offsets at zero, so a zero-sized DATASEC takes its size from the
 * ELF section and each non-static VAR its offset from its ELF symbol; a global with hidden
 * visibility counts as static; variables are sorted by offset. {@code .kconfig} and
 * {@code .ksyms} are left alone (the loader lays them out).
 */
final class DataSecLayout {
    static final int BTF_VAR_STATIC = 0;
    static final int BTF_VAR_GLOBAL_EXTERN = 2;

    /** One variable of a DATASEC, fixed up. */
    record Var(BtfType.Var var, long offset, long size, boolean isStatic) {
        String name() {
            return var.name();
        }
    }

    private final Map<String, List<Var>> sections;
    private final Map<String, BtfType.DataSec> datasecs;

    private DataSecLayout(Map<String, List<Var>> sections, Map<String, BtfType.DataSec> datasecs) {
        this.sections = sections;
        this.datasecs = datasecs;
    }

    static DataSecLayout empty() {
        return new DataSecLayout(Map.of(), Map.of());
    }

    /** The DATASEC of that name as clang wrote it (sizes and offsets not fixed up), or empty. */
    Optional<BtfType.DataSec> datasec(String section) {
        return Optional.ofNullable(datasecs.get(section));
    }

    /** The DATASEC's variables in offset order, or empty when BTF has no such DATASEC. */
    Optional<List<Var>> vars(String section) {
        return Optional.ofNullable(sections.get(section));
    }

    static DataSecLayout of(ElfFile elf, Btf btf) {
        Map<String, Symbol> globals = new HashMap<>();
        for (Symbol s : elf.symbols())
            if ((s.isGlobal() || s.isWeak()) && s.type() == Symbol.STT_OBJECT)
                globals.putIfAbsent(s.name(), s);
        Map<String, List<Var>> out = new HashMap<>();
        Map<String, BtfType.DataSec> datasecs = new HashMap<>();
        // kind() reads one word; only DATASECs are worth materialising.
        for (int id = 1; id < btf.typeCount(); id++) {
            if (btf.kind(id) != BtfKind.DATASEC)
                continue;
            BtfType.DataSec sec = (BtfType.DataSec) btf.type(id);
            boolean externs = sec.name().equals(".kconfig") || sec.name().equals(".ksyms");
            boolean fixup = !externs && sec.size() == 0;
            if (fixup) {
                long size = elf.section(sec.name()).map(Section::size).orElse(0L);
                if (size == 0)
                    throw new ObjectFormatException(elf.name(), "sec '%s': failed to determine size from ELF for DATASEC [%d]",
                            sec.name(), sec.id());
            }
            List<Var> vars = new ArrayList<>(sec.vars().size());
            for (BtfType.VarSecInfo vi : sec.vars()) {
                BtfType vt = btf.type(vi.type());
                if (!(vt instanceof BtfType.Var var)) {
                    if (externs)
                        continue; // .ksyms also lists kfuncs (FUNC)
                    throw new ObjectFormatException(elf.name(), "sec '%s': unexpected non-VAR type [%d] %s in DATASEC",
                            sec.name(), vt.id(), vt.kind());
                }
                long offset = vi.offset();
                boolean isStatic = var.linkage() == BTF_VAR_STATIC;
                if (!externs && !isStatic && var.linkage() != BTF_VAR_GLOBAL_EXTERN) {
                    Symbol sym = globals.get(var.name());
                    if (sym == null)
                        throw new ObjectFormatException(elf.name(), "sec '%s': failed to find ELF symbol for VAR '%s'",
                                sec.name(), var.name());
                    if (fixup)
                        offset = sym.value();
                    isStatic = sym.visibility() == Symbol.STV_HIDDEN || sym.visibility() == 1 /* STV_INTERNAL */;
                }
                vars.add(new Var(var, offset, vi.size(), isStatic));
            }
            vars.sort(Comparator.comparingLong(Var::offset));
            out.putIfAbsent(sec.name(), List.copyOf(vars));
            datasecs.putIfAbsent(sec.name(), sec);
        }
        return new DataSecLayout(out, datasecs);
    }
}
