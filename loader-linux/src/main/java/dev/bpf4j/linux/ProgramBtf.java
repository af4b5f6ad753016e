package dev.bpf4j.linux;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.BtfType;
import dev.bpf4j.btf.BtfEncoder;
import dev.bpf4j.btf.BtfFeatures;
import dev.bpf4j.btf.BtfSanitizer;
import dev.bpf4j.btf.DataSecFixup;
import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.Symbol;
import dev.bpf4j.loader.ExternSpec;
import dev.bpf4j.loader.ObjectSpec;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * An object's BTF as the kernel is given it, prepared as libbpf prepares it: DATASEC sizes and
 * variable offsets filled in from the ELF file ({@link DataSecFixup}), kinds the kernel lacks
 * replaced ({@link BtfSanitizer}), written in the host's byte order.
 *
 * <p>A fix-up writes the types anew and lays the string section out anew, so the string
 * offsets that line_info records carry from the object's {@code .BTF} need not hold:
 * {@link #string} gives each file name and source line its offset in this blob, appending
 * those that are not there yet.
 */
final class ProgramBtf {
    private static final int HEADER_LEN = 24;

    private final ByteBuffer header;
    private final byte[] types;
    private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
    private final Map<String, Integer> offsets = new HashMap<>();

    private ProgramBtf(byte[] blob) {
        ByteBuffer b = ByteBuffer.wrap(blob).order(ByteOrder.nativeOrder());
        int hdrLen = b.getInt(4);
        int typeOff = b.getInt(8), typeLen = b.getInt(12), strOff = b.getInt(16), strLen = b.getInt(20);
        this.header = ByteBuffer.allocate(HEADER_LEN).order(ByteOrder.nativeOrder()).put(blob, 0, HEADER_LEN);
        this.types = java.util.Arrays.copyOfRange(blob, hdrLen + typeOff, hdrLen + typeOff + typeLen);
        int start = hdrLen + strOff;
        strings.write(blob, start, strLen);
        for (int i = start; i < start + strLen; ) {
            int end = i;
            while (end < start + strLen && blob[end] != 0)
                end++;
            offsets.putIfAbsent(new String(blob, i, end - i, StandardCharsets.UTF_8), i - start);
            i = end + 1;
        }
    }

    /** The BTF of {@code spec} prepared for a kernel with {@code features}, or empty when the object has none. */
    static Optional<ProgramBtf> of(ObjectSpec spec, BtfFeatures features) {
        Btf btf = spec.btf();
        if (btf == null)
            return Optional.empty();
        Btf fixed = kconfig(spec.elf() == null ? btf : DataSecFixup.fixup(btf, facts(spec.elf())), spec);
        Btf forKernel = BtfSanitizer.sanitize(fixed, features);
        // the blob as it stands when it is in the host's order already (backends refuse other objects): no re-encoding
        byte[] blob = forKernel.byteOrder() == ByteOrder.nativeOrder() ? forKernel.toBytes()
                : BtfEncoder.encode(forKernel, ByteOrder.nativeOrder());
        return Optional.of(new ProgramBtf(blob));
    }

    /**
     * The {@code .kconfig} DATASEC as libbpf rewrites it when it collects externs
     * ({@code bpf_object__collect_externs}): the kernel refuses extern VARs, so each becomes a
     * global allocated variable at the offset its value has in the {@code .kconfig} map, and the
     * section takes the map's size.
     */
    static Btf kconfig(Btf btf, ObjectSpec spec) {
        Optional<BtfType.DataSec> sec = btf.datasec(".kconfig");
        if (sec.isEmpty())
            return btf;
        Map<String, ExternSpec> externs = new HashMap<>();
        for (ExternSpec e : spec.externs())
            if (e.kind() == ExternSpec.Kind.KCONFIG)
                externs.put(e.name(), e);
        List<BtfType> types = new ArrayList<>(btf.types());
        List<BtfType.VarSecInfo> vars = new ArrayList<>();
        int size = 0;
        for (BtfType.VarSecInfo vi : sec.get().vars()) {
            if (!(types.get(vi.type()) instanceof BtfType.Var v)) {
                vars.add(vi);
                continue;
            }
            ExternSpec e = externs.get(v.name());
            if (e == null)
                throw new BackendException(-BackendException.EINVAL, "object '" + spec.name() + "': BTF variable '" + v.name()
                        + "' (type [" + v.id() + "]) of .kconfig is not a kconfig extern of the object");
            types.set(v.id(), new BtfType.Var(v.id(), v.name(), v.type(), BtfType.Var.GLOBAL_ALLOCATED));
            vars.add(new BtfType.VarSecInfo(vi.type(), e.offset(), vi.size()));
            size = Math.max(size, e.offset() + e.size());
        }
        vars.sort((a, b) -> Integer.compare(a.offset(), b.offset()));
        BtfType.DataSec d = sec.get();
        types.set(d.id(), new BtfType.DataSec(d.id(), d.name(), size, vars));
        return Btf.parse(BtfEncoder.encode(types, btf.byteOrder()));
    }

    /** The offset of {@code s} in the string section, appended when absent. */
    int string(String s) {
        Integer off = offsets.get(s);
        if (off != null)
            return off;
        int at = strings.size();
        strings.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        strings.write(0);
        offsets.put(s, at);
        return at;
    }

    /** The blob for BPF_BTF_LOAD: header, types, then the strings with any appended ones. */
    byte[] blob() {
        byte[] str = strings.toByteArray();
        ByteBuffer out = ByteBuffer.allocate(HEADER_LEN + types.length + str.length).order(ByteOrder.nativeOrder());
        ByteBuffer h = header.duplicate().order(ByteOrder.nativeOrder());
        h.putInt(4, HEADER_LEN).putInt(8, 0).putInt(12, types.length).putInt(16, types.length).putInt(20, str.length);
        out.put(h.array()).put(types).put(str);
        return out.array();
    }

    /** What DataSecFixup asks of the ELF file, answered as libbpf answers it (find_elf_var_sym). */
    private static DataSecFixup.ElfFacts facts(ElfFile elf) {
        return new DataSecFixup.ElfFacts() {
            @Override
            public OptionalLong sectionSize(String name) {
                return elf.section(name).map(s -> OptionalLong.of(s.size())).orElse(OptionalLong.empty());
            }

            @Override
            public Optional<DataSecFixup.Symbol> globalObject(String name) {
                for (Symbol s : elf.symbols())
                    if (s.name().equals(name) && s.type() == Symbol.STT_OBJECT
                            && (s.binding() == Symbol.STB_GLOBAL || s.binding() == Symbol.STB_WEAK))
                        // STV_INTERNAL (1) and STV_HIDDEN (2): invisible outside the object, so static to the kernel
                        return Optional.of(new DataSecFixup.Symbol(s.value(), s.visibility() == 1 || s.visibility() == Symbol.STV_HIDDEN));
                return Optional.empty();
            }
        };
    }
}
