package dev.bpf4j.btf;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Random, well-formed BTF value layouts for the codec properties: ints of every width and
 * encoding, enums and enum64s, floats, pointers, char and other arrays, structs with
 * bitfields (kind_flag and int-typed), unions, anonymous members, typedefs and qualifiers,
 * nested a few levels. Laid out as a C compiler would, with padding, so every member lies
 * inside its struct. Member and enumerator names are unique, so flattening never collides.
 */
final class ValueLayouts {

    record Layout(List<BtfType> types, int root) {
    }

    private final Random r;
    private final boolean floats;
    private final List<BtfType> types = new ArrayList<>();
    private final Map<Integer, Long> sizes = new HashMap<>();
    private int names;
    private int charId;

    private ValueLayouts(Random r, boolean floats) {
        this.r = r;
        this.floats = floats;
    }

    /** A layout whose root is a struct, a union or any other type; {@code floats} allows float kinds. */
    static Layout random(Random r, boolean floats) {
        var g = new ValueLayouts(r, floats);
        int root = g.type(0);
        return new Layout(List.copyOf(g.types), root);
    }

    private int nextId() {
        return types.size() + 1;
    }

    private int add(BtfType t, long size) {
        types.add(t);
        sizes.put(t.id(), size);
        return t.id();
    }

    private String name(String prefix) {
        return prefix + names++;
    }

    private int type(int depth) {
        int k = r.nextInt(depth >= 3 ? 6 : 10);
        switch (k) {
            case 0, 1: return intType();
            case 2: return enumType();
            case 3: return r.nextBoolean() ? add(new BtfType.Pointer(nextId(), "", 0), 8) : charArray();
            case 4: return floats && r.nextBoolean() ? floatType() : intType();
            case 5: return charArray();
            case 6: return array(depth);
            case 7: return qualified(depth);
            case 8: return composite(depth, true);
            default: return composite(depth, r.nextInt(4) != 0);
        }
    }

    private int intType() {
        int size = new int[] {1, 2, 4, 8, 16}[r.nextInt(5)];
        int encoding = r.nextBoolean() ? BtfType.Int.SIGNED : 0;
        if (size == 1 && r.nextInt(4) == 0)
            encoding = r.nextBoolean() ? BtfType.Int.BOOL : BtfType.Int.CHAR;
        int bits = 8 * size, offset = 0;
        if (size >= 2 && r.nextInt(8) == 0) { // an int narrower than its storage, possibly offset
            bits = 1 + r.nextInt(8 * size - 1);
            offset = r.nextInt(8 * size - bits + 1);
        }
        return add(new BtfType.Int(nextId(), name("i"), size, encoding, offset, bits), size);
    }

    private int charType() {
        if (charId == 0)
            charId = add(new BtfType.Int(nextId(), "char", 1, BtfType.Int.SIGNED, 0, 8), 1);
        return charId;
    }

    private int charArray() {
        int elem = charType();
        if (r.nextInt(3) == 0) // qualifiers are skipped when telling a string
            elem = add(new BtfType.Const(nextId(), "", elem), 1);
        int n = r.nextInt(9);
        int index = intIndex();
        return add(new BtfType.Array(nextId(), "", elem, index, n), n);
    }

    private int intIndex() {
        return charType(); // the index type is never read
    }

    private int enumType() {
        boolean signed = r.nextBoolean();
        int n = r.nextInt(4);
        var values = new ArrayList<BtfType.EnumValue>();
        if (r.nextInt(4) == 0) {
            for (int i = 0; i < n; i++)
                values.add(new BtfType.EnumValue(name("E"), r.nextInt(5) - (signed ? 2 : 0) + (r.nextInt(8) == 0 ? Long.MIN_VALUE : 0)));
            return add(new BtfType.Enum64(nextId(), name("e"), 8, signed, values), 8);
        }
        int size = new int[] {1, 2, 4}[r.nextInt(3)];
        for (int i = 0; i < n; i++) {
            long v = r.nextInt(5) - (signed ? 2 : 0);
            values.add(new BtfType.EnumValue(name("E"), signed ? v : v & 0xffff_ffffL));
        }
        return add(new BtfType.Enum(nextId(), name("e"), size, signed, values), size);
    }

    private int floatType() {
        int size = new int[] {2, 4, 8}[r.nextInt(3)];
        return add(new BtfType.Float(nextId(), name("f"), size), size);
    }

    private int array(int depth) {
        int elem = type(depth + 1);
        int n = r.nextInt(4);
        int index = intIndex();
        return add(new BtfType.Array(nextId(), "", elem, index, n), n * sizes.get(elem));
    }

    private int qualified(int depth) {
        int inner = type(depth + 1);
        long size = sizes.get(inner);
        return switch (r.nextInt(4)) {
            case 0 -> add(new BtfType.Typedef(nextId(), name("t"), inner), size);
            case 1 -> add(new BtfType.Const(nextId(), "", inner), size);
            case 2 -> add(new BtfType.Volatile(nextId(), "", inner), size);
            default -> add(new BtfType.TypeTag(nextId(), name("tag"), inner), size);
        };
    }

    /** A struct ({@code isStruct}) or union of 0-4 members. */
    private int composite(int depth, boolean isStruct) {
        int n = r.nextInt(5);
        var members = new ArrayList<BtfType.Member>();
        long pos = 0, end = 0;
        for (int i = 0; i < n; i++) {
            long at = isStruct ? pos : 0;
            int kind = r.nextInt(6);
            if (kind == 0) { // a kind_flag bitfield of an int or enum
                int t = r.nextBoolean() ? intType() : enumType();
                BtfType bt = types.get(t - 1);
                int storage = 8 * (int) (long) sizes.get(t);
                int max = bt instanceof BtfType.Int ? Math.min(storage, 128) : Math.min(storage, 64);
                if (bt instanceof BtfType.Int bi && bi.bits() != storage)
                    max = storage; // a narrow int as a bitfield's type: its storage bounds the field
                int width = 1 + r.nextInt(max);
                members.add(new BtfType.Member(name("b"), t, (int) at, width));
                end = Math.max(end, at + width);
                pos = at + width;
            } else {
                if (kind == 1 && isStruct) { // an int-typed bitfield without kind_flag: its own bits, anywhere
                    int bits = 1 + r.nextInt(31);
                    int t = add(new BtfType.Int(nextId(), name("n"), 4, r.nextBoolean() ? BtfType.Int.SIGNED : 0, 0, bits), 4);
                    members.add(new BtfType.Member(name("n"), t, (int) at, 0));
                    end = Math.max(end, at + 32);
                    pos = at + bits;
                    continue;
                }
                at = (at + 7) & ~7L;
                boolean anonymous = kind == 2 && depth < 3;
                int t = anonymous ? composite(depth + 1, r.nextBoolean()) : type(depth + 1);
                members.add(new BtfType.Member(anonymous ? "" : name("m"), t, (int) at, 0));
                end = Math.max(end, at + 8 * sizes.get(t));
                pos = at + 8 * sizes.get(t);
            }
        }
        long size = (end + 7) / 8 + r.nextInt(3);
        int id = nextId();
        BtfType t = isStruct ? new BtfType.Struct(id, r.nextBoolean() ? "" : name("s"), (int) size, members)
                : new BtfType.Union(id, r.nextBoolean() ? "" : name("u"), (int) size, members);
        return add(t, size);
    }
}
