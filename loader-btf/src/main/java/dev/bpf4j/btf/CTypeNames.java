package dev.bpf4j.btf;

/**
 * Short C spellings of BTF types for listings and messages: {@code struct flow_key},
 * {@code const volatile __u16}, {@code char[16]}, {@code void *}. Not a declaration (that is a
 * C dump's job): function prototypes print as {@code fn}, and deep or cyclic chains stop at
 * {@code ...}.
 *
 * <pre>{@code
 * String s = CTypeNames.of(btf, btf.type(id)); // "struct iphdr *"
 * }</pre>
 */
public final class CTypeNames {
    private static final int MAX_DEPTH = 16;

    private CTypeNames() {
    }

    /** The spelling of {@code t}, or null for a null type. */
    public static String of(Btf btf, BtfType t) {
        return t == null ? null : of(btf, t, 0);
    }

    private static String of(Btf btf, BtfType t, int depth) {
        if (depth > MAX_DEPTH)
            return "...";
        String name = t.name().isEmpty() ? "(anon)" : t.name();
        if (t instanceof BtfType.Void)
            return "void";
        if (t instanceof BtfType.Pointer p)
            return of(btf, btf.type(p.type()), depth + 1) + " *";
        if (t instanceof BtfType.Array a)
            return of(btf, btf.type(a.elementType()), depth + 1) + "[" + Integer.toUnsignedString(a.count()) + "]";
        if (t instanceof BtfType.Struct)
            return "struct " + name;
        if (t instanceof BtfType.Union)
            return "union " + name;
        if (t instanceof BtfType.Enum || t instanceof BtfType.Enum64)
            return "enum " + name;
        if (t instanceof BtfType.Forward f)
            return (f.union() ? "union " : "struct ") + name;
        if (t instanceof BtfType.Const c)
            return "const " + of(btf, btf.type(c.type()), depth + 1);
        if (t instanceof BtfType.Volatile v)
            return "volatile " + of(btf, btf.type(v.type()), depth + 1);
        if (t instanceof BtfType.Restrict r)
            return of(btf, btf.type(r.type()), depth + 1) + " restrict";
        if (t instanceof BtfType.TypeTag g)
            return of(btf, btf.type(g.type()), depth + 1);
        if (t instanceof BtfType.FuncProto)
            return "fn";
        if (t instanceof BtfType.DataSec)
            return "datasec " + name;
        return t.name().isEmpty() ? t.kind().name().toLowerCase() : t.name();
    }
}
