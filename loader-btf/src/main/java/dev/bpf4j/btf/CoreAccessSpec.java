package dev.bpf4j.btf;

import java.util.ArrayList;
import java.util.List;

/**
 * A CO-RE access spec resolved against one BTF: libbpf's {@code struct bpf_core_spec}. The
 * access string {@code "0:1:2:3"} is the raw spec (one index per step: the root pointer, then a
 * member or array index per level); the accessors are the steps that mean something across
 * kernels: the root, each named member and each array index. Anonymous struct and union members
 * are only in the raw spec, because a target may nest the same named field differently.
 *
 * <p>Type-based relocations have no accessors; enum value relocations have one, naming the
 * enumerator.
 *
 * @param btf        the types the spec is resolved in
 * @param rootTypeId the relocation's type id, as given (before typedefs and modifiers)
 * @param kind       the relocation kind
 * @param accessors  the high-level steps
 * @param raw        the low-level steps: the access string's indexes (for a target spec, the
 *                   member indexes that led to the same named fields)
 * @param bitOffset  the bit offset of the accessed field from the root pointer
 */
record CoreAccessSpec(Btf btf, int rootTypeId, CoreRelocation.Kind kind, List<Accessor> accessors,
                      List<Integer> raw, long bitOffset) {

    /** libbpf's BPF_CORE_SPEC_MAX_LEN: no access string, local or target, goes deeper. */
    static final int MAX_LEN = 64;

    CoreAccessSpec {
        accessors = List.copyOf(accessors);
        raw = List.copyOf(raw);
    }

    /**
     * One high-level step: member {@code index} of composite {@code typeId} called {@code name},
     * or ({@code name == null}) element {@code index} of an array whose element type is
     * {@code typeId} (for the root: the root type itself). For an enum value relocation:
     * enumerator {@code index} of enum {@code typeId}.
     */
    record Accessor(int typeId, int index, String name) {
    }

    /** The last high-level step. */
    Accessor last() {
        return accessors.get(accessors.size() - 1);
    }

    static boolean isFieldBased(CoreRelocation.Kind kind) {
        return switch (kind) {
            case FIELD_BYTE_OFFSET, FIELD_BYTE_SIZE, FIELD_EXISTS, FIELD_SIGNED, FIELD_LSHIFT_U64, FIELD_RSHIFT_U64 -> true;
            default -> false;
        };
    }

    static boolean isTypeBased(CoreRelocation.Kind kind) {
        return switch (kind) {
            case TYPE_ID_LOCAL, TYPE_ID_TARGET, TYPE_EXISTS, TYPE_MATCHES, TYPE_SIZE -> true;
            default -> false;
        };
    }

    static boolean isEnumValueBased(CoreRelocation.Kind kind) {
        return kind == CoreRelocation.Kind.ENUMVAL_EXISTS || kind == CoreRelocation.Kind.ENUMVAL_VALUE;
    }

    /**
     * libbpf's {@code bpf_core_parse_spec}: the local spec of a relocation, checked against the
     * local types.
     *
     * @throws CoreRelocationException (an object fault) naming the type, the access string and
     *         what is wrong: not a number, an index out of range, a step into something that is
     *         not a struct, union or array, more than {@link #MAX_LEN} steps, a type without size
     */
    static CoreAccessSpec parse(Btf btf, CoreRelocation relo) {
        String access = relo.accessString();
        int rootId = relo.typeId();
        if (rootId < 0 || rootId >= btf.typeCount())
            throw new CoreRelocationException(true, String.format("type id %d + %s: type id out of range (the object's BTF has ids 0..%d)",
                    Integer.toUnsignedLong(rootId), access, btf.typeCount() - 1));
        String where = describe(btf, rootId) + " + " + (access.isEmpty() ? "\"\"" : access);
        CoreRelocation.Kind kind = relo.kind();
        if (access.isEmpty())
            throw malformed(where, "empty access string");
        if (isTypeBased(kind)) {
            if (!access.equals("0"))
                throw malformed(where, "a type-based relocation (" + kind + ") takes the access string \"0\"");
            return new CoreAccessSpec(btf, rootId, kind, List.of(), List.of(), 0);
        }
        List<Integer> raw = indexes(access, where);
        List<Accessor> accessors = new ArrayList<>();
        int id = btf.resolveId(rootId);
        int first = raw.get(0);

        if (isEnumValueBased(kind)) {
            BtfType t = btf.type(id);
            List<BtfType.EnumValue> values = enumValues(t);
            if (values == null)
                throw malformed(where, "an enum value relocation needs an enum, not " + describe(btf, id));
            if (raw.size() > 1)
                throw malformed(where, "an enum value relocation takes one index, not " + raw.size());
            if (first >= values.size())
                throw malformed(where, "enumerator index " + first + " is out of range: " + describe(btf, id)
                        + " has " + values.size() + " values");
            accessors.add(new Accessor(id, first, values.get(first).name()));
            return new CoreAccessSpec(btf, rootId, kind, accessors, raw, 0);
        }

        long bitOffset = (long) first * size(btf, id, where, "the root type") * 8;
        accessors.add(new Accessor(id, first, null));
        for (int step = 1; step < raw.size(); step++) {
            id = btf.resolveId(id);
            int index = raw.get(step);
            BtfType t = btf.type(id);
            if (t instanceof BtfType.Composite c) {
                if (index >= c.members().size())
                    throw malformed(where, String.format("member index %d at step #%d is out of range: %s has %d members",
                            index, step, describe(btf, id), c.members().size()));
                BtfType.Member m = c.members().get(index);
                bitOffset += Integer.toUnsignedLong(m.bitOffset());
                if (!m.name().isEmpty())
                    accessors.add(new Accessor(id, index, m.name()));
                id = m.type();
            } else if (t instanceof BtfType.Array a) {
                boolean flex = isFlexibleArray(btf, accessors.get(accessors.size() - 1), a);
                id = btf.resolveId(a.elementType());
                if (!flex && Integer.toUnsignedLong(index) >= Integer.toUnsignedLong(a.count()))
                    throw malformed(where, String.format("array index %d at step #%d is out of range: %s has %d elements",
                            index, step, describe(btf, a.id()), Integer.toUnsignedLong(a.count())));
                accessors.add(new Accessor(id, index, null));
                bitOffset += (long) index * size(btf, id, where, "the array element type") * 8;
            } else {
                throw malformed(where, String.format("step #%d (index %d) goes into %s, which is not a struct, union or array",
                        step, index, describe(btf, id)));
            }
        }
        return new CoreAccessSpec(btf, rootId, kind, accessors, raw, bitOffset);
    }

    /**
     * The access string's indexes. Stricter than libbpf's sscanf loop, which also takes signs,
     * blanks and a trailing ':': clang writes none of those.
     */
    private static List<Integer> indexes(String access, String where) {
        String[] parts = access.split(":", -1);
        if (parts.length > MAX_LEN)
            throw malformed(where, "more than " + MAX_LEN + " accesses (BPF_CORE_SPEC_MAX_LEN), " + parts.length + " given");
        List<Integer> raw = new ArrayList<>(parts.length);
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (p.isEmpty())
                throw malformed(where, "access #" + i + " is empty");
            for (int k = 0; k < p.length(); k++)
                if (p.charAt(k) < '0' || p.charAt(k) > '9')
                    throw malformed(where, "access #" + i + " '" + p + "' is not a number");
            long v = p.length() > 10 ? Long.MAX_VALUE : Long.parseLong(p);
            if (v > Integer.MAX_VALUE)
                throw malformed(where, "access #" + i + " '" + p + "' is out of range (at most " + Integer.MAX_VALUE + ")");
            raw.add((int) v);
        }
        return raw;
    }

    /**
     * libbpf's {@code is_flex_arr}: an array of 0 elements that is the last member of the struct
     * the previous named accessor stepped into, so any index into it is fine.
     */
    static boolean isFlexibleArray(Btf btf, Accessor previous, BtfType.Array a) {
        if (previous.name() == null || a.count() != 0)
            return false;
        return btf.type(previous.typeId()) instanceof BtfType.Composite c && previous.index() == c.members().size() - 1;
    }

    static List<BtfType.EnumValue> enumValues(BtfType t) {
        if (t instanceof BtfType.Enum e)
            return e.values();
        if (t instanceof BtfType.Enum64 e)
            return e.values();
        return null;
    }

    private static long size(Btf btf, int id, String where, String what) {
        try {
            return btf.sizeOf(id);
        } catch (BtfFormatException e) {
            throw malformed(where, what + " " + describe(btf, id) + " has no size");
        }
    }

    private static CoreRelocationException malformed(String where, String what) {
        return new CoreRelocationException(true, where + ": " + what);
    }

    /** "[12] STRUCT 'foo'", "[3] STRUCT <anon>": how libbpf names a type in CO-RE messages. */
    static String describe(Btf btf, int id) {
        String name = btf.name(id);
        return "[" + id + "] " + btf.kind(id) + " " + (name.isEmpty() ? "<anon>" : "'" + name + "'");
    }

    /** libbpf's {@code bpf_core_format_spec} field part: {@code x.a[3].b (0:1:2:3 @ offset 12)}. */
    @Override
    public String toString() {
        var sb = new StringBuilder(describe(btf, rootTypeId));
        if (isTypeBased(kind))
            return sb.toString();
        if (isEnumValueBased(kind))
            return sb.append("::").append(accessors.get(0).name()).toString();
        sb.append(' ');
        for (int i = 0; i < accessors.size(); i++) {
            Accessor a = accessors.get(i);
            if (a.name() != null)
                sb.append('.').append(a.name());
            else if (i > 0 || a.index() > 0)
                sb.append('[').append(a.index()).append(']');
        }
        sb.append(" (");
        for (int i = 0; i < raw.size(); i++)
            sb.append(i == 0 ? "" : ":").append(raw.get(i));
        sb.append(" @ offset ").append(bitOffset / 8);
        if (bitOffset % 8 != 0)
            sb.append('.').append(bitOffset % 8);
        return sb.append(')').toString();
    }
}
