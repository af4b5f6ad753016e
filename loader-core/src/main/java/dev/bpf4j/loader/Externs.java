package dev.bpf4j.loader;

import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.BtfFormatException;
import dev.bpf4j.btf.BtfKind;
import dev.bpf4j.btf.BtfType;
import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.ObjectFormatException;
import dev.bpf4j.elf.Symbol;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Collects extern symbols as libbpf's {@code bpf_object__collect_externs} does: undefined,
 * global or weak, NOTYPE symbols, typed by the BTF VAR or FUNC of the same name in the
 * {@code .kconfig} or {@code .ksyms} DATASEC. Kconfig externs are laid out in the
 * {@code .kconfig} map sorted by alignment (descending), size (ascending), then name.
 */
final class Externs {
    private Externs() {
    }

    static List<ExternSpec> collect(ElfFile elf, Btf btf) {
        List<Symbol> symbols = elf.symbols().stream()
                .filter(s -> s.index() > 0 && s.isUndefined() && (s.isGlobal() || s.isWeak())
                        && s.type() == Symbol.STT_NOTYPE && !s.name().isEmpty())
                .toList();
        if (symbols.isEmpty())
            return List.of();
        if (btf == null)
            throw new ObjectFormatException(elf.name(), "extern '%s': BTF is required, but is missing", symbols.get(0).name());

        record Kconfig(Symbol sym, BtfType type, int size, int align) {
        }
        List<Kconfig> kconfig = new ArrayList<>();
        List<ExternSpec> ksyms = new ArrayList<>();
        Map<String, Found> declared = declaredExterns(btf);
        for (Symbol sym : symbols) {
            Found f = Optional.ofNullable(declared.get(sym.name()))
                    .orElseThrow(() -> new ObjectFormatException(elf.name(), "failed to find BTF for extern '%s'", sym.name()));
            if (f.section.equals(".kconfig")) {
                if (!(f.type instanceof BtfType.Var var))
                    throw new ObjectFormatException(elf.name(), "extern (kcfg) '%s': BTF type [%d] is not a VAR", sym.name(), f.type.id());
                if (!isSupportedKconfigType(btf, var.type()))
                    throw new ObjectFormatException(elf.name(), "extern (kcfg) '%s': type is unsupported", sym.name());
                long size = sizeOf(elf, btf, var.type(), sym.name());
                kconfig.add(new Kconfig(sym, btf.type(var.type()), (int) size, alignOf(btf, var.type())));
            } else if (f.section.equals(".ksyms")) {
                int typeId = f.type instanceof BtfType.Var v ? v.type() : f.type.id();
                ksyms.add(new ExternSpec(sym.name(), ExternSpec.Kind.KSYM, sym.isWeak(), btf.type(typeId), -1, 0));
            } else {
                throw new ObjectFormatException(elf.name(), "extern '%s': unrecognized extern section '%s'", sym.name(), f.section);
            }
        }
        kconfig.sort(Comparator.comparingInt((Kconfig k) -> -k.align).thenComparingInt(Kconfig::size)
                .thenComparing(k -> k.sym.name()));
        ksyms.sort(Comparator.comparing(ExternSpec::name));
        List<ExternSpec> out = new ArrayList<>();
        int offset = 0;
        for (Kconfig k : kconfig) {
            offset = (offset + k.align - 1) / k.align * k.align;
            out.add(new ExternSpec(k.sym.name(), ExternSpec.Kind.KCONFIG, k.sym.isWeak(), k.type, offset, k.size));
            offset += k.size;
        }
        out.addAll(ksyms);
        return List.copyOf(out);
    }

    /** Byte size of the .kconfig map: the end of the last value. */
    static int kconfigSize(List<ExternSpec> externs) {
        return externs.stream().filter(e -> e.kind() == ExternSpec.Kind.KCONFIG)
                .mapToInt(e -> e.offset() + e.size()).max().orElse(0);
    }

    private record Found(String section, BtfType type) {
    }

    /** Every VAR and FUNC of every DATASEC by name, the first one winning, as libbpf's search does. */
    private static Map<String, Found> declaredExterns(Btf btf) {
        Map<String, Found> out = new HashMap<>();
        for (int id = 1; id < btf.typeCount(); id++) {
            if (btf.kind(id) != BtfKind.DATASEC)
                continue;
            BtfType.DataSec sec = (BtfType.DataSec) btf.type(id);
            for (BtfType.VarSecInfo vi : sec.vars()) {
                BtfType v = btf.type(vi.type());
                if (v instanceof BtfType.Var || v instanceof BtfType.Func)
                    out.putIfAbsent(v.name(), new Found(sec.name(), v));
            }
        }
        return out;
    }

    // libbpf's find_kcfg_type: bool (1 byte), char, power-of-two ints up to 8 bytes, the
    // libbpf_tristate enum, or a char array.
    private static boolean isSupportedKconfigType(Btf btf, int typeId) {
        BtfType t = btf.resolve(typeId);
        if (t instanceof BtfType.Int i)
            return i.isBool() ? i.size() == 1 : i.size() >= 1 && i.size() <= 8 && Integer.bitCount(i.size()) == 1;
        if (t instanceof BtfType.Enum e)
            return e.size() == 4 && e.name().equals("libbpf_tristate");
        if (t instanceof BtfType.Enum64 e)
            return e.name().equals("libbpf_tristate");
        if (t instanceof BtfType.Array a)
            return a.count() > 0 && btf.resolve(a.elementType()) instanceof BtfType.Int c && c.size() == 1 && !c.isBool();
        return false;
    }

    private static long sizeOf(ElfFile elf, Btf btf, int typeId, String name) {
        try {
            long size = btf.sizeOf(typeId);
            if (size <= 0 || size > Integer.MAX_VALUE)
                throw new ObjectFormatException(elf.name(), "failed to resolve size of extern (kcfg) '%s': %d", name, size);
            return size;
        } catch (BtfFormatException e) {
            throw new ObjectFormatException(elf.name(), e, "failed to resolve size of extern (kcfg) '%s': %s", name, e.getMessage());
        }
    }

    // libbpf's btf__align_of for the types kconfig allows: scalars align to their size (at most 8),
    // arrays to their element.
    private static int alignOf(Btf btf, int typeId) {
        BtfType t = btf.resolve(typeId);
        if (t instanceof BtfType.Array a)
            return alignOf(btf, a.elementType());
        if (t instanceof BtfType.Int i)
            return Math.min(8, i.size());
        if (t instanceof BtfType.Enum e)
            return Math.min(8, e.size());
        if (t instanceof BtfType.Enum64 e)
            return Math.min(8, e.size());
        return 1;
    }
}
