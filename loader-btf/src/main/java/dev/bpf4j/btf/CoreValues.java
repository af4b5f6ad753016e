package dev.bpf4j.btf;

import java.nio.ByteOrder;

/**
 * What each relocation kind evaluates to for one spec: libbpf's {@code bpf_core_calc_field_relo},
 * {@code bpf_core_calc_type_relo} and {@code bpf_core_calc_enumval_relo}, and
 * {@code bpf_core_calc_relo} pairing the local value (what the compiler put in the instruction)
 * with the target's.
 *
 * <p>Field values are computed in libbpf's unsigned 32-bit arithmetic, so they are kept to 32
 * bits. Bitfield shifts depend on the byte order the program runs in (libbpf uses the host's; we
 * use the object's, which is the one its loads will see): a u64 load of the containing bytes is
 * shifted left so that the field's top bit becomes bit 63, then right by {@code 64 - bits}.
 */
final class CoreValues {

    private CoreValues() {
    }

    /** libbpf's {@code struct bpf_core_relo_res}. */
    record Res(long original, long value, boolean poison, boolean validate, boolean memorySizeUnsafe,
               int originalSize, int newSize) {
    }

    /** One side's value; {@code size} and {@code typeId} only for a non-bitfield byte offset. */
    private record Value(long value, boolean poison, boolean validate, int size, int typeId) {
        static final Value POISON = new Value(0, true, true, 0, 0);
    }

    /**
     * The relocation's result for the local spec and one target spec ({@code null}: no target
     * matched).
     *
     * @throws CoreRelocationException when a value cannot be computed: an object fault for the
     *         local side, a target fault for the target side
     */
    static Res calculate(CoreAccessSpec local, CoreAccessSpec target, ByteOrder order) {
        CoreRelocation.Kind kind = local.kind();
        Value orig = value(kind, local, order, true);
        Value next = value(kind, target, order, false);
        if (next.poison())
            return new Res(orig.value(), 0, true, orig.validate(), false, orig.size(), 0);
        boolean unsafe = false;
        if (CoreAccessSpec.isFieldBased(kind) && orig.size() != next.size()) {
            // Resizing a load is safe for a 32-bit kernel pointer read as 64 bits, and for
            // unsigned ints (zero extension keeps the value); anything else would misread.
            BtfType ot = local.btf().type(orig.typeId()), nt = target.btf().type(next.typeId());
            boolean pointers = ot instanceof BtfType.Pointer && nt instanceof BtfType.Pointer;
            boolean unsignedInts = ot instanceof BtfType.Int oi && nt instanceof BtfType.Int ni
                    && oi.encoding() != BtfType.Int.SIGNED && ni.encoding() != BtfType.Int.SIGNED;
            unsafe = !pointers && !unsignedInts;
        }
        return new Res(orig.value(), next.value(), false, orig.validate(), unsafe, orig.size(), next.size());
    }

    private static Value value(CoreRelocation.Kind kind, CoreAccessSpec spec, ByteOrder order, boolean local) {
        if (CoreAccessSpec.isFieldBased(kind))
            return field(kind, spec, order, local);
        if (CoreAccessSpec.isTypeBased(kind))
            return type(kind, spec, local);
        return enumValue(kind, spec);
    }

