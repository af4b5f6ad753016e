package dev.bpf4j.btf;

import java.nio.ByteBuffer;
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
    // Per id, the kind and the number of by-value edges, filled by check(): the cycle search then
    // never decodes an info word again. Transient (dropped after validate), one int per type.
    private final int[] edges;
    private final byte[] kinds;
    // Per id, the one type a single-edge kind refers to (a FUNC: its prototype), read during the
    // sequential pass so that neither the FUNC check nor the cycle search jumps around the blob.
    private final int[] targets;
    // Per id, whether it refers by value to an id no lower than itself: where cycle searches start.
    private final boolean[] forward;

    private TypeValidator(TypeSection types) {
        this.types = types;
        this.strings = types.strings();
        this.count = types.count();
        this.edges = new int[count];
        this.kinds = new byte[count];
        this.targets = new int[count];
        this.forward = new boolean[count];
    }

    static void validate(TypeSection types) {
        var v = new TypeValidator(types);
        for (int id = 1; id < v.count; id++)
            if (!v.fine(id))
                v.check(id); // the slow path: finds the fault again and names it
        // A FUNC's prototype may come after it, so its kind is checked once all kinds are known.
        for (int id = 1; id < v.count; id++)
            if (v.kinds[id] == K_FUNC && v.kinds[v.targets[id]] != K_FUNC_PROTO)
                v.check(id);
        v.checkNoValueCycles();
    }

    /**
     * The fast pass over one type: the same checks as {@link #check}, reading the record's words
     * in place and only answering yes or no, so that validating vmlinux (~130k types, ~800k
     * words) costs about one sequential read of its type section. Fills {@link #kinds} and
     * {@link #edges} when the type is fine.
     */
    private boolean fine(int id) {
        ByteBuffer d = types.data();
        boolean be = types.bigEndian();
        int o = types.offset(id);
        int strSize = strings.size();
        if (Integer.compareUnsigned(BtfCursor.u32At(d, be, o), strSize) >= 0)
            return false;
        int info = BtfCursor.u32At(d, be, o + 4);
        int kind = TypeSection.kindNumber(info);
        int vlen = TypeSection.vlen(info);
        int st = BtfCursor.u32At(d, be, o + 8);
        int p = o + TypeSection.HEADER;
        int edgeCount = 0;
        int maxTarget = -1; // the highest id this type refers to by value
        switch (kind) {
            case K_INT, K_FWD, K_FLOAT -> {}
            case K_PTR -> {
                if (!ref(st))
                    return false;
            }
            case K_TYPEDEF, K_VOLATILE, K_CONST, K_RESTRICT, K_TYPE_TAG, K_VAR, K_DECL_TAG -> {
                if (!ref(st))
                    return false;
                targets[id] = st;
                maxTarget = st;
                edgeCount = 1;
            }
            case K_FUNC -> {
                if (!ref(st))
                    return false;
                targets[id] = st; // its kind is checked after the pass (validate)
            }
            case K_ARRAY -> {
                int element = BtfCursor.u32At(d, be, p);
                if (!ref(element) || !ref(BtfCursor.u32At(d, be, p + 4)))
                    return false;
                targets[id] = element;
                maxTarget = element;
                edgeCount = 1;
            }
            case K_STRUCT, K_UNION -> {
                for (int i = 0; i < vlen; i++, p += 12) {
                    int type = BtfCursor.u32At(d, be, p + 4);
                    if (Integer.compareUnsigned(BtfCursor.u32At(d, be, p), strSize) >= 0 || !ref(type))
                        return false;
                    maxTarget = Math.max(maxTarget, type);
                }
                edgeCount = vlen;
            }
            case K_ENUM -> {
                for (int i = 0; i < vlen; i++, p += 8)
                    if (Integer.compareUnsigned(BtfCursor.u32At(d, be, p), strSize) >= 0)
                        return false;
            }
            case K_ENUM64 -> {
                for (int i = 0; i < vlen; i++, p += 12)
                    if (Integer.compareUnsigned(BtfCursor.u32At(d, be, p), strSize) >= 0)
                        return false;
            }
            case K_FUNC_PROTO -> {
                if (!ref(st))
                    return false;
                for (int i = 0; i < vlen; i++, p += 8)
                    if (Integer.compareUnsigned(BtfCursor.u32At(d, be, p), strSize) >= 0 || !ref(BtfCursor.u32At(d, be, p + 4)))
                        return false;
            }
            case K_DATASEC -> {
                for (int i = 0; i < vlen; i++, p += 12) {
                    int type = BtfCursor.u32At(d, be, p);
                    if (!ref(type))
                        return false;
                    maxTarget = Math.max(maxTarget, type);
                }
                edgeCount = vlen;
            }
            default -> {
                return false;
            }
        }
        kinds[id] = (byte) kind;
        edges[id] = edgeCount;
        forward[id] = maxTarget >= id;
        return true;
    }

    private boolean ref(int target) {
        return Integer.compareUnsigned(target, count) < 0;
    }

    private static final int K_INT = 1, K_PTR = 2, K_ARRAY = 3, K_STRUCT = 4, K_UNION = 5, K_ENUM = 6, K_FWD = 7,
            K_TYPEDEF = 8, K_VOLATILE = 9, K_CONST = 10, K_RESTRICT = 11, K_FUNC = 12, K_FUNC_PROTO = 13, K_VAR = 14,
            K_DATASEC = 15, K_FLOAT = 16, K_DECL_TAG = 17, K_TYPE_TAG = 18, K_ENUM64 = 19;

    private void check(int id) {
        int nameOff = types.nameOff(id);
        BtfKind kind = types.kind(id);
        if (!strings.contains(nameOff))
            throw new BtfFormatException("type [%d] %s: name offset 0x%x is outside the string section (size 0x%x)",
                    id, kind, nameOff, strings.size());
        int vlen = TypeSection.vlen(types.info(id));
        int sizeOrType = types.sizeOrType(id);
        kinds[id] = (byte) kind.number();
        targets[id] = kind == BtfKind.ARRAY ? types.word(id, 3) : sizeOrType;
        edges[id] = switch (kind) {
            case TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG, VAR, DECL_TAG, ARRAY -> 1;
            case STRUCT, UNION, DATASEC -> vlen;
            default -> 0;
        };
        switch (kind) {
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
        forward[id] = hasForwardEdge(id); // only reached if every reference is in range
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

    private int edge(int id, int i) {
        int kind = kinds[id];
        if (kind == K_STRUCT || kind == K_UNION)
            return types.word(id, 4 + 3 * i);
        if (kind == K_DATASEC)
            return types.word(id, 3 + 3 * i);
        return targets[id];
    }


    private boolean hasForwardEdge(int id) {
        for (int i = 0, n = edges[id]; i < n; i++)
            if (edge(id, i) >= id)
                return true;
        return false;
    }

    private void checkNoValueCycles() {
        final byte unseen = 0, onPath = 1, done = 2;
        byte[] state = new byte[count];
        int[] path = new int[count];
        int[] nextEdge = new int[count];
        for (int root = 1; root < count; root++) {
            // Every cycle has an edge to an id no lower than its source (ids cannot decrease all
            // the way round), and a search started anywhere on a cycle finds it. So searching
            // only from types with such an edge finds every cycle; in vmlinux that is ~3% of
            // the types, and most of the rest is never visited.
            if (state[root] != unseen || !forward[root])
                continue;
            int depth = 0;
            path[depth] = root;
            nextEdge[depth++] = 0;
            state[root] = onPath;
            while (depth > 0) {
                int top = path[depth - 1];
                if (nextEdge[depth - 1] < edges[top]) {
                    int target = edge(top, nextEdge[depth - 1]++);
                    if (target == 0 || state[target] == done)
                        continue;
                    if (edges[target] == 0) { // a leaf cannot be on a cycle: done without a visit
                        state[target] = done;
                        continue;
                    }
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
