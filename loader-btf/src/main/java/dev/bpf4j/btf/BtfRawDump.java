package dev.bpf4j.btf;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The raw listing of a BTF blob, line for line what {@code bpftool btf dump file X} prints
 * (bpftool 7.1): one line per type, {@code [id] KIND 'name'} and the kind's fields, then one
 * tab-indented line per member, enumerator, parameter or section variable.
 *
 * <pre>{@code
 * Btf btf = Btf.parse(Files.readAllBytes(Path.of("/sys/kernel/btf/vmlinux")));
 * BtfRawDump.write(btf, System.out);          // or: String text = BtfRawDump.toString(btf);
 * // [1] INT 'long unsigned int' size=8 bits_offset=0 nr_bits=64 encoding=(none)
 * // [2] CONST '(anon)' type_id=1
 * }</pre>
 */
public final class BtfRawDump {

    private BtfRawDump() {
    }

    /** The whole listing as one string. */
    public static String toString(Btf btf) {
        var out = new StringBuilder();
        write(btf, out);
        return out.toString();
    }

    /**
     * Appends the listing to {@code out}, type by type, so a large BTF need not be held as text.
     *
     * @throws UncheckedIOException if {@code out} fails
     */
    public static void write(Btf btf, Appendable out) {
        var line = new StringBuilder(256);
        try {
            for (int id = 1; id < btf.typeCount(); id++) {
                line.setLength(0);
                type(btf, btf.type(id), line);
                out.append(line);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void type(Btf btf, BtfType t, StringBuilder out) {
        out.append('[').append(t.id()).append("] ").append(t.kind().name()).append(" '").append(name(t.name())).append('\'');
        switch (t.kind()) {
            case VOID -> throw new IllegalArgumentException("void is not listed");
            case INT -> {
                var i = (BtfType.Int) t;
                out.append(" size=").append(u(i.size())).append(" bits_offset=").append(i.bitOffset())
                        .append(" nr_bits=").append(i.bits()).append(" encoding=").append(intEncoding(i.encoding()));
            }
            case PTR -> typeId(out, ((BtfType.Pointer) t).type());
            case CONST -> typeId(out, ((BtfType.Const) t).type());
            case VOLATILE -> typeId(out, ((BtfType.Volatile) t).type());
            case RESTRICT -> typeId(out, ((BtfType.Restrict) t).type());
            case TYPEDEF -> typeId(out, ((BtfType.Typedef) t).type());
            case TYPE_TAG -> typeId(out, ((BtfType.TypeTag) t).type());
            case ARRAY -> {
                var a = (BtfType.Array) t;
                out.append(" type_id=").append(u(a.elementType())).append(" index_type_id=")
                        .append(u(a.indexType())).append(" nr_elems=").append(u(a.count()));
            }
            case STRUCT, UNION -> {
                var c = (BtfType.Composite) t;
                out.append(" size=").append(u(c.size())).append(" vlen=").append(c.members().size());
                for (BtfType.Member m : c.members()) {
                    out.append("\n\t'").append(name(m.name())).append("' type_id=").append(u(m.type()))
                            .append(" bits_offset=").append(u(m.bitOffset()));
                    if (m.bitfieldSize() != 0)
                        out.append(" bitfield_size=").append(u(m.bitfieldSize()));
                }
            }
            case ENUM -> {
                var e = (BtfType.Enum) t;
                out.append(" encoding=").append(e.signed() ? "SIGNED" : "UNSIGNED").append(" size=").append(u(e.size()))
                        .append(" vlen=").append(e.values().size());
                for (BtfType.EnumValue v : e.values())
                    out.append("\n\t'").append(name(v.name())).append("' val=")
                            .append(e.signed() ? Integer.toString((int) v.value()) : u((int) v.value()));
            }
            case ENUM64 -> {
                var e = (BtfType.Enum64) t;
                out.append(" encoding=").append(e.signed() ? "SIGNED" : "UNSIGNED").append(" size=").append(u(e.size()))
                        .append(" vlen=").append(e.values().size());
                for (BtfType.EnumValue v : e.values())
                    out.append("\n\t'").append(name(v.name())).append("' val=")
                            .append(e.signed() ? v.value() + "LL" : Long.toUnsignedString(v.value()) + "ULL");
            }
            case FWD -> out.append(" fwd_kind=").append(((BtfType.Forward) t).union() ? "union" : "struct");
            case FUNC -> {
                var f = (BtfType.Func) t;
                out.append(" type_id=").append(u(f.type())).append(" linkage=").append(linkage(f.linkage()));
            }
            case FUNC_PROTO -> {
                var p = (BtfType.FuncProto) t;
                out.append(" ret_type_id=").append(u(p.returnType())).append(" vlen=").append(p.params().size());
                for (BtfType.Param param : p.params())
                    out.append("\n\t'").append(name(param.name())).append("' type_id=").append(u(param.type()));
            }
            case VAR -> {
                var v = (BtfType.Var) t;
                // sic: bpftool puts a comma here and nowhere else
                out.append(" type_id=").append(u(v.type())).append(", linkage=").append(linkage(v.linkage()));
            }
            case DATASEC -> {
                var d = (BtfType.DataSec) t;
                out.append(" size=").append(u(d.size())).append(" vlen=").append(d.vars().size());
                for (BtfType.VarSecInfo v : d.vars()) {
                    out.append("\n\ttype_id=").append(u(v.type())).append(" offset=").append(u(v.offset()))
                            .append(" size=").append(u(v.size()));
                    // bpftool names the variable by kind and name; id 0 has kind 0, which it calls UNKNOWN
                    String kind = v.type() == 0 ? "UNKNOWN" : btf.kind(v.type()).name();
                    out.append(" (").append(kind).append(" '").append(name(btf.name(v.type()))).append("')");
                }
            }
            case FLOAT -> out.append(" size=").append(u(((BtfType.Float) t).size()));
            case DECL_TAG -> {
                var d = (BtfType.DeclTag) t;
                out.append(" type_id=").append(u(d.type())).append(" component_idx=").append(d.componentIndex());
            }
        }
        out.append('\n');
    }

    private static void typeId(StringBuilder out, int id) {
        out.append(" type_id=").append(u(id));
    }

    /** bpftool's spelling of an INT's encoding: one flag, or UNKN for a combination. */
    static String intEncoding(int encoding) {
        return switch (encoding) {
            case 0 -> "(none)";
            case BtfType.Int.SIGNED -> "SIGNED";
            case BtfType.Int.CHAR -> "CHAR";
            case BtfType.Int.BOOL -> "BOOL";
            default -> "UNKN";
        };
    }

    /** Function and variable linkage as bpftool spells it (the numbers coincide for FUNC and VAR). */
    static String linkage(int linkage) {
        return switch (linkage) {
            case 0 -> "static";
            case 1 -> "global";
            case 2 -> "extern";
            default -> "(unknown)";
        };
    }

    /** bpftool prints an empty name as {@code (anon)}. */
    static String name(String name) {
        return name.isEmpty() ? "(anon)" : name;
    }

    private static String u(int v) {
        return Integer.toUnsignedString(v);
    }
}
