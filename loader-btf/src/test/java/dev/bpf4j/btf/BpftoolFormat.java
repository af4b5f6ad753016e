package dev.bpf4j.btf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Prints a {@link Btf} the way {@code bpftool btf dump file X} (raw format) does, so that
 * bpftool, which parses with libbpf, can serve as an oracle for every field of every type.
 * Also runs bpftool, when it is installed.
 */
final class BpftoolFormat {

    static final Path BPFTOOL = Path.of("/usr/sbin/bpftool");

    private BpftoolFormat() {}

    static List<String> lines(Btf btf) {
        var out = new ArrayList<String>();
        for (int id = 1; id < btf.typeCount(); id++)
            format(btf, btf.type(id), out);
        return out;
    }

    private static void format(Btf btf, BtfType t, List<String> out) {
        String head = "[" + t.id() + "] " + t.kind() + " " + quoted(t.name());
        switch (t.kind()) {
            case VOID -> throw new IllegalArgumentException("void is not dumped");
            case INT -> {
                var i = (BtfType.Int) t;
                out.add(head + " size=" + u(i.size()) + " bits_offset=" + i.bitOffset() + " nr_bits=" + i.bits()
                        + " encoding=" + switch (i.encoding()) {
                            case 0 -> "(none)";
                            case 1 -> "SIGNED";
                            case 2 -> "CHAR";
                            case 4 -> "BOOL";
                            default -> "UNKN";
                        });
            }
            case PTR -> out.add(head + " type_id=" + u(((BtfType.Pointer) t).type()));
            case TYPEDEF -> out.add(head + " type_id=" + u(((BtfType.Typedef) t).type()));
            case VOLATILE -> out.add(head + " type_id=" + u(((BtfType.Volatile) t).type()));
            case CONST -> out.add(head + " type_id=" + u(((BtfType.Const) t).type()));
            case RESTRICT -> out.add(head + " type_id=" + u(((BtfType.Restrict) t).type()));
            case TYPE_TAG -> out.add(head + " type_id=" + u(((BtfType.TypeTag) t).type()));
            case ARRAY -> {
                var a = (BtfType.Array) t;
                out.add(head + " type_id=" + u(a.elementType()) + " index_type_id=" + u(a.indexType())
                        + " nr_elems=" + u(a.count()));
            }
            case STRUCT, UNION -> {
                var c = (BtfType.Composite) t;
                out.add(head + " size=" + u(c.size()) + " vlen=" + c.members().size());
                for (BtfType.Member m : c.members())
                    out.add("\t" + quoted(m.name()) + " type_id=" + u(m.type()) + " bits_offset=" + u(m.bitOffset())
                            + (m.bitfieldSize() != 0 ? " bitfield_size=" + m.bitfieldSize() : ""));
            }
            case ENUM -> {
                var e = (BtfType.Enum) t;
                out.add(head + " encoding=" + (e.signed() ? "SIGNED" : "UNSIGNED") + " size=" + u(e.size())
                        + " vlen=" + e.values().size());
                for (BtfType.EnumValue v : e.values())
                    out.add("\t" + quoted(v.name()) + " val=" + (e.signed() ? Integer.toString((int) v.value()) : u((int) v.value())));
            }
            case ENUM64 -> {
                var e = (BtfType.Enum64) t;
                out.add(head + " encoding=" + (e.signed() ? "SIGNED" : "UNSIGNED") + " size=" + u(e.size())
                        + " vlen=" + e.values().size());
                for (BtfType.EnumValue v : e.values())
                    out.add("\t" + quoted(v.name()) + " val="
                            + (e.signed() ? v.value() + "LL" : Long.toUnsignedString(v.value()) + "ULL"));
            }
            case FWD -> out.add(head + " fwd_kind=" + (((BtfType.Forward) t).union() ? "union" : "struct"));
            case FUNC -> {
                var f = (BtfType.Func) t;
                out.add(head + " type_id=" + u(f.type()) + " linkage=" + linkage(f.linkage()));
            }
            case FUNC_PROTO -> {
                var p = (BtfType.FuncProto) t;
                out.add(head + " ret_type_id=" + u(p.returnType()) + " vlen=" + p.params().size());
                for (BtfType.Param param : p.params())
                    out.add("\t" + quoted(param.name()) + " type_id=" + u(param.type()));
            }
            case VAR -> {
                var v = (BtfType.Var) t;
                out.add(head + " type_id=" + u(v.type()) + ", linkage=" + linkage(v.linkage()));
            }
            case DATASEC -> {
                var d = (BtfType.DataSec) t;
                out.add(head + " size=" + u(d.size()) + " vlen=" + d.vars().size());
                for (BtfType.VarSecInfo v : d.vars()) {
                    BtfType vt = btf.type(v.type());
                    out.add("\ttype_id=" + u(v.type()) + " offset=" + u(v.offset()) + " size=" + u(v.size())
                            + " (" + (vt.id() == 0 ? "UNKNOWN" : vt.kind()) + " " + quoted(vt.name()) + ")");
                }
            }
            case FLOAT -> out.add(head + " size=" + u(((BtfType.Float) t).size()));
            case DECL_TAG -> {
                var d = (BtfType.DeclTag) t;
                out.add(head + " type_id=" + u(d.type()) + " component_idx=" + d.componentIndex());
            }
        }
    }

    private static String linkage(int linkage) {
        return switch (linkage) {
            case 0 -> "static";
            case 1 -> "global";
            case 2 -> "extern";
            default -> "(unknown)";
        };
    }

    private static String quoted(String name) {
        return "'" + (name.isEmpty() ? "(anon)" : name) + "'";
    }

    private static String u(int v) {
        return Integer.toUnsignedString(v);
    }

    static boolean available() {
        return Files.isExecutable(BPFTOOL);
    }

    /** bpftool's raw dump of a BTF file, one line per list element; null if bpftool fails. */
    static List<String> dump(Path file) throws IOException, InterruptedException {
        Path out = Files.createTempFile("bpftool", ".txt");
        try {
            Process p = new ProcessBuilder(BPFTOOL.toString(), "btf", "dump", "file", file.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            if (p.exitValue() != 0)
                return null;
            return Files.readAllLines(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
