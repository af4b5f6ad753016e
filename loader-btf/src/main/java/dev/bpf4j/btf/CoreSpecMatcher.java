package dev.bpf4j.btf;

import java.util.ArrayList;
import java.util.List;

/**
 * libbpf's {@code bpf_core_spec_match}: whether a local spec can be followed in one target
 * candidate, and the target spec (accessors, raw path, bit offset) it then leads to. Named
 * members are found by name, searching anonymous struct and union members recursively (the
 * target may nest a field differently from the local type); array indexes must lie within the
 * target array, unless it is a flexible array; the accessed field types must be compatible
 * ({@code bpf_core_fields_are_compat}). Type-based relocations compare whole types
 * ({@link CoreTypeCompat}, or {@link CoreTypeMatch} for TYPE_MATCHES); enum value relocations
 * look the enumerator up by essential name.
 */
final class CoreSpecMatcher {

    private CoreSpecMatcher() {
    }

    /**
     * The target spec of {@code local} in candidate {@code targetId}, or null when it does not
     * match.
     *
     * @throws CoreRelocationException (a target fault) when the target nests deeper than
     *         {@link CoreAccessSpec#MAX_LEN} or a target type on the path has no size
     */
    static CoreAccessSpec match(CoreAccessSpec local, Btf target, int targetId) {
        CoreRelocation.Kind kind = local.kind();
        if (CoreAccessSpec.isTypeBased(kind)) {
            boolean ok = kind == CoreRelocation.Kind.TYPE_MATCHES
                    ? CoreTypeMatch.matches(local.btf(), local.rootTypeId(), target, targetId)
                    : CoreTypeCompat.compatible(local.btf(), local.rootTypeId(), target, targetId);
            return ok ? new CoreAccessSpec(target, targetId, kind, List.of(), List.of(), 0) : null;
        }
        if (CoreAccessSpec.isEnumValueBased(kind))
            return matchEnumValue(local, target, targetId);
        return new FieldMatch(local, target, targetId).run();
    }

    private static CoreAccessSpec matchEnumValue(CoreAccessSpec local, Btf target, int targetId) {
        int id = target.resolveId(targetId);
        List<BtfType.EnumValue> values = CoreAccessSpec.enumValues(target.type(id));
        if (values == null)
            return null;
        String wanted = local.accessors().get(0).name();
        int wantedLength = CoreCandidates.essentialLength(wanted);
        for (int i = 0; i < values.size(); i++) {
            String name = values.get(i).name();
            if (CoreCandidates.essentialLength(name) == wantedLength && wanted.regionMatches(0, name, 0, wantedLength))
                return new CoreAccessSpec(target, targetId, local.kind(),
                        List.of(new CoreAccessSpec.Accessor(id, i, name)), List.of(i), 0);
        }
        return null;
    }

    /** The mutable target spec built while following a field access, as libbpf fills its struct. */
    private static final class FieldMatch {
        final CoreAccessSpec local;
        final Btf target;
        final int root;
        final List<CoreAccessSpec.Accessor> accessors = new ArrayList<>();
        final List<Integer> raw = new ArrayList<>();
        long bitOffset;
        int next; // the type the last matched member has

        FieldMatch(CoreAccessSpec local, Btf target, int root) {
            this.local = local;
            this.target = target;
            this.root = root;
        }

        CoreAccessSpec run() {
            int id = root;
            List<CoreAccessSpec.Accessor> want = local.accessors();
            for (int i = 0; i < want.size(); i++) {
                CoreAccessSpec.Accessor acc = want.get(i);
                id = target.resolveId(id);
                if (acc.name() != null) {
                    if (!member(acc, id))
                        return null;
                    id = next;
                    continue;
                }
                // The root accessor treats the root as the element type already; later ones step into an array.
                if (i > 0) {
                    if (!(target.type(id) instanceof BtfType.Array a))
                        return null;
                    boolean flex = CoreAccessSpec.isFlexibleArray(target, accessors.get(accessors.size() - 1), a);
                    if (!flex && Integer.toUnsignedLong(acc.index()) >= Integer.toUnsignedLong(a.count()))
                        return null;
                    id = target.resolveId(a.elementType());
                }
                checkDepth();
                accessors.add(new CoreAccessSpec.Accessor(id, acc.index(), null));
                raw.add(acc.index());
                bitOffset += (long) acc.index() * size(id) * 8;
            }
            return new CoreAccessSpec(target, root, local.kind(), accessors, raw, bitOffset);
        }

