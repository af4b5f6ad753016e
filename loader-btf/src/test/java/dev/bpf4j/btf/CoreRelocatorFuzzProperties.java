package dev.bpf4j.btf;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.ByteOrder;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * Whatever the types and records (random type graphs of every kind, random access strings,
 * kinds and type ids, valid or not), relocation gives a result or a {@link CoreRelocationException}:
 * never an IndexOutOfBounds, ClassCast or other unchecked failure.
 */
class CoreRelocatorFuzzProperties {

    @Provide
    Arbitrary<List<BtfType>> graphs() {
        return TypeGraphs.graphs(12);
    }

    @Provide
    Arbitrary<String> accessStrings() {
        Arbitrary<String> valid = Arbitraries.integers().between(0, 4).list().ofMinSize(1).ofMaxSize(6)
                .map(l -> String.join(":", l.stream().map(String::valueOf).toList()));
        Arbitrary<String> garbage = Arbitraries.strings().withChars("0123:x-").ofMaxLength(8);
        return Arbitraries.oneOf(valid, valid, garbage);
    }

    @Property(tries = 300)
    void onlyTypedExceptionsEscape(@ForAll("graphs") List<BtfType> local, @ForAll("graphs") List<BtfType> target,
                                   @ForAll("accessStrings") String access, @ForAll int kind, @ForAll int typeIdSeed) {
        Btf l = Btf.parse(BtfEncoder.encode(local, ByteOrder.LITTLE_ENDIAN));
        Btf t = Btf.parse(BtfEncoder.encode(target, ByteOrder.BIG_ENDIAN));
        CoreRelocator relocator = CoreRelocator.of(l, t);
        CoreRelocation.Kind k = CoreRelocation.Kind.values()[Math.floorMod(kind, CoreRelocation.Kind.values().length)];
        int typeId = Math.floorMod(typeIdSeed, l.typeCount() + 2);
        try {
            assertNotNull(relocator.relocate(new CoreRelocation(0, typeId, access, k)));
        } catch (CoreRelocationException expected) {
            assertNotNull(expected.getMessage());
        }
    }

    @Property(tries = 200)
    void everyTypeRelocatesAgainstItselfOrFailsTyped(@ForAll("graphs") List<BtfType> types) {
        Btf btf = Btf.parse(BtfEncoder.encode(types, ByteOrder.LITTLE_ENDIAN));
        CoreRelocator relocator = CoreRelocator.of(btf, btf);
        for (int id = 1; id < btf.typeCount(); id++)
            for (CoreRelocation.Kind k : CoreRelocation.Kind.values())
                for (String access : List.of("0", "0:0", "0:1:0"))
                    try {
                        relocator.relocate(new CoreRelocation(0, id, access, k));
                    } catch (CoreRelocationException expected) {
                        assertNotNull(expected.getMessage());
                    }
    }
}
