package dev.bpf4j.btf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Fills in what clang leaves out of a BPF object's BTF, from the object's ELF file, as libbpf's
 * {@code bpf_object_fixup_btf} / {@code btf_fixup_datasec} (libbpf.c) do when an object is
 * opened: a DATASEC of size 0 gets its ELF section's size and its variables' offsets from their
 * symbols; a global variable whose symbol is hidden (STV_HIDDEN or STV_INTERNAL) becomes static;
 * and each DATASEC's variables are sorted by offset. {@code .kconfig} and {@code .ksyms} are only
 * sorted: their layout comes from the externs, not from ELF symbols.
 *
 * <pre>{@code
 * Btf fixed = DataSecFixup.fixup(btf, new DataSecFixup.ElfFacts() {
 *     public OptionalLong sectionSize(String name) { ... elf section by name ... }
 *     public Optional<DataSecFixup.Symbol> globalObject(String name) { ... }
 * });
 * }</pre>
 *
 * <p>Loader-btf knows no ELF; loader-core answers {@link ElfFacts} from its ElfFile.
 */
public final class DataSecFixup {

    /** What the fix-up asks of the ELF file. */
    public interface ElfFacts {
        /** The size of the ELF section called {@code name}, or empty if there is none. */
        OptionalLong sectionSize(String name);

        /**
         * The first symbol called {@code name} of type STT_OBJECT and binding STB_GLOBAL or
         * STB_WEAK (as libbpf's find_elf_var_sym), or empty.
         */
        Optional<Symbol> globalObject(String name);
    }

    /** A variable's symbol: its value ({@code st_value}) and whether its visibility is hidden or internal. */
    public record Symbol(long value, boolean hidden) {}

    private DataSecFixup() {}

    /**
     * The fixed-up BTF, in the same byte order; {@code btf} itself when nothing changes.
     *
     * @throws BtfFormatException naming the section and variable when libbpf would refuse the
     *         object: no ELF section (or an empty one) for a DATASEC of size 0, a DATASEC entry
     *         that is not a VAR, a global variable without an ELF symbol
     */
    public static Btf fixup(Btf btf, ElfFacts elf) {
        BtfType[] types = btf.types().toArray(new BtfType[0]);
        boolean changed = false;
        for (int id = 1; id < types.length; id++)
            if (types[id] instanceof BtfType.DataSec d)
                changed |= fixDataSec(types, d, elf);
        if (!changed)
            return btf;
        return Btf.parse(BtfEncoder.encode(Arrays.asList(types), btf.byteOrder()));
    }

    private static boolean fixDataSec(BtfType[] types, BtfType.DataSec d, ElfFacts elf) {
        String sec = d.name();
        List<BtfType.VarSecInfo> vars = new ArrayList<>(d.vars());
        int size = d.size();
        boolean changed = false;
        if (!sec.equals(".kconfig") && !sec.equals(".ksyms")) {
            boolean fixOffsets = false;
            if (size == 0) {
                long elfSize = elf.sectionSize(sec).orElse(0);
                if (elfSize == 0)
                    throw new BtfFormatException("%s: failed to determine the section size from ELF (no section '%s', or it is empty)",
                            describe(d), sec);
                size = (int) elfSize;
                fixOffsets = true;
                changed = true;
            }
            for (int i = 0; i < vars.size(); i++) {
                BtfType.VarSecInfo v = vars.get(i);
                if (!(types[v.type()] instanceof BtfType.Var var))
                    throw new BtfFormatException("%s: variable #%d is type [%d] %s, not a VAR",
                            describe(d), i, v.type(), types[v.type()].kind());
                if (var.linkage() == BtfType.Var.STATIC || var.linkage() == BtfType.Var.GLOBAL_EXTERN)
                    continue;
                Symbol sym = elf.globalObject(var.name()).orElseThrow(() -> new BtfFormatException(
                        "%s: no global ELF symbol for variable '%s' (type [%d])", describe(d), var.name(), var.id()));
                if (fixOffsets)
                    vars.set(i, new BtfType.VarSecInfo(v.type(), (int) sym.value(), v.size()));
                if (sym.hidden()) {
                    types[var.id()] = new BtfType.Var(var.id(), var.name(), var.type(), BtfType.Var.STATIC);
                    changed = true;
                }
            }
        }
        // libbpf's comparator is the difference of the u32 offsets, read as an int; List.sort is stable.
        List<BtfType.VarSecInfo> sorted = new ArrayList<>(vars);
        sorted.sort((a, b) -> Integer.signum(a.offset() - b.offset()));
        changed |= !sorted.equals(d.vars());
        types[d.id()] = new BtfType.DataSec(d.id(), d.name(), size, sorted);
        return changed;
    }

    private static String describe(BtfType.DataSec d) {
        return "type [" + d.id() + "] DATASEC '" + d.name() + "'";
    }
}
