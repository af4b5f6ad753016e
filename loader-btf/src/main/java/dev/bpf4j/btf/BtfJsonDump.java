package dev.bpf4j.btf;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The JSON listing of a BTF blob, byte for byte what {@code bpftool -j btf dump file X} prints
 * (bpftool 7.1): {@code {"types":[...]}} with one object per type, fields in bpftool's order,
 * unsigned numbers as unsigned and names {@code "(anon)"} when empty.
 *
 * <pre>{@code
 * String json = BtfJsonDump.toString(Btf.parse(bytes));
 * // {"types":[{"id":1,"kind":"INT","name":"int","size":4,"bits_offset":0,"nr_bits":32,"encoding":"SIGNED"},...]}
 * }</pre>
 */
public final class BtfJsonDump {

    private BtfJsonDump() {
    }

    public static String toString(Btf btf) {
        var out = new StringBuilder();
        write(btf, out);
        return out.toString();
    }

    /**
     * Appends the listing and a final newline to {@code out}, one type at a time.
     *
     * @throws UncheckedIOException if {@code out} fails
     */
    public static void write(Btf btf, Appendable out) {
        try {
            out.append("{\"types\":[");
            for (int id = 1; id < btf.typeCount(); id++) {
                if (id > 1)
                    out.append(',');
                // A fresh writer per type keeps memory flat; in compact mode the writer's state
                // at the start of each element is the same as inside one long array.
                var w = new BpftoolJson(false);
                type(btf, btf.type(id), w);
                out.append(w.toString());
            }
            out.append("]}\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void type(Btf btf, BtfType t, BpftoolJson w) {
        w.startObject();
        uint(w, "id", t.id());
        string(w, "kind", t.kind().name());
        string(w, "name", BtfRawDump.name(t.name()));
        switch (t.kind()) {
            case VOID -> throw new IllegalArgumentException("void is not listed");
            case INT -> {
                var i = (BtfType.Int) t;
                uint(w, "size", i.size());
                uint(w, "bits_offset", i.bitOffset());
                uint(w, "nr_bits", i.bits());
                string(w, "encoding", BtfRawDump.intEncoding(i.encoding()));
            }
            case PTR -> uint(w, "type_id", ((BtfType.Pointer) t).type());
            case CONST -> uint(w, "type_id", ((BtfType.Const) t).type());
            case VOLATILE -> uint(w, "type_id", ((BtfType.Volatile) t).type());
            case RESTRICT -> uint(w, "type_id", ((BtfType.Restrict) t).type());
            case TYPEDEF -> uint(w, "type_id", ((BtfType.Typedef) t).type());
            case TYPE_TAG -> uint(w, "type_id", ((BtfType.TypeTag) t).type());
            case ARRAY -> {
                var a = (BtfType.Array) t;
                uint(w, "type_id", a.elementType());
                uint(w, "index_type_id", a.indexType());
                uint(w, "nr_elems", a.count());
            }
            case STRUCT, UNION -> {
                var c = (BtfType.Composite) t;
                uint(w, "size", c.size());
                uint(w, "vlen", c.members().size());
                w.name("members");
                w.startArray();
                for (BtfType.Member m : c.members()) {
                    w.startObject();
                    string(w, "name", BtfRawDump.name(m.name()));
                    uint(w, "type_id", m.type());
                    uint(w, "bits_offset", m.bitOffset());
                    if (m.bitfieldSize() != 0)
                        uint(w, "bitfield_size", m.bitfieldSize());
                    w.endObject();
                }
                w.endArray();
            }
            case ENUM -> {
                var e = (BtfType.Enum) t;
                enumHead(w, e.signed(), e.size(), e.values().size());
                for (BtfType.EnumValue v : e.values()) {
                    w.startObject();
                    string(w, "name", BtfRawDump.name(v.name()));
                    // bpftool passes the s32 value to a 64-bit printer: signed or not, it is
                    // sign-extended first, so an unsigned 0xffffffff prints as 2^64-1.
                    long extended = (int) v.value();
                    w.name("val");
                    w.raw(e.signed() ? Long.toString(extended) : Long.toUnsignedString(extended));
                    w.endObject();
                }
                w.endArray();
            }
            case ENUM64 -> {
                var e = (BtfType.Enum64) t;
                enumHead(w, e.signed(), e.size(), e.values().size());
                for (BtfType.EnumValue v : e.values()) {
                    w.startObject();
                    string(w, "name", BtfRawDump.name(v.name()));
                    w.name("val");
                    w.raw(e.signed() ? Long.toString(v.value()) : Long.toUnsignedString(v.value()));
                    w.endObject();
                }
                w.endArray();
            }
            case FWD -> string(w, "fwd_kind", ((BtfType.Forward) t).union() ? "union" : "struct");
            case FUNC -> {
                var f = (BtfType.Func) t;
                uint(w, "type_id", f.type());
                string(w, "linkage", BtfRawDump.linkage(f.linkage()));
            }
            case FUNC_PROTO -> {
                var p = (BtfType.FuncProto) t;
                uint(w, "ret_type_id", p.returnType());
                uint(w, "vlen", p.params().size());
                w.name("params");
                w.startArray();
                for (BtfType.Param param : p.params()) {
                    w.startObject();
                    string(w, "name", BtfRawDump.name(param.name()));
                    uint(w, "type_id", param.type());
                    w.endObject();
                }
                w.endArray();
            }
            case VAR -> {
                var v = (BtfType.Var) t;
                uint(w, "type_id", v.type());
                string(w, "linkage", BtfRawDump.linkage(v.linkage()));
            }
            case DATASEC -> {
                var d = (BtfType.DataSec) t;
                uint(w, "size", d.size());
                uint(w, "vlen", d.vars().size());
                w.name("vars");
                w.startArray();
                for (BtfType.VarSecInfo v : d.vars()) {
                    w.startObject();
                    uint(w, "type_id", v.type());
                    uint(w, "offset", v.offset());
                    uint(w, "size", v.size());
                    w.endObject();
                }
                w.endArray();
            }
            case FLOAT -> uint(w, "size", ((BtfType.Float) t).size());
            case DECL_TAG -> {
                var d = (BtfType.DeclTag) t;
                uint(w, "type_id", d.type());
                w.name("component_idx");
                w.raw(Integer.toString(d.componentIndex()));
            }
        }
        w.endObject();
    }

    private static void enumHead(BpftoolJson w, boolean signed, int size, int vlen) {
        string(w, "encoding", signed ? "SIGNED" : "UNSIGNED");
        uint(w, "size", size);
        uint(w, "vlen", vlen);
        w.name("values");
        w.startArray();
    }

    private static void uint(BpftoolJson w, String name, int value) {
        w.name(name);
        w.raw(Integer.toUnsignedString(value));
    }

    private static void string(BpftoolJson w, String name, String value) {
        w.name(name);
        w.string(value);
    }
}
