package dev.bpf4j.btf;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * BTF as a compilable C header, text for text what {@code bpftool btf dump file X format c}
 * prints (bpftool 7.1, libbpf 1.1's {@code btf_dump}): every named struct, union, enum and
 * typedef, ordered so that each is defined before it is embedded, with forward declarations
 * where a pointer is enough; anonymous types inline; bitfields and explicit padding; {@code
 * __attribute__((packed))} where the layout cannot be natural; clashing names suffixed
 * {@code ___2}, {@code ___3}; all of it between bpftool's {@code __VMLINUX_H__} guard and
 * its {@code preserve_access_index} pragma. Functions, variables and data sections are not
 * printed, as in bpftool.
 *
 * <pre>{@code
 * Btf kernel = Btf.parse(Files.readAllBytes(Path.of("/sys/kernel/btf/vmlinux")));
 * try (var w = Files.newBufferedWriter(Path.of("vmlinux.h"))) {
 *     BtfCDump.write(kernel, w);
 * }
 * }</pre>
 *
 * <p>BTF that C cannot express (a struct containing itself through an anonymous type, a
 * chain of pointers that loops) is refused with a {@link BtfFormatException} naming the type,
 * where libbpf gives up with ELOOP or overflows its stack. Type graphs that would print an
 * unreasonable amount of text (anonymous types inlined exponentially often) are refused too.
 */
public final class BtfCDump {

    /** Nesting of type references beyond this is taken for a loop; real headers nest a few dozen deep. */
    static final int MAX_DEPTH = 1024;
    /** Text beyond this is refused: anonymous types shared by value are inlined at every use. */
    static final long MAX_CHARS = 1L << 30;

    private static final byte NOT_DONE = 0, IN_PROGRESS = 1, DONE = 2;
    private static final int MAX_RESOLVE_DEPTH = 32; // libbpf's bound when following a type for its size
    private static final String PREFIXES = "\t".repeat(13);
    private static final String[] LONG_NAMES = {"long", "long int", "int long", "unsigned long", "long unsigned",
            "unsigned long int", "unsigned int long", "long unsigned int", "long int unsigned", "int unsigned long",
            "int long unsigned"};
    // GCC's Arm SIMD typedefs point at types only GCC knows; libbpf aliases them before use.
    private static final Map<String, String> MISSING_BASE_TYPES = Map.of(
            "__Poly8_t", "unsigned char", "__Poly16_t", "unsigned short",
            "__Poly64_t", "unsigned long long", "__Poly128_t", "unsigned __int128");

    private final Btf btf;
    private final Appendable sink;
    private final StringBuilder out = new StringBuilder(1 << 16);
    private long written;
    private final int ptrSize;

    private final BtfType[] types;
    private final byte[] orderState;
    private final byte[] emitState;
    private final boolean[] fwdEmitted;
    private final boolean[] nameResolved;
    private final boolean[] referenced;
    private final String[] cachedNames;
    private final int[] alignCache; // align + 1, 0 = not computed
    private final Map<String, Integer> typeNames = new HashMap<>();
    private final Map<String, Integer> identNames = new HashMap<>();

    private int[] queue = new int[16];
    private int queueCount;
    private int[] declStack = new int[16];
    private int declCount;
    private long steps;
    private final long maxSteps;

    private BtfCDump(Btf btf, Appendable sink) {
        this.btf = btf;
        this.sink = sink;
        int n = btf.typeCount();
        types = new BtfType[n];
        orderState = new byte[n];
        emitState = new byte[n];
        fwdEmitted = new boolean[n];
        nameResolved = new boolean[n];
        referenced = new boolean[n];
        cachedNames = new String[n];
        alignCache = new int[n];
        orderState[0] = DONE;
        emitState[0] = DONE;
        ptrSize = pointerSize(btf);
        // Every type is reached a few times in a sane graph; far more means inlining blew up.
        maxSteps = 64L * n + 10_000_000L;
    }

    /** The header as one string. */
    public static String toString(Btf btf) {
        var out = new StringBuilder();
        write(btf, out);
        return out.toString();
    }

    /**
     * Appends the header to {@code out}, in pieces as it is produced.
     *
     * @throws BtfFormatException if the types cannot be written as C (naming the type)
     * @throws UncheckedIOException if {@code out} fails
     */
    public static void write(Btf btf, Appendable out) {
        new BtfCDump(btf, out).dumpAll();
    }

    private void dumpAll() {
        markReferenced();
        print("#ifndef __VMLINUX_H__\n#define __VMLINUX_H__\n\n");
        print("#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n");
        print("#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n");
        print("#endif\n\n");
        for (int id = 1; id < types.length; id++)
            dumpType(id);
        print("#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n#pragma clang attribute pop\n#endif\n\n");
        print("#endif /* __VMLINUX_H__ */\n");
        flush();
    }

    /** One type and whatever it needs that is not out yet (btf_dump__dump_type). */
    private void dumpType(int id) {
        queueCount = 0;
        order(id, false, 0);
        for (int i = 0; i < queueCount; i++)
            emit(queue[i], 0, 0);
    }

    // ---- output ----

    private void print(String s) {
        out.append(s);
        if (out.length() > (1 << 16))
            flush();
    }

    private void flush() {
        written += out.length();
        if (written > MAX_CHARS)
            throw new BtfFormatException("C dump: the header would be longer than %d characters", MAX_CHARS);
        try {
            sink.append(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        out.setLength(0);
    }

    private static String pfx(int level) {
        return level >= PREFIXES.length() ? PREFIXES : PREFIXES.substring(0, level);
    }

    // ---- type access ----

    private BtfType type(int id) {
        BtfType t = types[id];
        if (t == null)
            types[id] = t = btf.type(id);
        return t;
    }

    private BtfKind kind(int id) {
        return type(id).kind();
    }

    private boolean named(int id) {
        return !type(id).name().isEmpty();
    }

    /** The one type a modifier, pointer, typedef or type tag refers to. */
    private int next(int id) {
        BtfType t = type(id);
        switch (t.kind()) {
            case PTR: return ((BtfType.Pointer) t).type();
            case CONST: return ((BtfType.Const) t).type();
            case VOLATILE: return ((BtfType.Volatile) t).type();
            case RESTRICT: return ((BtfType.Restrict) t).type();
            case TYPEDEF: return ((BtfType.Typedef) t).type();
            case TYPE_TAG: return ((BtfType.TypeTag) t).type();
            case FUNC_PROTO: return ((BtfType.FuncProto) t).returnType();
            case ARRAY: return ((BtfType.Array) t).elementType();
            case FUNC: return ((BtfType.Func) t).type();
            case VAR: return ((BtfType.Var) t).type();
            case DECL_TAG: return ((BtfType.DeclTag) t).type();
            default: throw new IllegalStateException(t.kind() + " refers to no single type");
        }
    }

    private void tooDeep(int id) {
        throw new BtfFormatException("C dump: %s: references nest more than %d deep (a loop through pointers?)",
                describe(id), MAX_DEPTH);
    }

    private String describe(int id) {
        BtfType t = type(id);
        return "type [" + id + "] " + t.kind() + " '" + BtfRawDump.name(t.name()) + "'";
    }

    /** libbpf's guess of the target's pointer size: the size of the first int called some kind of long. */
    private static int pointerSize(Btf btf) {
        for (int id = 1; id < btf.typeCount(); id++) {
            if (btf.kind(id) != BtfKind.INT)
                continue;
            var t = (BtfType.Int) btf.type(id);
            if (t.size() != 4 && t.size() != 8)
                continue;
            for (String alias : LONG_NAMES)
                if (alias.equals(t.name()))
                    return t.size();
        }
        return 8;
    }

    // ---- pass 0: which types are referenced (a top-level anonymous enum is not) ----

    private void markReferenced() {
        for (int id = 1; id < types.length; id++) {
            BtfType t = type(id);
            switch (t.kind()) {
                case INT, ENUM, ENUM64, FWD, FLOAT -> { }
                case VOLATILE, CONST, RESTRICT, PTR, TYPEDEF, FUNC, VAR, DECL_TAG, TYPE_TAG -> referenced[next(id)] = true;
                case ARRAY -> {
                    var a = (BtfType.Array) t;
                    referenced[a.indexType()] = true;
                    referenced[a.elementType()] = true;
                }
                case STRUCT, UNION -> {
                    for (BtfType.Member m : ((BtfType.Composite) t).members())
                        referenced[m.type()] = true;
                }
                case FUNC_PROTO -> {
                    for (BtfType.Param p : ((BtfType.FuncProto) t).params())
                        referenced[p.type()] = true;
                }
                case DATASEC -> {
                    for (BtfType.VarSecInfo v : ((BtfType.DataSec) t).vars())
                        referenced[v.type()] = true;
                }
                case VOID -> throw new IllegalStateException("void has id 0 only");
            }
        }
    }

    // ---- pass 1: topological order of definitions ----

    private void enqueue(int id) {
        if (queueCount == queue.length)
            queue = java.util.Arrays.copyOf(queue, queueCount * 2);
        queue[queueCount++] = id;
    }

    /**
     * btf_dump_order_type: queues the definitions {@code id} needs, then its own; returns 1 when
     * {@code id} must be fully defined where it is used (a strong link), 0 when a forward
     * declaration will do.
     */
    private int order(int id, boolean throughPtr, int depth) {
        if (orderState[id] == DONE)
            return 1;
        if (depth > MAX_DEPTH)
            tooDeep(id);
        BtfType t = type(id);
        if (orderState[id] == IN_PROGRESS) {
            // a loop through a pointer to a named struct is what forward declarations are for
            if (t instanceof BtfType.Composite && throughPtr && named(id))
                return 0;
            throw new BtfFormatException("C dump: %s: unsatisfiable type cycle", describe(id));
        }
        switch (t.kind()) {
            case INT, FLOAT -> {
                orderState[id] = DONE;
                return 0;
            }
            case PTR -> {
                int strong = order(next(id), true, depth + 1);
                orderState[id] = DONE;
                return strong;
            }
            case ARRAY -> {
                return order(next(id), false, depth + 1);
            }
            case STRUCT, UNION -> {
                if (throughPtr && named(id))
                    return 0;
                orderState[id] = IN_PROGRESS;
                for (BtfType.Member m : ((BtfType.Composite) t).members())
                    order(m.type(), false, depth + 1);
                if (named(id))
                    enqueue(id);
                orderState[id] = DONE;
                return 1;
            }
            case ENUM, ENUM64, FWD -> {
                if (named(id) || !referenced[id])
                    enqueue(id);
                orderState[id] = DONE;
                return 1;
            }
            case TYPEDEF -> {
                int strong = order(next(id), throughPtr, depth + 1);
                if (throughPtr && strong == 0)
                    return 0;
                enqueue(id);
                orderState[id] = DONE;
                return 1;
            }
            case VOLATILE, CONST, RESTRICT, TYPE_TAG -> {
                return order(next(id), throughPtr, depth + 1);
            }
            case FUNC_PROTO -> {
                var p = (BtfType.FuncProto) t;
                boolean strong = order(p.returnType(), throughPtr, depth + 1) > 0;
                for (BtfType.Param param : p.params())
                    if (order(param.type(), throughPtr, depth + 1) > 0)
                        strong = true;
                return strong ? 1 : 0;
            }
            case FUNC, VAR, DATASEC, DECL_TAG -> {
                orderState[id] = DONE;
                return 0;
            }
            case VOID -> throw new IllegalStateException("void is ordered from the start");
        }
        throw new IllegalStateException(t.kind().name());
    }

    // ---- pass 2: emitting ----

    private boolean blacklisted(int id) {
        // a compiler built-in: defining it again breaks the build
        return type(id).name().equals("__builtin_va_list");
    }

    /**
     * btf_dump_emit_type: prints what {@code id} needs before it can be used inside the type
     * {@code containerId} (0 at top level), and {@code id} itself if it is a top-level definition.
     */
    private void emit(int id, int containerId, int depth) {
        if (emitState[id] == DONE)
            return;
        if (depth > MAX_DEPTH)
            tooDeep(id);
        if (++steps > maxSteps)
            throw new BtfFormatException("C dump: %s: anonymous types are inlined too often to print (over %d steps)",
                    describe(id), maxSteps);
        BtfType t = type(id);
        boolean topLevel = containerId == 0;
        if (emitState[id] == IN_PROGRESS) {
            if (fwdEmitted[id])
                return;
            switch (t.kind()) {
                case STRUCT, UNION -> {
                    if (id == containerId || !named(id))
                        return; // the container itself needs no declaration; an anonymous loop cannot get one
                    structFwd(id);
                    print(";\n\n");
                    fwdEmitted[id] = true;
                }
                case TYPEDEF -> {
                    // a typedef doubles as its own forward declaration for uses through pointers
                    if (!blacklisted(id)) {
                        typedefDef(id, 0);
                        print(";\n\n");
                    }
                    fwdEmitted[id] = true;
                }
                default -> { }
            }
            return;
        }
        switch (t.kind()) {
            case INT -> {
                String alias = MISSING_BASE_TYPES.get(typeName(id));
                if (alias != null)
                    print("typedef " + alias + " " + typeName(id) + ";\n\n");
                emitState[id] = DONE;
            }
            case ENUM, ENUM64 -> {
                if (topLevel) {
                    enumDef(id, 0);
                    print(";\n\n");
                }
                emitState[id] = DONE;
            }
            case PTR, VOLATILE, CONST, RESTRICT, TYPE_TAG, ARRAY -> emit(next(id), containerId, depth + 1);
            case FWD -> {
                fwdDef(id);
                print(";\n\n");
                emitState[id] = DONE;
            }
            case TYPEDEF -> {
                emitState[id] = IN_PROGRESS;
                emit(next(id), id, depth + 1);
                if (!fwdEmitted[id] && !blacklisted(id)) {
                    typedefDef(id, 0);
                    print(";\n\n");
                }
                emitState[id] = DONE;
            }
            case STRUCT, UNION -> {
                emitState[id] = IN_PROGRESS;
                // Printing the members (top level, or inline when anonymous) needs their types
                // declared first; a named struct used inside another needs at most a forward declaration.
                if (topLevel || !named(id)) {
                    int container = named(id) ? id : containerId;
                    for (BtfType.Member m : ((BtfType.Composite) t).members())
                        emit(m.type(), container, depth + 1);
                } else if (!fwdEmitted[id] && id != containerId) {
                    structFwd(id);
                    print(";\n\n");
                    fwdEmitted[id] = true;
                }
                if (topLevel) {
                    structDef(id, 0);
                    print(";\n\n");
                    emitState[id] = DONE;
                } else {
                    emitState[id] = NOT_DONE;
                }
            }
            case FUNC_PROTO -> {
                var p = (BtfType.FuncProto) t;
                emit(p.returnType(), containerId, depth + 1);
                for (BtfType.Param param : p.params())
                    emit(param.type(), containerId, depth + 1);
            }
            case FUNC, VAR, DATASEC, DECL_TAG, FLOAT -> { }
            case VOID -> throw new IllegalStateException("void is emitted from the start");
        }
    }

    // ---- sizes and alignment, as libbpf computes them ----

    /** btf__align_of: 0 for kinds without an alignment. */
    private int alignOf(int id, int depth) {
        if (alignCache[id] != 0)
            return alignCache[id] - 1;
        if (depth > MAX_DEPTH)
            tooDeep(id);
        BtfType t = type(id);
        int align = switch (t.kind()) {
            case INT -> minSize(((BtfType.Int) t).size());
            case ENUM -> minSize(((BtfType.Enum) t).size());
            case ENUM64 -> minSize(((BtfType.Enum64) t).size());
            case FLOAT -> minSize(((BtfType.Float) t).size());
            case PTR -> ptrSize;
            case TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG, ARRAY -> alignOf(next(id), depth + 1);
            case STRUCT, UNION -> compositeAlign((BtfType.Composite) t, depth);
            default -> 0;
        };
        alignCache[id] = align + 1;
        return align;
    }

    /** min(pointer size, size), the size being unsigned. */
    private int minSize(int size) {
        return (int) Math.min(ptrSize, Integer.toUnsignedLong(size));
    }

    private int compositeAlign(BtfType.Composite t, int depth) {
        int max = 1;
        for (BtfType.Member m : t.members()) {
            int align = alignOf(m.type(), depth + 1);
            if (align <= 0)
                return 0;
            max = Math.max(max, align);
            // a member off its natural alignment means the struct was packed
            if (m.bitfieldSize() == 0 && Integer.remainderUnsigned(m.bitOffset(), 8 * align) != 0)
                return 1;
        }
        return Integer.remainderUnsigned(t.size(), max) != 0 ? 1 : max;
    }

    /** btf__resolve_size: the size in bytes, or -1 where libbpf gives an error. */
    private long resolveSize(int id) {
        long elements = 1;
        for (int i = 0; i < MAX_RESOLVE_DEPTH && id != 0; i++) {
            BtfType t = type(id);
            long size;
            switch (t.kind()) {
                case INT: size = ((BtfType.Int) t).size(); break;
                case STRUCT: case UNION: size = ((BtfType.Composite) t).size(); break;
                case ENUM: size = ((BtfType.Enum) t).size(); break;
                case ENUM64: size = ((BtfType.Enum64) t).size(); break;
                case DATASEC: size = ((BtfType.DataSec) t).size(); break;
                case FLOAT: size = ((BtfType.Float) t).size(); break;
                case PTR: size = ptrSize; break;
                case TYPEDEF: case VOLATILE: case CONST: case RESTRICT: case VAR: case DECL_TAG: case TYPE_TAG:
                    id = next(id);
                    continue;
                case ARRAY: {
                    long n = Integer.toUnsignedLong(((BtfType.Array) t).count());
                    if (elements != 0 && n > 0xffff_ffffL / elements)
                        return -1;
                    elements *= n;
                    id = next(id);
                    continue;
                }
                default:
                    return -1;
            }
            size = Integer.toUnsignedLong((int) size);
            if (elements != 0 && size > 0xffff_ffffL / elements)
                return -1;
            return elements * size;
        }
        return -1;
    }

    private boolean isPacked(BtfType.Composite t) {
        int max = 1;
        for (BtfType.Member m : t.members()) {
            int align = alignOf(m.type(), 0);
            if (align != 0 && m.bitfieldSize() == 0 && Integer.remainderUnsigned(m.bitOffset(), 8 * align) != 0)
                return true;
            max = Math.max(align, max);
        }
        return Integer.remainderUnsigned(t.size(), max) != 0;
    }

    // ---- names ----

    private String typeName(int id) {
        return resolveName(id, typeNames);
    }

    private String identName(int id) {
        return resolveName(id, identNames);
    }

    /** The number of times {@code name} has now been used in {@code names}, this use included. */
    private static int nameDups(Map<String, Integer> names, String name) {
        return names.merge(name, 1, Integer::sum);
    }

    /** The name to print: the BTF name, or {@code name___N} for the N-th type of that name. */
    private String resolveName(int id, Map<String, Integer> names) {
        BtfType t = type(id);
        String name = t.name();
        if (name.isEmpty())
            return "";
        if (nameResolved[id])
            return cachedNames[id] != null ? cachedNames[id] : name;
        // forward declarations and empty enums may repeat a defined type's name harmlessly
        if (t.kind() == BtfKind.FWD || t instanceof BtfType.Enum e && e.values().isEmpty()) {
            nameResolved[id] = true;
            return name;
        }
        int dups = nameDups(names, name);
        if (dups > 1)
            cachedNames[id] = truncate(name + "___" + dups);
        nameResolved[id] = true;
        return cachedNames[id] != null ? cachedNames[id] : name;
    }

    /** libbpf formats suffixed names into a 256-byte buffer. */
    private static String truncate(String name) {
        byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
        return bytes.length <= 255 ? name : new String(bytes, 0, 255, StandardCharsets.UTF_8);
    }

    // ---- definitions ----

    private void structFwd(int id) {
        String name = typeName(id);
        print((kind(id) == BtfKind.STRUCT ? "struct" : "union") + (named(id) ? " " : "") + name);
    }

    private void fwdDef(int id) {
        String name = typeName(id);
        print((((BtfType.Forward) type(id)).union() ? "union " : "struct ") + name);
    }

    private void typedefDef(int id, int level) {
        String name = identName(id);
        int target = next(id);
        // old GCC typedefs __gnuc_va_list to void, which does not compile
        if (target == 0 && name.equals("__gnuc_va_list")) {
            print("typedef __builtin_va_list __gnuc_va_list");
            return;
        }
        print("typedef ");
        typeDecl(target, name, level);
    }

    private void structDef(int id, int level) {
        var t = (BtfType.Composite) type(id);
        boolean isStruct = t.kind() == BtfKind.STRUCT;
        int align = alignOf(id, 0);
        boolean packed = isStruct && isPacked(t);
        String name = typeName(id);
        print((isStruct ? "struct" : "union") + (named(id) ? " " : "") + name + " {");
        int off = 0;
        boolean prevBitfield = false;
        for (int index = 0; index < t.members().size(); index++) {
            BtfType.Member m = t.members().get(index);
            int size = m.bitfieldSize();
            int memberOff = m.bitOffset();
            int memberAlign = packed ? 1 : alignOf(m.type(), 0);
            boolean inBitfield = prevBitfield && size != 0;
            bitPadding(off, memberOff, memberAlign, inBitfield, level + 1, id, index, m.type());
            print("\n" + pfx(level + 1));
            typeDecl(m.type(), m.name(), level + 1);
            if (size != 0) {
                print(": " + size);
                off = memberOff + size;
                prevBitfield = true;
            } else {
                int bytes = (int) Math.max(0, resolveSize(m.type()));
                off = memberOff + bytes * 8;
                prevBitfield = false;
            }
            print(";");
        }
        if (isStruct)
            bitPadding(off, t.size() * 8, align, false, level + 1, id, -1, id);
        // `struct empty {}` stays on one line
        if (!t.members().isEmpty() || t.size() != 0)
            print("\n" + pfx(level) + "}");
        else
            print("}");
        if (packed)
            print(" __attribute__((packed))");
    }

    /** C's roundup() on ints; y is never 0 here. */
    private static int roundUp(int x, int y) {
        return ((x + (y - 1)) / y) * y;
    }

    /**
     * btf_dump_emit_bit_padding: fills the gap between bit offsets with unnamed bitfields
     * ({@code long: 64;}), using the widest type that reaches a natural boundary first, and an
     * explicit {@code type: 0;} where the compiler would not align by itself.
     */
    private void bitPadding(int cur, int next, int nextAlign, boolean inBitfield, int level,
                            int structId, int member, int memberType) {
        if (cur >= next)
            return;
        String[] names = {"long", "int", "short", "char"};
        int[] widths = {ptrSize * 8, 32, 16, 8};
        int newOff = 0;
        int padBits = 0;
        String padType = null;
        for (int i = 0; i < names.length; i++) {
            padBits = widths[i];
            padType = names[i];
            newOff = roundUp(cur, padBits);
            if (newOff <= next)
                break;
        }
        if (newOff > cur && newOff <= next) {
            // libbpf divides by the alignment here and dies of SIGFPE when it is 0
            if (!inBitfield && newOff == next && nextAlign == 0)
                throw new BtfFormatException("C dump: %s: %s", describe(structId), member < 0
                        ? "a member's type has no alignment, so the struct has none"
                        : "member #" + member + " has a type without alignment (" + describe(memberType) + ")");
            if (inBitfield
                    || (newOff == next && roundUp(cur, nextAlign * 8) != newOff)
                    || (newOff != next && next - newOff <= newOff - cur))
                print("\n" + pfx(level) + padType + ": " + (inBitfield ? newOff - cur : 0) + ";");
            cur = newOff;
        }
        while (cur != next) {
            int bits = Math.min(next - cur, padBits);
            if (bits == padBits) {
                print("\n" + pfx(level) + padType + ": " + padBits + ";");
                cur += bits;
                continue;
            }
            // the last piece gets the smallest type that holds it; that type then stays chosen
            for (int i = names.length - 1; i >= 0; i--) {
                padType = names[i];
                padBits = widths[i];
                if (padBits < bits)
                    continue;
                print("\n" + pfx(level) + padType + ": " + bits + ";");
                cur += bits;
                break;
            }
        }
    }

    private void enumDef(int id, int level) {
        BtfType t = type(id);
        String name = typeName(id);
        print("enum" + (named(id) ? " " : "") + name);
        boolean signed;
        int size;
        java.util.List<BtfType.EnumValue> values;
        boolean is64 = t.kind() == BtfKind.ENUM64;
        if (is64) {
            var e = (BtfType.Enum64) t;
            signed = e.signed();
            size = e.size();
            values = e.values();
        } else {
            var e = (BtfType.Enum) t;
            signed = e.signed();
            size = e.size();
            values = e.values();
        }
        if (values.isEmpty())
            return;
        print(" {");
        for (BtfType.EnumValue v : values) {
            // enumerators share a namespace with typedef names
            int dups = nameDups(identNames, v.name());
            String value;
            if (is64)
                value = (signed ? Long.toString(v.value()) + "LL" : Long.toUnsignedString(v.value()) + "ULL");
            else
                value = signed ? Integer.toString((int) v.value()) : Integer.toUnsignedString((int) v.value());
            print("\n" + pfx(level + 1) + v.name() + (dups > 1 ? "___" + dups : "") + " = " + value + ",");
        }
        print("\n" + pfx(level) + "}");
        if (size == 1) {
            print(" __attribute__((mode(byte)))");
        } else if (size == 8 && ptrSize == 8) {
            // An enum with a value beyond 32 bits is 8 bytes by itself; otherwise force it.
            boolean wordMode = true;
            if (is64)
                for (BtfType.EnumValue v : values)
                    if ((v.value() >>> 32) != 0) {
                        wordMode = false;
                        break;
                    }
            if (wordMode)
                print(" __attribute__((mode(word)))");
        }
    }

    // ---- declarations: a type chain around a name, in C's inside-out syntax ----

    /** A view of the shared declaration stack: ids {@code stack[base .. base+count)}, the top last. */
    private static final class Frame {
        final int base;
        int count;

        Frame(int base, int count) {
            this.base = base;
            this.count = count;
        }
    }

    private void push(int id) {
        if (declCount == declStack.length)
            declStack = java.util.Arrays.copyOf(declStack, declCount * 2);
        declStack[declCount++] = id;
    }

    private int top(Frame f) {
        return declStack[f.base + f.count - 1];
    }

    /**
     * btf_dump_emit_type_decl: pushes the chain from {@code id} down to the first named or
     * basic type, then prints it around {@code name} (a member, parameter or typedef name).
     */
    private void typeDecl(int id, String name, int level) {
        int start = declCount;
        for (int length = 0; ; length++) {
            if (length > types.length)
                throw new BtfFormatException("C dump: %s: the chain of pointers and qualifiers loops", describe(id));
            push(id);
            if (id == 0)
                break;
            BtfKind k = kind(id);
            if (k == BtfKind.PTR || k == BtfKind.VOLATILE || k == BtfKind.CONST || k == BtfKind.RESTRICT
                    || k == BtfKind.FUNC_PROTO || k == BtfKind.TYPE_TAG || k == BtfKind.ARRAY)
                id = next(id);
            else
                break; // a terminal type, or one no declaration can hold (libbpf only warns)
        }
        typeChain(new Frame(start, declCount - start), name, level);
        declCount = start;
    }

    private void emitMods(Frame f) {
        while (f.count > 0) {
            int id = top(f);
            BtfKind k = id == 0 ? BtfKind.VOID : kind(id);
            switch (k) {
                case VOLATILE -> print("volatile ");
                case CONST -> print("const ");
                case RESTRICT -> print("restrict ");
                default -> {
                    return;
                }
            }
            f.count--;
        }
    }

    private void dropMods(Frame f) {
        while (f.count > 0) {
            int id = top(f);
            BtfKind k = id == 0 ? BtfKind.VOID : kind(id);
            if (k != BtfKind.VOLATILE && k != BtfKind.CONST && k != BtfKind.RESTRICT && k != BtfKind.TYPE_TAG)
                return;
            f.count--;
        }
    }

    private void emitName(String name, boolean lastWasPtr) {
        print((!name.isEmpty() && !lastWasPtr ? " " : "") + name);
    }

    /** btf_dump_emit_type_chain: prints the frame's types innermost first, then the name. */
    private void typeChain(Frame f, String name, int level) {
        // `int ***`, not `int * * *`; a lone pointer in a function pointer prints as (*name)
        boolean lastWasPtr = true;
        while (f.count > 0) {
            int id = declStack[f.base + --f.count];
            if (id == 0) {
                emitMods(f);
                print("void");
                lastWasPtr = false;
                continue;
            }
            BtfType t = type(id);
            BtfKind k = t.kind();
            switch (k) {
                case INT, FLOAT -> {
                    emitMods(f);
                    print(t.name());
                }
                case STRUCT, UNION -> {
                    emitMods(f);
                    if (!named(id))
                        structDef(id, level);
                    else
                        structFwd(id);
                }
                case ENUM, ENUM64 -> {
                    emitMods(f);
                    if (!named(id))
                        enumDef(id, level);
                    else
                        print("enum " + typeName(id));
                }
                case FWD -> {
                    emitMods(f);
                    fwdDef(id);
                }
                case TYPEDEF -> {
                    emitMods(f);
                    print(identName(id));
                }
                case PTR -> print(lastWasPtr ? "*" : " *");
                case VOLATILE -> print(" volatile");
                case CONST -> print(" const");
                case RESTRICT -> print(" restrict");
                case TYPE_TAG -> {
                    emitMods(f);
                    print(" __attribute__((btf_type_tag(\"" + t.name() + "\")))");
                }
                case ARRAY -> {
                    var a = (BtfType.Array) t;
                    // GCC repeats an element's qualifiers on the array; they mean nothing there
                    dropMods(f);
                    if (f.count == 0) {
                        emitName(name, lastWasPtr);
                        print("[" + Integer.toUnsignedString(a.count()) + "]");
                        return;
                    }
                    int nextId = top(f);
                    boolean multidim = nextId != 0 && kind(nextId) == BtfKind.ARRAY;
                    if (!name.isEmpty() && !lastWasPtr)
                        print(" ");
                    if (!multidim)
                        print("(");
                    typeChain(f, name, level);
                    if (!multidim)
                        print(")");
                    print("[" + Integer.toUnsignedString(a.count()) + "]");
                    return;
                }
                case FUNC_PROTO -> {
                    var p = (BtfType.FuncProto) t;
                    // GCC marks noreturn function pointers volatile; drop it as for arrays
                    dropMods(f);
                    if (f.count > 0) {
                        print(" (");
                        typeChain(f, name, level);
                        print(")");
                    } else {
                        emitName(name, lastWasPtr);
                    }
                    print("(");
                    var params = p.params();
                    // No parameters, or clang's one parameter of type void: (void), as libbpf
                    // prints since its fix of 2024 (backported into the bpftool of Linux 6.1.y);
                    // libbpf 1.1.0 printed (), which C reads as "unspecified parameters".
                    if (params.isEmpty() || params.size() == 1 && params.get(0).type() == 0) {
                        print("void)");
                        return;
                    }
                    for (int i = 0; i < params.size(); i++) {
                        if (i > 0)
                            print(", ");
                        if (i == params.size() - 1 && params.get(i).type() == 0) {
                            print("...");
                            break;
                        }
                        typeDecl(params.get(i).type(), params.get(i).name(), level);
                    }
                    print(")");
                    return;
                }
                default -> {
                    return; // FUNC, VAR, DATASEC, DECL_TAG: not part of a C declaration; libbpf warns and stops
                }
            }
            lastWasPtr = k == BtfKind.PTR;
        }
        emitName(name, lastWasPtr);
    }
}