        /**
         * libbpf's {@code bpf_core_match_member}: finds the member named like the local accessor's
         * in composite {@code id}, descending into anonymous members; on a hit, {@link #next} is its
         * type. Like libbpf, a name found with an incompatible type ends the search of that
         * composite, leaving its raw step in place.
         */
        private boolean member(CoreAccessSpec.Accessor acc, int id) {
            id = target.resolveId(id);
            if (!(target.type(id) instanceof BtfType.Composite c))
                return false;
            BtfType.Member localMember = ((BtfType.Composite) local.btf().type(acc.typeId())).members().get(acc.index());
            List<BtfType.Member> members = c.members();
            for (int i = 0; i < members.size(); i++) {
                BtfType.Member m = members.get(i);
                checkDepth();
                long memberBits = Integer.toUnsignedLong(m.bitOffset());
                bitOffset += memberBits;
                raw.add(i);
                if (m.name().isEmpty()) {
                    if (member(acc, m.type()))
                        return true;
                } else if (m.name().equals(localMember.name())) {
                    accessors.add(new CoreAccessSpec.Accessor(id, i, m.name()));
                    next = m.type();
                    if (fieldsCompatible(local.btf(), localMember.type(), target, m.type()))
                        return true;
                    accessors.remove(accessors.size() - 1);
                    return false;
                }
                bitOffset -= memberBits;
                raw.remove(raw.size() - 1);
            }
            return false;
        }

        private void checkDepth() {
            if (raw.size() == CoreAccessSpec.MAX_LEN)
                throw new CoreRelocationException(false, String.format("%s: target %s nests deeper than %d accesses (BPF_CORE_SPEC_MAX_LEN)",
                        local, CoreAccessSpec.describe(target, root), CoreAccessSpec.MAX_LEN));
        }

        private long size(int id) {
            try {
                return target.sizeOf(id);
            } catch (BtfFormatException e) {
                throw new CoreRelocationException(false, local + ": target type " + CoreAccessSpec.describe(target, id) + " has no size");
            }
        }
    }

    /**
     * libbpf's {@code bpf_core_fields_are_compat}: any two structs or unions; pointers and floats
     * of any kind; enums and forward declarations of the same essential name (or anonymous);
     * ints that are not old-style bitfield ints; arrays of compatible elements.
     */
    static boolean fieldsCompatible(Btf local, int localId, Btf target, int targetId) {
        while (true) {
            localId = local.resolveId(localId);
            targetId = target.resolveId(targetId);
            BtfType lt = local.type(localId), tt = target.type(targetId);
            if (lt instanceof BtfType.Composite && tt instanceof BtfType.Composite)
                return true;
            if (!CoreTypeCompat.kindsCompatible(lt.kind(), tt.kind()))
                return false;
            switch (lt.kind()) {
                case PTR, FLOAT -> {
                    return true;
                }
                case FWD, ENUM, ENUM64 -> {
                    return CoreCandidates.essentialNamesEqualOrAnonymous(lt.name(), tt.name());
                }
                case INT -> {
                    return ((BtfType.Int) lt).bitOffset() == 0 && ((BtfType.Int) tt).bitOffset() == 0;
                }
                case ARRAY -> {
                    localId = ((BtfType.Array) lt).elementType();
                    targetId = ((BtfType.Array) tt).elementType();
                }
                default -> {
                    return false;
                }
            }
        }
    }
}
