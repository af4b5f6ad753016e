package dev.bpf4j.btf;

import java.util.List;

/**
 * libbpf's {@code bpf_core_types_match}, the stricter check behind TYPE_MATCHES
 * ({@code bpf_core_type_matches()}): typedefs and modifiers are skipped, and then at every level
 * the names match (modulo flavor) and the kinds are the same, except that behind a pointer a
 * struct or union matches a forward declaration of the same kind, and an enum matches an enum64.
 * Ints need the same size and signedness; arrays the same length; enums the same size and every
 * local enumerator name in the target; structs and unions every local member in the target by
 * name with a matching type (behind a pointer, only names and kinds are compared); function
 * prototypes the same parameters, position by position, and return type.
 */
final class CoreTypeMatch {

    private static final int MAX_DEPTH = 32;

    private CoreTypeMatch() {
    }

    static boolean matches(Btf local, int localId, Btf target, int targetId) {
        return matches(local, localId, target, targetId, false, MAX_DEPTH);
    }

    private static boolean matches(Btf local, int localId, Btf target, int targetId, boolean behindPointer, int level) {
        if (level <= 0)
            throw CoreTypeCompat.tooDeep(local, localId, target, targetId);
        for (int depth = MAX_DEPTH; ; ) {
            if (--depth < 0)
                throw CoreTypeCompat.tooDeep(local, localId, target, targetId);
            localId = local.resolveId(localId);
            targetId = target.resolveId(targetId);
            if (!CoreCandidates.namesMatch(local.name(localId), target.name(targetId)))
                return false;
            BtfKind lk = local.kind(localId), tk = target.kind(targetId);
            switch (lk) {
                case VOID -> {
                    return tk == BtfKind.VOID;
                }
                case FWD -> {
                    boolean localUnion = ((BtfType.Forward) local.type(localId)).union();
                    if (tk == BtfKind.FWD)
                        return localUnion == ((BtfType.Forward) target.type(targetId)).union();
                    // A declaration matches a definition of its kind only behind a pointer.
                    return behindPointer && (tk == BtfKind.STRUCT && !localUnion || tk == BtfKind.UNION && localUnion);
                }
                case ENUM, ENUM64 -> {
                    return CoreTypeCompat.isEnum(tk) && enumsMatch(local.type(localId), target.type(targetId));
                }
                case STRUCT, UNION -> {
                    if (behindPointer) {
                        if (lk == tk)
                            return true;
                        return tk == BtfKind.FWD && (lk == BtfKind.UNION) == ((BtfType.Forward) target.type(targetId)).union();
                    }
                    return lk == tk && compositesMatch(local, (BtfType.Composite) local.type(localId), target,
                            (BtfType.Composite) target.type(targetId), level);
                }
                case INT -> {
                    if (tk != BtfKind.INT)
                        return false;
                    var li = (BtfType.Int) local.type(localId);
                    var ti = (BtfType.Int) target.type(targetId);
                    return li.size() == ti.size() && li.isSigned() == ti.isSigned();
                }
                case PTR -> {
                    if (tk != BtfKind.PTR)
                        return false;
                    behindPointer = true;
                    localId = ((BtfType.Pointer) local.type(localId)).type();
                    targetId = ((BtfType.Pointer) target.type(targetId)).type();
                }
                case ARRAY -> {
                    if (tk != BtfKind.ARRAY)
                        return false;
                    var la = (BtfType.Array) local.type(localId);
                    var ta = (BtfType.Array) target.type(targetId);
                    if (la.count() != ta.count())
                        return false;
                    localId = la.elementType();
                    targetId = ta.elementType();
                }
                case FUNC_PROTO -> {
                    if (tk != BtfKind.FUNC_PROTO)
                        return false;
                    var lp = (BtfType.FuncProto) local.type(localId);
                    var tp = (BtfType.FuncProto) target.type(targetId);
                    if (lp.params().size() != tp.params().size())
                        return false;
                    for (int i = 0; i < lp.params().size(); i++)
                        if (!matches(local, lp.params().get(i).type(), target, tp.params().get(i).type(), behindPointer, level - 1))
                            return false;
                    localId = lp.returnType();
                    targetId = tp.returnType();
                }
                default -> {
                    return false;
                }
            }
        }
    }

    private static boolean enumsMatch(BtfType local, BtfType target) {
        int localSize = local instanceof BtfType.Enum e ? e.size() : ((BtfType.Enum64) local).size();
        int targetSize = target instanceof BtfType.Enum e ? e.size() : ((BtfType.Enum64) target).size();
        if (localSize != targetSize)
            return false;
        List<BtfType.EnumValue> lv = CoreAccessSpec.enumValues(local), tv = CoreAccessSpec.enumValues(target);
        if (lv.size() > tv.size())
            return false;
        for (BtfType.EnumValue v : lv) {
            boolean found = false;
            for (BtfType.EnumValue t : tv)
                if (CoreCandidates.namesMatch(v.name(), t.name())) {
                    found = true;
                    break;
                }
            if (!found)
                return false;
        }
        return true;
    }

    private static boolean compositesMatch(Btf local, BtfType.Composite lt, Btf target, BtfType.Composite tt, int level) {
        if (lt.members().size() > tt.members().size())
            return false;
        for (BtfType.Member lm : lt.members()) {
            boolean found = false;
            for (BtfType.Member tm : tt.members()) {
                if (CoreCandidates.namesMatch(lm.name(), tm.name())
                        && matches(local, lm.type(), target, tm.type(), false, level - 1)) {
                    found = true;
                    break;
                }
            }
            if (!found)
                return false;
        }
        return true;
    }
}
