package dev.bpf4j.btf;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Laws of CO-RE relocation over random struct graphs (a struct of ints, int arrays and nested
 * structs). Each graph is laid out twice by the test's own C-like layout (natural alignment):
 * once in declaration order (the object), once with the members of every struct shuffled and
 * padded (the target). Expected offsets come from that layout, not from the relocator.
 */
class CoreRelocatorProperties {

    /** A member: an int of {@code size} bytes, an array of {@code count} such ints, or a struct. */
    record Field(String name, int size, boolean signed, int count, List<Field> nested) {
        boolean isStruct() {
            return nested != null;
        }
    }

    /** One layout: the top type's id, each field path's access string and byte offset, by path of names. */
    record Layout(int top, Map<String, String> access, Map<String, Long> offsets, Map<String, Boolean> elements) {
    }

    static List<Field> model(Random r, int depth, String prefix) {
        int n = 1 + r.nextInt(5);
        List<Field> fields = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = prefix + "f" + i;
            int kind = depth < 2 ? r.nextInt(3) : r.nextInt(2);
            int size = 1 << r.nextInt(4);
            if (kind == 2)
                fields.add(new Field(name, 0, false, 0, model(r, depth + 1, name + "_")));
            else
                fields.add(new Field(name, size, r.nextBoolean(), kind == 1 ? 1 + r.nextInt(4) : 0, null));
        }
        return fields;
    }

    /** Emits the types of {@code fields} (shuffled and padded when {@code r} is given) and records the layout. */
    static final class Builder {
        final CoreTypes types = new CoreTypes();
        final Map<String, String> access = new LinkedHashMap<>();
        final Map<String, Long> offsets = new LinkedHashMap<>();
        final Map<String, Boolean> elements = new LinkedHashMap<>();
        final Random shuffle;
        final Map<String, Integer> ints = new LinkedHashMap<>();
        int index = -1;

        Builder(Random shuffle) {
            this.shuffle = shuffle;
        }

        int intType(int size, boolean signed) {
            String name = (signed ? "s" : "u") + (size * 8);
            return ints.computeIfAbsent(name, k -> types.integer(k, size, signed));
        }

        static int align(Field f) {
            if (!f.isStruct())
                return f.size();
            return f.nested().stream().mapToInt(Builder::align).max().orElse(1);
        }

        /** Returns {id, size}. */
        int[] struct(String name, List<Field> declared, String path, String accessPrefix, long base) {
            List<Field> order = new ArrayList<>(declared);
            if (shuffle != null)
                Collections.shuffle(order, shuffle);
            List<BtfType.Member> members = new ArrayList<>();
            long offset = 0;
            int maxAlign = 1;
            for (Field f : order) {
                int a = align(f);
                maxAlign = Math.max(maxAlign, a);
                if (shuffle != null)
                    offset += (long) a * shuffle.nextInt(3); // padding
                offset = (offset + a - 1) / a * a;
                int declaredIndex = declared.indexOf(f);
                String fieldPath = path + "." + f.name();
                // Access strings use the OBJECT's member indexes; a shuffled target's are not used.
                String fieldAccess = accessPrefix + ":" + declaredIndex;
                long size;
                int type;
                if (f.isStruct()) {
                    int[] s = struct("s_" + f.name(), f.nested(), fieldPath, fieldAccess, base + offset);
                    type = s[0];
                    size = s[1];
                } else {
                    type = intType(f.size(), f.signed());
                    size = f.size();
                    if (f.count() > 0) {
                        type = types.array(type, intType(4, true), f.count());
                        for (int e = 0; e < f.count(); e++) {
                            access.put(fieldPath + "[" + e + "]", fieldAccess + ":" + e);
                            offsets.put(fieldPath + "[" + e + "]", base + offset + (long) e * f.size());
                            elements.put(fieldPath + "[" + e + "]", true);
                        }
                        size = (long) f.size() * f.count();
                    }
                }
                access.put(fieldPath, fieldAccess);
                offsets.put(fieldPath, base + offset);
                elements.put(fieldPath, false);
                members.add(CoreTypes.m(f.name(), type, (int) (offset * 8)));
                offset += size;
            }
            long total = (offset + maxAlign - 1) / maxAlign * maxAlign;
            if (total == 0)
                total = 1;
            int id = types.struct(name, (int) total, members.toArray(BtfType.Member[]::new));
            return new int[]{id, (int) total};
        }

        Layout build(List<Field> model) {
            int top = struct("top", model, "top", "0", 0)[0];
            return new Layout(top, access, offsets, elements);
        }
    }

    @Property(tries = 200)
    void relocatingAgainstItselfGivesBackEveryOriginalValue(@ForAll long seed, @ForAll boolean bigEndian) {
        ByteOrder order = bigEndian ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        Builder b = new Builder(null);
        Layout l = b.build(model(new Random(seed), 0, ""));
        Btf btf = b.types.btf(order);
        CoreRelocator relocator = CoreRelocator.of(btf, btf);
        for (var path : l.access().keySet()) {
            boolean element = l.elements().get(path);
            for (var kind : CoreRelocation.Kind.values()) {
                if (!CoreAccessSpec.isFieldBased(kind))
                    continue;
                if (element && kind != CoreRelocation.Kind.FIELD_BYTE_OFFSET && kind != CoreRelocation.Kind.FIELD_BYTE_SIZE
                        && kind != CoreRelocation.Kind.FIELD_EXISTS)
                    continue; // libbpf refuses signedness and shifts of array elements
                var p = assertInstanceOf(CoreResult.Patch.class,
                        relocator.relocate(new CoreRelocation(0, l.top(), l.access().get(path), kind)), path + " " + kind);
                assertEquals(p.originalValue(), p.newValue(), path + " " + kind);
                assertFalse(p.memorySizeUnsafe(), path);
            }
        }
        for (var kind : new CoreRelocation.Kind[]{CoreRelocation.Kind.TYPE_ID_TARGET, CoreRelocation.Kind.TYPE_EXISTS,
                CoreRelocation.Kind.TYPE_SIZE, CoreRelocation.Kind.TYPE_MATCHES}) {
            var p = assertInstanceOf(CoreResult.Patch.class, relocator.relocate(new CoreRelocation(0, l.top(), "0", kind)));
            assertEquals(p.originalValue(), p.newValue(), kind.toString());
        }
    }

    @Property(tries = 200)
    void aShuffledAndPaddedTargetGivesTheTargetsOffsetOfTheSameNamedMember(@ForAll long seed) {
        List<Field> model = model(new Random(seed), 0, "");
        Builder lb = new Builder(null);
        Layout local = lb.build(model);
        Builder tb = new Builder(new Random(~seed));
        Layout target = tb.build(model);
        CoreRelocator relocator = CoreRelocator.of(lb.types.btf(), tb.types.btf());
        for (var path : local.access().keySet()) {
            var p = assertInstanceOf(CoreResult.Patch.class, relocator.relocate(
                    new CoreRelocation(0, local.top(), local.access().get(path), CoreRelocation.Kind.FIELD_BYTE_OFFSET)), path);
            assertEquals((long) local.offsets().get(path), p.originalValue(), "object offset of " + path);
            assertEquals((long) target.offsets().get(path), p.newValue(), "target offset of " + path);
        }
        // Member order and padding do not matter to TYPE_MATCHES.
        var m = assertInstanceOf(CoreResult.Patch.class, relocator.relocate(
                new CoreRelocation(0, local.top(), "0", CoreRelocation.Kind.TYPE_MATCHES)));
        assertEquals(1, m.newValue());
    }

    @Property(tries = 200)
    void typeMatchesOfATypeWithItselfIsOne(@ForAll long seed) {
        Builder b = new Builder(null);
        b.build(model(new Random(seed), 0, ""));
        Btf btf = b.types.btf();
        CoreRelocator relocator = CoreRelocator.of(btf, btf);
        for (int id = 1; id < btf.typeCount(); id++) {
            if (btf.name(id).isEmpty())
                continue; // libbpf cannot relocate anonymous types
            var p = assertInstanceOf(CoreResult.Patch.class,
                    relocator.relocate(new CoreRelocation(0, id, "0", CoreRelocation.Kind.TYPE_MATCHES)));
            assertEquals(1, p.newValue(), btf.type(id).toString());
        }
    }
}
