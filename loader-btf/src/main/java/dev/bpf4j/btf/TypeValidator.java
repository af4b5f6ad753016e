package dev.bpf4j.btf;

import java.util.StringJoiner;

/**
 * Checks what the index pass cannot: that every name is a valid string offset, that every type
 * id a type refers to exists, that a FUNC's type is a FUNC_PROTO, and that no type contains
 * itself by value. After this, {@link TypeDecoder}, {@link Btf#resolve} and {@link Btf#sizeOf}
 * can trust the section: they cannot read out of range or loop.
 *
 * <p>"By value" edges are the ones that C only allows to form a cycle through a pointer:
 * typedef, const, volatile, restrict and type tag to their type, an array to its element, a
 * var or decl tag to its type, a struct or union to its members, a datasec to its variables.
 */
final class TypeValidator {

    private final TypeSection types;
    private final StringTable strings;
    private final int count;

    private TypeValidator(TypeSection types) {
        this.types = types;
        this.strings = types.strings();
        this.count = types.count();
    }

    static void validate(TypeSection types) {
        var v = new TypeValidator(types);
        for (int id = 1; id < v.count; id++)
            v.check(id);
        v.checkNoValueCycles();
    }

    private void check(int id) {
        int nameOff = types.nameOff(id);
        if (!strings.contains(nameOff))
            throw new BtfFormatException("type [%d] %s: name offset 0x%x is outside the string section (size 0x%x)",
                    id, types.kind(id), nameOff, strings.size());
        int vlen = TypeSection.vlen(types.info(id));
        int sizeOrType = types.sizeOrType(id);
        switch (types.kind(id)) {
            case VOID, INT, FWD, FLOAT -> {}
            case PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG, VAR, DECL_TAG ->
                    ref(id, sizeOrType, "", -1);
            case FUNC -> {
                ref(id, sizeOrType, "", -1);
                if (types.kind(sizeOrType) != BtfKind.FUNC_PROTO)
                    throw new BtfFormatException("%s: its type [%d] is %s, but a FUNC's type must be a FUNC_PROTO",
                            types.describe(id), sizeOrType, types.kind(sizeOrType));
            }
            case ARRAY -> {
                ref(id, types.word(id, 3), "element type", -1);
                ref(id, types.word(id, 4), "index type", -1);
            }
            case STRUCT, UNION -> {
                for (int i = 0; i < vlen; i++) {
                    name(id, types.word(id, 3 + 3 * i), "member", i);
                    ref(id, types.word(id, 4 + 3 * i), "member", i);
                }
            }
            case ENUM -> {
                for (int i = 0; i < vlen; i++)
                    name(id, types.word(id, 3 + 2 * i), "value", i);
            }
            case ENUM64 -> {
                for (int i = 0; i < vlen; i++)
                    name(id, types.word(id, 3 + 3 * i), "value", i);
            }
            case FUNC_PROTO -> {
                ref(id, sizeOrType, "return type", -1);
                for (int i = 0; i < vlen; i++) {
                    name(id, types.word(id, 3 + 2 * i), "parameter", i);
                    ref(id, types.word(id, 4 + 2 * i), "parameter", i);
                }
            }
            case DATASEC -> {
                for (int i = 0; i < vlen; i++)
                    ref(id, types.word(id, 3 + 3 * i), "variable", i);
            }
        }
    }

    private void ref(int id, int target, String what, int index) {
        if (target >= 0 && target < count)
            return;
        throw new BtfFormatException("%s%s refers to type id %s, but there are only %d types",
                types.describe(id), where(what, index), Integer.toUnsignedString(target), count);
    }

    private void name(int id, int offset, String what, int index) {
        if (strings.contains(offset))
            return;
        throw new BtfFormatException("%s%s name offset 0x%x is outside the string section (size 0x%x)",
                types.describe(id), where(what, index), offset, strings.size());
    }

    private static String where(String what, int index) {
        if (what.isEmpty())
            return "";
        return index < 0 ? ": " + what : ": " + what + " #" + index;
    }

    // ---- by-value cycles: an iterative depth-first search, so deep chains cannot overflow the stack ----

    private int edgeCount(int id) {
        return switch (types.kind(id)) {
            case TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG, VAR, DECL_TAG, ARRAY -> 1;
            case STRUCT, UNION, DATASEC -> TypeSection.vlen(types.info(id));
            default -> 0;
        };
    }

    private int edge(int id, int i) {
        return switch (types.kind(id)) {
            case ARRAY -> types.word(id, 3);
            case STRUCT, UNION -> types.word(id, 4 + 3 * i);
            case DATASEC -> types.word(id, 3 + 3 * i);
            default -> types.sizeOrType(id);
        };
    }

    private void checkNoValueCycles() {
        final byte unseen = 0, onPath = 1, done = 2;
        byte[] state = new byte[count];
        int[] path = new int[count];
        int[] nextEdge = new int[count];
        for (int root = 1; root < count; root++) {
            if (state[root] != unseen)
                continue;
            int depth = 0;
            path[depth] = root;
            nextEdge[depth++] = 0;
            state[root] = onPath;
            while (depth > 0) {
                int top = path[depth - 1];
                if (nextEdge[depth - 1] < edgeCount(top)) {
                    int target = edge(top, nextEdge[depth - 1]++);
                    if (target == 0 || state[target] == done)
                        continue;
                    if (state[target] == onPath)
                        throw cycle(path, depth, target);
                    state[target] = onPath;
                    path[depth] = target;
                    nextEdge[depth++] = 0;
                } else {
                    state[top] = done;
                    depth--;
                }
            }
        }
    }

    private BtfFormatException cycle(int[] path, int depth, int target) {
        int from = depth - 1;
        while (path[from] != target)
            from--;
        var ids = new StringJoiner(" -> ", "(", ")");
        int length = depth - from;
        for (int i = from; i < depth; i++) {
            if (length > 16 && i == from + 15) {
                ids.add("... " + (length - 15) + " more");
                break;
            }
            ids.add(Integer.toString(path[i]));
        }
        ids.add(Integer.toString(target));
        return new BtfFormatException("%s: reference cycle through non-pointer kinds %s", types.describe(target), ids);
    }
}
