package dev.bpf4j.btf;

import java.util.StringJoiner;

import static dev.bpf4j.btf.TypeSection.K_DATASEC;
import static dev.bpf4j.btf.TypeSection.K_STRUCT;
import static dev.bpf4j.btf.TypeSection.K_UNION;

/**
 * Checks what the layout alone cannot: that every name is a valid string offset, that every
 * type id a type refers to exists, that a FUNC's type is a FUNC_PROTO, and that no type contains
 * itself by value. After this, {@link TypeDecoder}, {@link Btf#resolve} and {@link Btf#sizeOf}
 * can trust the section: they cannot read out of range or loop.
 *
 * <p>The index pass ({@link TypeSection#index}) has already looked at every word; this class
 * acts on its summary. A valid blob, the common case, costs only the few FUNCs the pass could
 * not decide and a cycle search from the few types with forward references. Only when the pass
 * saw an out-of-range name or id does this walk all types again, to name the first fault.
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

    /** Throws {@link BtfFormatException} naming the first fault (in id order) of an indexed section. */
    static void validate(TypeSection.Indexed indexed) {
        var v = new TypeValidator(indexed.types());
        if (indexed.suspect())
            for (int id = 1; id < v.count; id++)
                v.check(id); // the slow path: finds the fault again and names it
        // A FUNC's prototype may come after it, so these are checked once all kinds are known.
        for (int i = 0; i < indexed.funcCount(); i++)
            v.checkFuncType(indexed.funcs()[i]);
        v.checkNoValueCycles(indexed.roots(), indexed.rootCount(), indexed.uncertain());
    }

    /** Names the first out-of-range name offset or type id of one type, if it has one. */
    private void check(int id) {
        int nameOff = types.nameOff(id);
        BtfKind kind = types.kind(id);
        if (!strings.contains(nameOff))
            throw new BtfFormatException("type [%d] %s: name offset 0x%x is outside the string section (size 0x%x)",
                    id, kind, nameOff, strings.size());
        int vlen = TypeSection.vlen(types.info(id));
        int sizeOrType = types.sizeOrType(id);
        switch (kind) {
            case VOID, INT, FWD, FLOAT -> {}
            case PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG, VAR, DECL_TAG, FUNC ->
                    ref(id, sizeOrType, "", -1);
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

    /** A FUNC's type (known to be in range) must be a FUNC_PROTO. */
    private void checkFuncType(int id) {
        int target = types.sizeOrType(id);
        if (types.kind(target) != BtfKind.FUNC_PROTO)
            throw new BtfFormatException("%s: its type [%d] is %s, but a FUNC's type must be a FUNC_PROTO",
                    types.describe(id), target, types.kind(target));
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

    /** How many by-value edges leave {@code id}. */
    private int edgeCount(int id) {
        int info = types.info(id);
        return switch (TypeSection.kindNumber(info)) {
            case TypeSection.K_TYPEDEF, TypeSection.K_VOLATILE, TypeSection.K_CONST, TypeSection.K_RESTRICT,
                    TypeSection.K_TYPE_TAG, TypeSection.K_VAR, TypeSection.K_DECL_TAG, TypeSection.K_ARRAY -> 1;
            case K_STRUCT, K_UNION, K_DATASEC -> TypeSection.vlen(info);
            default -> 0;
        };
    }

    /** The target of {@code id}'s {@code i}-th by-value edge. */
    private int edge(int id, int i) {
        int kind = TypeSection.kindNumber(types.info(id));
        if (kind == K_STRUCT || kind == K_UNION)
            return types.word(id, 4 + 3 * i);
        if (kind == K_DATASEC)
            return types.word(id, 3 + 3 * i);
        if (kind == TypeSection.K_ARRAY)
            return types.word(id, 3);
        return types.sizeOrType(id);
    }

    /**
     * Every cycle has a lowest id, and the edge leaving it goes to an id no lower: so every cycle
     * passes through a root (a type with such a forward edge), and a search from its lowest root
     * r that follows only edges to ids {@code >= r} still sees the whole cycle. Searching roots in
     * ascending order keeps the usual "done" marks valid (a later search explores a subgraph of an
     * earlier one), and the pruning is what makes this cheap: in vmlinux almost every by-value
     * edge points to a lower id. The search also skips the types the index pass found certain
     * (all their by-value references go down to certain types, so no cycle passes through them):
     * in vmlinux that leaves ~15k of ~127k types, and of those only the part above each root.
     */
    private void checkNoValueCycles(int[] roots, int rootCount, boolean[] uncertain) {
        if (rootCount == 0)
            return;
        final byte unseen = 0, onPath = 1, done = 2;
        byte[] state = new byte[count];
        int[] path = new int[64];
        int[] nextEdge = new int[64];
        int[] edgeCounts = new int[64];
        for (int r = 0; r < rootCount; r++) {
            int root = roots[r];
            if (state[root] != unseen)
                continue;
            int depth = 0;
            path[depth] = root;
            edgeCounts[depth] = edgeCount(root);
            nextEdge[depth++] = 0;
            state[root] = onPath;
            while (depth > 0) {
                int top = path[depth - 1];
                if (nextEdge[depth - 1] < edgeCounts[depth - 1]) {
                    int target = edge(top, nextEdge[depth - 1]++);
                    if (target < root || !uncertain[target] || state[target] == done)
                        continue;
                    if (state[target] == onPath)
                        throw cycle(path, depth, target);
                    int edges = edgeCount(target);
                    if (depth == path.length) {
                        path = java.util.Arrays.copyOf(path, depth * 2);
                        nextEdge = java.util.Arrays.copyOf(nextEdge, depth * 2);
                        edgeCounts = java.util.Arrays.copyOf(edgeCounts, depth * 2);
                    }
                    state[target] = onPath;
                    path[depth] = target;
                    edgeCounts[depth] = edges;
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
