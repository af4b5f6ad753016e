package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Test;

/**
 * {@link Btf#idsByEssentialName} returns exactly the types whose essential name (libbpf's
 * {@code bpf_core_essential_name_len}, written out again here on Java strings) is the one asked
 * for: checked against a scan of every type, on names drawn from a tiny alphabet so that
 * flavors, runs of underscores and near misses ({@code a__b}, {@code a____b}, {@code _a___})
 * are common.
 */
class EssentialNameProperties {

    /** The model: cut before the last "X___Y" with X and Y not underscores. */
    static String essential(String name) {
        for (int i = name.length() - 5; i >= 0; i--)
            if (name.charAt(i) != '_' && name.startsWith("___", i + 1) && name.charAt(i + 4) != '_')
                return name.substring(0, i + 1);
        return name;
    }

    @Provide
    Arbitrary<List<String>> names() {
        return Arbitraries.strings().withChars("ab_").ofMinLength(0).ofMaxLength(9).list().ofMinSize(1).ofMaxSize(40);
    }

    @Property(tries = 500)
    void findsExactlyTheTypesWithThatEssentialName(@ForAll("names") List<String> names, @ForAll("queries") String extra) {
        var types = new ArrayList<BtfType>();
        for (int i = 0; i < names.size(); i++) {
            int id = i + 1;
            // Alternate kinds: the lookup is by name only, kinds are the caller's business.
            types.add(i % 2 == 0 ? new BtfType.Struct(id, names.get(i), 4, List.of())
                    : new BtfType.Int(id, names.get(i), 4, 0, 0, 32));
        }
        Btf btf = Btf.parse(BtfBuilder.encode(types, ByteOrder.LITTLE_ENDIAN));
        var queries = new ArrayList<String>();
        for (String n : names) {
            queries.add(n);
            queries.add(essential(n));
        }
        queries.add(extra);
        for (String q : queries) {
            if (q.isEmpty())
                continue; // anonymous types have no name to look up
            int[] expected = IntStream.range(1, btf.typeCount())
                    .filter(id -> !btf.name(id).isEmpty() && essential(btf.name(id)).equals(q)).toArray();
            Statistics.collect(expected.length == 0 ? "none" : IntStream.of(expected).anyMatch(id -> !btf.name(id).equals(q)) ? "flavored" : "exact only");
            assertArrayEquals(expected, btf.idsByEssentialName(q), q);
        }
    }

    @Provide
    Arbitrary<String> queries() {
        return Arbitraries.strings().withChars("ab_").ofMinLength(1).ofMaxLength(6);
    }

    @Test
    void vmlinuxTaskStruct() throws IOException {
        assumeTrue(Files.isReadable(KernelBtf.VMLINUX), "no kernel BTF at " + KernelBtf.VMLINUX);
        Btf vmlinux = Btf.read(KernelBtf.VMLINUX);
        int[] ids = vmlinux.idsByEssentialName("task_struct");
        int struct = vmlinux.findId("task_struct", BtfKind.STRUCT).orElseThrow();
        assertTrue(IntStream.of(ids).anyMatch(id -> id == struct));
        for (int id : ids)
            assertTrue(essential(vmlinux.name(id)).equals("task_struct"), vmlinux.name(id));
    }
}
