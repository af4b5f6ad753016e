package dev.bpf4j.btf;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns one indexed type into its record. Runs after {@link TypeValidator}, so every read is
 * known to be in range; the reads still go through {@link BtfCursor} so that a bug here would
 * surface as a {@link BtfFormatException} naming the type rather than as an index error.
 */
final class TypeDecoder {

    private TypeDecoder() {}

    static BtfType decode(TypeSection types, int id) {
        if (id == 0)
            return new BtfType.Void(0);
        StringTable strings = types.strings();
        String name = types.name(id);
        int info = types.info(id);
        int vlen = TypeSection.vlen(info);
        boolean kflag = TypeSection.kindFlag(info);
        int sizeOrType = types.sizeOrType(id);
        BtfCursor c = types.extra(id);
        return switch (types.kind(id)) {
            case VOID -> new BtfType.Void(0); // not stored in a type section: index() rejects kind 0
            case INT -> {
                int v = c.u32("int encoding");
                yield new BtfType.Int(id, name, sizeOrType, (v >>> 24) & 0x0f, (v >>> 16) & 0xff, v & 0xff);
            }
            case PTR -> new BtfType.Pointer(id, name, sizeOrType);
            case ARRAY -> new BtfType.Array(id, name, c.u32("element type"), c.u32("index type"), c.u32("nelems"));
            case STRUCT -> new BtfType.Struct(id, name, sizeOrType, members(c, strings, vlen, kflag));
            case UNION -> new BtfType.Union(id, name, sizeOrType, members(c, strings, vlen, kflag));
            case ENUM -> {
                List<BtfType.EnumValue> values = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    String n = strings.get(c.u32("value name"));
                    int v = c.u32("value");
                    values.add(new BtfType.EnumValue(n, kflag ? v : Integer.toUnsignedLong(v)));
                }
                yield new BtfType.Enum(id, name, sizeOrType, kflag, values);
            }
            case ENUM64 -> {
                List<BtfType.EnumValue> values = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++) {
                    String n = strings.get(c.u32("value name"));
                    long lo = Integer.toUnsignedLong(c.u32("val_lo32"));
                    long hi = c.u32("val_hi32");
                    values.add(new BtfType.EnumValue(n, hi << 32 | lo));
                }
                yield new BtfType.Enum64(id, name, sizeOrType, kflag, values);
            }
            case FWD -> new BtfType.Forward(id, name, kflag);
            case TYPEDEF -> new BtfType.Typedef(id, name, sizeOrType);
            case VOLATILE -> new BtfType.Volatile(id, name, sizeOrType);
            case CONST -> new BtfType.Const(id, name, sizeOrType);
            case RESTRICT -> new BtfType.Restrict(id, name, sizeOrType);
            case TYPE_TAG -> new BtfType.TypeTag(id, name, sizeOrType);
            case FUNC -> new BtfType.Func(id, name, sizeOrType, vlen); // vlen holds the linkage
            case FUNC_PROTO -> {
                List<BtfType.Param> params = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++)
                    params.add(new BtfType.Param(strings.get(c.u32("parameter name")), c.u32("parameter type")));
                yield new BtfType.FuncProto(id, name, sizeOrType, params);
            }
            case VAR -> new BtfType.Var(id, name, sizeOrType, c.u32("linkage"));
            case DATASEC -> {
                List<BtfType.VarSecInfo> vars = new ArrayList<>(vlen);
                for (int i = 0; i < vlen; i++)
                    vars.add(new BtfType.VarSecInfo(c.u32("variable type"), c.u32("variable offset"), c.u32("variable size")));
                yield new BtfType.DataSec(id, name, sizeOrType, vars);
            }
            case FLOAT -> new BtfType.Float(id, name, sizeOrType);
            case DECL_TAG -> new BtfType.DeclTag(id, name, sizeOrType, c.u32("component_idx"));
        };
    }

    private static List<BtfType.Member> members(BtfCursor c, StringTable strings, int vlen, boolean kflag) {
        List<BtfType.Member> members = new ArrayList<>(vlen);
        for (int i = 0; i < vlen; i++) {
            String name = strings.get(c.u32("member name"));
            int type = c.u32("member type");
            int offset = c.u32("member offset");
            // With kind_flag set, the offset word packs the bitfield size into its top byte.
            members.add(kflag
                    ? new BtfType.Member(name, type, offset & 0xffffff, offset >>> 24)
                    : new BtfType.Member(name, type, offset, 0));
        }
        return members;
    }
}
