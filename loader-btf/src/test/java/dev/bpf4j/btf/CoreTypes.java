package dev.bpf4j.btf;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/** Hand-built type lists for the CO-RE tests: each add returns the new type's id. */
final class CoreTypes {
    final List<BtfType> types = new ArrayList<>();

    int add(IntFunction<BtfType> type) {
        int id = types.size() + 1;
        types.add(type.apply(id));
        return id;
    }

    int integer(String name, int size, boolean signed) {
        return add(id -> new BtfType.Int(id, name, size, signed ? BtfType.Int.SIGNED : 0, 0, size * 8));
    }

    int struct(String name, int size, BtfType.Member... members) {
        return add(id -> new BtfType.Struct(id, name, size, List.of(members)));
    }

    int union(String name, int size, BtfType.Member... members) {
        return add(id -> new BtfType.Union(id, name, size, List.of(members)));
    }

    int array(int element, int index, int count) {
        return add(id -> new BtfType.Array(id, "", element, index, count));
    }

    int pointer(int to) {
        return add(id -> new BtfType.Pointer(id, "", to));
    }

    int typedef(String name, int to) {
        return add(id -> new BtfType.Typedef(id, name, to));
    }

    int enumeration(String name, int size, boolean signed, BtfType.EnumValue... values) {
        return add(id -> new BtfType.Enum(id, name, size, signed, List.of(values)));
    }

    int enum64(String name, boolean signed, BtfType.EnumValue... values) {
        return add(id -> new BtfType.Enum64(id, name, 8, signed, List.of(values)));
    }

    static BtfType.Member m(String name, int type, int bitOffset) {
        return new BtfType.Member(name, type, bitOffset, 0);
    }

    static BtfType.Member bits(String name, int type, int bitOffset, int bitSize) {
        return new BtfType.Member(name, type, bitOffset, bitSize);
    }

    static BtfType.EnumValue v(String name, long value) {
        return new BtfType.EnumValue(name, value);
    }

    Btf btf(ByteOrder order) {
        return Btf.parse(BtfEncoder.encode(types, order));
    }

    Btf btf() {
        return btf(ByteOrder.LITTLE_ENDIAN);
    }
}
