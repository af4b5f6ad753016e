package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.List;
import java.util.OptionalInt;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** {@link Btf#findId} is the first id of that name and kind, as a scan of all types finds it. */
class FindIdProperties {

    @Provide
    Arbitrary<List<BtfType>> graphs() {
        return TypeGraphs.graphs(24);
    }

    @Property(tries = 300)
    void findIdIsTheFirstMatchOfAScan(@ForAll("graphs") List<BtfType> graph) {
        Btf btf = Btf.parse(BtfEncoder.encode(graph, ByteOrder.BIG_ENDIAN));
        for (BtfType t : graph)
            for (BtfKind kind : BtfKind.values())
                assertEquals(scan(btf, t.name(), kind), btf.findId(t.name(), kind), t.name() + " " + kind);
        assertEquals(OptionalInt.empty(), btf.findId("no such name", BtfKind.STRUCT));
    }

    private static OptionalInt scan(Btf btf, String name, BtfKind kind) {
        if (name.isEmpty())
            return OptionalInt.empty();
        for (int id = 1; id < btf.typeCount(); id++)
            if (btf.kind(id) == kind && btf.name(id).equals(name))
                return OptionalInt.of(id);
        return OptionalInt.empty();
    }

    /** The in-place hash of the index equals the hash of a looked-up name, at every length and alignment. */
    @Property(tries = 1000)
    void hashInPlaceEqualsHashOfTheBytes(@ForAll("names") byte[] name, @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 9) int pad,
                                         @ForAll @net.jqwik.api.constraints.IntRange(min = 0, max = 12) int tail) {
        // pad bytes before, the name and its NUL, then tail more NUL-terminated junk (or nothing: the section end)
        byte[] section = new byte[1 + pad + name.length + 1 + tail + 1];
        for (int i = 1; i <= pad; i++)
            section[i] = 'p';
        System.arraycopy(name, 0, section, 1 + pad, name.length);
        for (int i = 0; i < tail; i++)
            section[2 + pad + name.length + i] = 'x';
        var strings = new StringTable(java.nio.ByteBuffer.wrap(section), 0, section.length);
        assertEquals(StringTable.hash(name), strings.hashAt(1 + pad));
        assertEquals(true, strings.equalsAt(1 + pad, name));
    }

    @Provide
    Arbitrary<byte[]> names() {
        return net.jqwik.api.Arbitraries.bytes().filter(b -> b != 0).list().ofMaxSize(40).map(l -> {
            byte[] b = new byte[l.size()];
            for (int i = 0; i < b.length; i++)
                b[i] = l.get(i);
            return b;
        });
    }

    /** Names of every length (the hash reads eight bytes at a time) in the kernel's BTF. */
    @Example
    void everyNamedVmlinuxTypeIsFoundByNameAndKind() throws IOException {
        assumeTrue(Files.isReadable(KernelBtf.VMLINUX), "no kernel BTF at " + KernelBtf.VMLINUX);
        Btf btf = Btf.read(KernelBtf.VMLINUX);
        for (int id = 1; id < btf.typeCount(); id++) {
            String name = btf.name(id);
            if (name.isEmpty())
                continue;
            int found = btf.findId(name, btf.kind(id)).orElseThrow();
            assertEquals(true, found <= id, name);
            assertEquals(name, btf.name(found));
            assertEquals(btf.kind(id), btf.kind(found));
        }
    }
}
