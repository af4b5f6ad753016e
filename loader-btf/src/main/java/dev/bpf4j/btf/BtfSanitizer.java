package dev.bpf4j.btf;

import java.util.ArrayList;
import java.util.List;

/**
 * Rewrites a program's BTF for a kernel that lacks some BTF features, with exactly the
 * replacements libbpf makes in {@code bpf_object__sanitize_btf} (libbpf.c), so that an older
 * kernel accepts the BTF and type ids stay the same (func_info, line_info and map definitions
 * refer to them). The original is left intact: CO-RE and map parsing keep using it.
 *
 * <pre>{@code
 * Btf forKernel = BtfSanitizer.sanitize(spec.btf(), backend.btfFeatures());
 * byte[] blob = forKernel.toBytes();   // for BPF_BTF_LOAD
 * }</pre>
 *
 * <p>Per missing feature, each type is replaced (the first matching rule wins, in this order):
 * <ul>
 * <li>no DATASEC: a VAR becomes {@code INT} of size 1, 8 bits, no encoding (size 1 since a
 *     larger int could exceed the variable); no DECL_TAG: the same for a DECL_TAG;</li>
 * <li>no DATASEC: a DATASEC becomes a STRUCT of its size, named with '.' and '?' turned into '_',
 *     one member per variable, named after the variable, at bit offset 8 * its offset;</li>
 * <li>no '?'-named DATASEC: a leading '?' of a DATASEC name becomes '_';</li>
 * <li>no FUNC: a FUNC_PROTO becomes a 4-byte unsigned ENUM whose values are the parameters
 *     (name, type id); a FUNC becomes a TYPEDEF of its (former) prototype;</li>
 * <li>no global FUNC linkage: every FUNC becomes static;</li>
 * <li>no FLOAT: a FLOAT becomes an anonymous empty STRUCT of the same size;</li>
 * <li>no TYPE_TAG: a TYPE_TAG becomes an anonymous CONST of the same type;</li>
 * <li>no ENUM64: an ENUM loses its kind_flag (so reads unsigned); an ENUM64 becomes a UNION of
 *     its size whose members, named after the values, all have one appended type
 *     {@code INT 'enum64_placeholder'} (size 1, 8 bits) at offset 0.</li>
 * </ul>
 * libbpf renames a DATASEC by writing into the string section in place, so another type that
 * shared that very string would be renamed too; here only the DATASEC is (clang never shares a
 * section name with another type). libbpf also drops the header's layout section for kernels
 * without FEAT_BTF_LAYOUT; a blob this library writes never has one.
 */
public final class BtfSanitizer {

    static final String ENUM64_PLACEHOLDER = "enum64_placeholder";

    private BtfSanitizer() {}

    /**
     * The BTF to hand to a kernel with {@code features}: {@code btf} itself when the kernel
     * supports everything (as libbpf, which then skips sanitizing), else a rewritten copy in the
     * same byte order.
     */
    public static Btf sanitize(Btf btf, BtfFeatures features) {
        if (features.isComplete())
            return btf;
        return Btf.parse(BtfEncoder.encode(sanitizedTypes(btf, features), btf.byteOrder()));
    }

    /** The rewritten types, ids 1.. (possibly one more than {@code btf} has: the ENUM64 placeholder). */
    static List<BtfType> sanitizedTypes(Btf btf, BtfFeatures f) {
        int count = btf.typeCount();
        List<BtfType> out = new ArrayList<>(count);
        int placeholder = 0;
        for (int id = 1; id < count; id++) {
            BtfType t = btf.type(id);
            BtfType replaced = t;
            if ((!f.datasec() && t instanceof BtfType.Var) || (!f.declTag() && t instanceof BtfType.DeclTag)) {
                replaced = new BtfType.Int(id, t.name(), 1, 0, 0, 8);
            } else if (!f.datasec() && t instanceof BtfType.DataSec d) {
                List<BtfType.Member> members = new ArrayList<>(d.vars().size());
                for (BtfType.VarSecInfo v : d.vars())
                    members.add(new BtfType.Member(btf.name(v.type()), v.type(), v.offset() * 8, 0));
                replaced = new BtfType.Struct(id, d.name().replace('.', '_').replace('?', '_'), d.size(), members);
            } else if (!f.qmarkDatasec() && t instanceof BtfType.DataSec d && d.name().startsWith("?")) {
                replaced = new BtfType.DataSec(id, "_" + d.name().substring(1), d.size(), d.vars());
            } else if (!f.func() && t instanceof BtfType.FuncProto p) {
                List<BtfType.EnumValue> values = new ArrayList<>(p.params().size());
                for (BtfType.Param param : p.params())
                    values.add(new BtfType.EnumValue(param.name(), Integer.toUnsignedLong(param.type())));
                replaced = new BtfType.Enum(id, p.name(), 4, false, values);
            } else if (!f.func() && t instanceof BtfType.Func fn) {
                replaced = new BtfType.Typedef(id, fn.name(), fn.type());
            } else if (!f.globalFunc() && t instanceof BtfType.Func fn) {
                replaced = new BtfType.Func(id, fn.name(), fn.type(), BtfType.Func.STATIC);
            } else if (!f.floats() && t instanceof BtfType.Float fl) {
                replaced = new BtfType.Struct(id, "", fl.size(), List.of());
            } else if (!f.typeTag() && t instanceof BtfType.TypeTag tag) {
                replaced = new BtfType.Const(id, "", tag.type());
            } else if (!f.enum64() && t instanceof BtfType.Enum e) {
                // Clearing the kind_flag keeps each value's 32 bits, which now read unsigned.
                List<BtfType.EnumValue> values = new ArrayList<>(e.values().size());
                for (BtfType.EnumValue v : e.values())
                    values.add(new BtfType.EnumValue(v.name(), v.value() & 0xffff_ffffL));
                replaced = new BtfType.Enum(id, e.name(), e.size(), false, values);
            } else if (!f.enum64() && t instanceof BtfType.Enum64 e) {
                // libbpf appends the placeholder when it meets the first ENUM64: its id is the old type count.
                if (placeholder == 0)
                    placeholder = count;
                List<BtfType.Member> members = new ArrayList<>(e.values().size());
                for (BtfType.EnumValue v : e.values())
                    members.add(new BtfType.Member(v.name(), placeholder, 0, 0));
                replaced = new BtfType.Union(id, e.name(), e.size(), members);
            }
            out.add(replaced);
        }
        if (placeholder != 0)
            out.add(new BtfType.Int(placeholder, ENUM64_PLACEHOLDER, 1, 0, 0, 8));
        return out;
    }
}
