package dev.bpf4j.btf;

import java.util.List;

/**
 * libbpf's {@code bpf_core_types_are_compat}, the check behind TYPE_ID_TARGET, TYPE_EXISTS and
 * TYPE_SIZE: after the root names matched (modulo flavor), the two type graphs have the same
 * shape. Names below the root are ignored; structs, unions, enums, forward declarations and ints
 * of any layout are compatible with their own kind (an enum with an enum64); pointers and arrays
 * recurse into what they point at or hold; function prototypes need the same number of
 * parameters and compatible parameter and return types. Typedefs and modifiers are skipped.
 */
final class CoreTypeCompat {

    /** libbpf bounds both the pointer chain and the prototype nesting at 32. */
    private static final int MAX_DEPTH = 32;

    private CoreTypeCompat() {
    }

    static boolean kindsCompatible(BtfKind a, BtfKind b) {
        return a == b || (isEnum(a) && isEnum(b));
    }

    static boolean isEnum(BtfKind k) {
        return k == BtfKind.ENUM || k == BtfKind.ENUM64;
    }

    /**
     * @throws CoreRelocationException (a target fault) when the graphs nest deeper than libbpf
     *         follows
     */
    static boolean compatible(Btf local, int localId, Btf target, int targetId) {
        return compatible(local, localId, target, targetId, MAX_DEPTH);
    }

    private static boolean compatible(Btf local, int localId, Btf target, int targetId, int level) {
        if (!kindsCompatible(local.kind(localId), target.kind(targetId)))
            return false;
        for (int depth = MAX_DEPTH; ; ) {
            if (--depth < 0)
                throw tooDeep(local, localId, target, targetId);
            localId = local.resolveId(localId);
            targetId = target.resolveId(targetId);
            BtfKind kind = local.kind(localId);
            if (!kindsCompatible(kind, target.kind(targetId)))
                return false;
            switch (kind) {
                case VOID, STRUCT, UNION, ENUM, ENUM64, FWD -> {
                    return true;
                }
                case INT -> {
                    // Only the deprecated bitfield-like ints (a bit offset in the encoding) are refused.
                    return ((BtfType.Int) local.type(localId)).bitOffset() == 0
                            && ((BtfType.Int) target.type(targetId)).bitOffset() == 0;
                }
                case PTR -> {
                    localId = ((BtfType.Pointer) local.type(localId)).type();
                    targetId = ((BtfType.Pointer) target.type(targetId)).type();
                }
                case ARRAY -> {
                    localId = ((BtfType.Array) local.type(localId)).elementType();
                    targetId = ((BtfType.Array) target.type(targetId)).elementType();
                }
                case FUNC_PROTO -> {
                    var lp = (BtfType.FuncProto) local.type(localId);
                    var tp = (BtfType.FuncProto) target.type(targetId);
                    List<BtfType.Param> lps = lp.params(), tps = tp.params();
                    if (lps.size() != tps.size())
                        return false;
                    for (int i = 0; i < lps.size(); i++) {
                        if (level <= 0)
                            throw tooDeep(local, localId, target, targetId);
                        if (!compatible(local, local.resolveId(lps.get(i).type()), target,
                                target.resolveId(tps.get(i).type()), level - 1))
                            return false;
                    }
                    localId = lp.returnType();
                    targetId = tp.returnType();
                }
                default -> {
                    return false;
                }
            }
        }
    }

    static CoreRelocationException tooDeep(Btf local, int localId, Btf target, int targetId) {
        return new CoreRelocationException(false, String.format(
                "comparing local %s with target %s: types nest deeper than %d levels",
                CoreAccessSpec.describe(local, localId), CoreAccessSpec.describe(target, targetId), MAX_DEPTH));
    }
}