    private static Value field(CoreRelocation.Kind kind, CoreAccessSpec spec, ByteOrder order, boolean local) {
        if (kind == CoreRelocation.Kind.FIELD_EXISTS)
            return new Value(spec == null ? 0 : 1, false, true, 0, 0);
        if (spec == null)
            return Value.POISON;
        Btf btf = spec.btf();
        CoreAccessSpec.Accessor acc = spec.last();
        // An array element, or the root itself. Its load size is the element type's whole size,
        // as in libbpf 1.1 (later versions take the innermost element of a nested array).
        if (acc.name() == null) {
            long size = size(btf, acc.typeId(), spec, local);
            return switch (kind) {
                case FIELD_BYTE_OFFSET -> new Value(u32(spec.bitOffset() / 8), false, true, (int) size, acc.typeId());
                case FIELD_BYTE_SIZE -> new Value(size, false, true, 0, 0);
                default -> throw new CoreRelocationException(local, spec + ": " + kind + " cannot be applied to an array element");
            };
        }
        BtfType.Member m = ((BtfType.Composite) btf.type(acc.typeId())).members().get(acc.index());
        int fieldTypeId = btf.resolveId(m.type());
        BtfType mt = btf.type(fieldTypeId);
        long bitOff = spec.bitOffset();
        long bitSize = m.bitfieldSize();
        boolean bitfield = bitSize > 0;
        long byteSize, byteOff;
        if (bitfield) {
            byteSize = size(btf, fieldTypeId, spec, local);
            if (byteSize <= 0)
                throw new CoreRelocationException(local, spec + ": bitfield type " + CoreAccessSpec.describe(btf, fieldTypeId) + " has size 0");
            byteOff = bitOff / 8 / byteSize * byteSize;
            // The smallest load (of a power-of-two size, aligned to it) that covers the bits.
            while (bitOff + bitSize - byteOff * 8 > byteSize * 8) {
                if (byteSize >= 8)
                    throw new CoreRelocationException(local, spec + ": bitfield of " + bitSize + " bits at bit " + bitOff
                            + " cannot be read with one 64-bit load");
                byteSize *= 2;
                byteOff = bitOff / 8 / byteSize * byteSize;
            }
        } else {
            byteSize = size(btf, fieldTypeId, spec, local);
            byteOff = bitOff / 8;
            bitSize = byteSize * 8;
        }
        // Bitfield offsets and sizes are ambiguous (a compiler may pick another load), so only
        // signedness and the right shift are checked against the instruction.
        boolean validate = !bitfield;
        return switch (kind) {
            case FIELD_BYTE_OFFSET -> bitfield
                    ? new Value(u32(byteOff), false, validate, 0, 0)
                    : new Value(u32(byteOff), false, validate, (int) byteSize, fieldTypeId);
            case FIELD_BYTE_SIZE -> new Value(u32(byteSize), false, validate, 0, 0);
            case FIELD_SIGNED -> new Value(isSigned(mt) ? 1 : 0, false, true, 0, 0);
            case FIELD_LSHIFT_U64 -> new Value(u32(order == ByteOrder.LITTLE_ENDIAN
                    ? 64 - (bitOff + bitSize - byteOff * 8)
                    : (8 - byteSize) * 8 + (bitOff - byteOff * 8)), false, validate, 0, 0);
            case FIELD_RSHIFT_U64 -> new Value(u32(64 - bitSize), false, true, 0, 0);
            default -> throw new IllegalStateException(kind.toString());
        };
    }

    /**
     * An int with the signed encoding, or an enum with the signed flag. (libbpf 1.1 also read an
     * int encoding out of whatever follows a non-int type's header; later versions, and we,
     * check the kind first.)
     */
    private static boolean isSigned(BtfType t) {
        if (t instanceof BtfType.Int i)
            return i.isSigned();
        if (t instanceof BtfType.Enum e)
            return e.signed();
        return t instanceof BtfType.Enum64 e && e.signed();
    }

    private static Value type(CoreRelocation.Kind kind, CoreAccessSpec spec, boolean local) {
        if (spec == null) // type-based relocations give 0 when the target has no such type
            return new Value(0, false, true, 0, 0);
        return switch (kind) {
            // Type ids change when objects are linked together: never checked.
            case TYPE_ID_TARGET, TYPE_ID_LOCAL -> new Value(spec.rootTypeId(), false, false, 0, 0);
            case TYPE_EXISTS, TYPE_MATCHES -> new Value(1, false, true, 0, 0);
            case TYPE_SIZE -> new Value(size(spec.btf(), spec.rootTypeId(), spec, local), false, true, 0, 0);
            default -> throw new IllegalStateException(kind.toString());
        };
    }

    private static Value enumValue(CoreRelocation.Kind kind, CoreAccessSpec spec) {
        if (kind == CoreRelocation.Kind.ENUMVAL_EXISTS)
            return new Value(spec == null ? 0 : 1, false, true, 0, 0);
        if (spec == null)
            return Value.POISON;
        CoreAccessSpec.Accessor acc = spec.accessors().get(0);
        BtfType t = spec.btf().type(acc.typeId());
        // libbpf reads a 32-bit enumerator as __s32 into a u64: sign-extended, whatever the enum's signedness.
        if (t instanceof BtfType.Enum e)
            return new Value((int) e.values().get(acc.index()).value(), false, true, 0, 0);
        return new Value(((BtfType.Enum64) t).values().get(acc.index()).value(), false, true, 0, 0);
    }

    private static long size(Btf btf, int id, CoreAccessSpec spec, boolean local) {
        try {
            return btf.sizeOf(id);
        } catch (BtfFormatException e) {
            throw new CoreRelocationException(local, spec + ": " + (local ? "local" : "target") + " type "
                    + CoreAccessSpec.describe(btf, id) + " has no size");
        }
    }

    private static long u32(long v) {
        return v & 0xffff_ffffL;
    }
}
