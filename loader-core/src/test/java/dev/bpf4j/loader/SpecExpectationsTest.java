package dev.bpf4j.loader;

import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The spec of every testdata object lists exactly the programs, maps and variables that its C
 * source declares, as written down by hand in {@code testdata/expected/NAME.txt}, for both
 * endiannesses.
 */
class SpecExpectationsTest {

    static Stream<Arguments> objects() {
        return TestObjects.names().stream()
                .flatMap(n -> Stream.of(Target.values()).map(t -> Arguments.of(n, t)));
    }

    @ParameterizedTest(name = "{0} ({1})")
    @MethodSource("objects")
    void specMatchesHandWrittenExpectations(String name, Target target) {
        ObjectSpec spec = SpecReader.read(name + ".o", TestObjects.object(name, target));
        List<String> expected = TestObjects.expected(name).lines()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();

        assertEquals(lines(expected, "prog"), new TreeSet<>(spec.programs().stream().map(SpecExpectationsTest::prog).toList()), name + " programs");
        assertEquals(lines(expected, "map"), new TreeSet<>(spec.maps().stream().map(SpecExpectationsTest::map).toList()), name + " maps");
        assertEquals(lines(expected, "var"), new TreeSet<>(spec.variables().stream().map(v -> "var " + v.name() + " " + v.section() + " " + v.size()).toList()), name + " variables");
    }

    @Test
    void everyObjectHasAnExpectationFileAndSomeContent() {
        List<String> names = TestObjects.names();
        assertFalse(names.isEmpty());
        for (String n : names)
            assertFalse(TestObjects.expected(n).lines().noneMatch(l -> l.startsWith("prog ") || l.startsWith("map ")), n);
    }

    private static TreeSet<String> lines(List<String> all, String kind) {
        TreeSet<String> out = new TreeSet<>();
        for (String l : all)
            if (l.startsWith(kind + " "))
                out.add(normalise(l));
        return out;
    }

    /** Collapses runs of spaces and sorts the optional key=value attributes of map lines. */
    private static String normalise(String line) {
        List<String> words = new ArrayList<>(List.of(line.split("\\s+")));
        if (!words.get(0).equals("map") || words.size() <= 7)
            return String.join(" ", words);
        List<String> head = new ArrayList<>(words.subList(0, 7));
        head.addAll(new TreeSet<>(words.subList(7, words.size())));
        return String.join(" ", head);
    }

    private static String prog(ProgramSpec p) {
        return "prog " + p.name() + " " + p.sectionName() + " " + p.type().libbpfName() + " "
                + p.expectedAttachType().map(AttachType::libbpfName).orElse("-") + " " + p.autoload();
    }

    private static String map(MapSpec m) {
        List<String> words = new ArrayList<>(List.of("map", m.name(), m.type().libbpfName(),
                Integer.toUnsignedString(m.keySize()), Integer.toUnsignedString(m.valueSize()),
                Integer.toUnsignedString(m.maxEntries()), Integer.toUnsignedString(m.flags())));
        TreeSet<String> attrs = new TreeSet<>();
        if (m.pinning() != Pinning.NONE)
            attrs.add("pinning=" + m.pinning().name().toLowerCase());
        if (m.numaNode() != 0 || (m.flags() & 4) != 0) // BPF_F_NUMA_NODE makes numa_node meaningful, even 0
            attrs.add("numa_node=" + m.numaNode());
        if (m.mapExtra() != 0)
            attrs.add("map_extra=" + m.mapExtra());
        Optional.ofNullable(m.innerMap()).ifPresent(i -> attrs.add("inner=" + i.type().libbpfName() + "," + i.keySize() + ","
                + i.valueSize() + "," + i.maxEntries() + "," + i.flags()));
        if (!m.initialSlots().isEmpty())
            attrs.add("values=" + String.join(",", m.initialSlots().stream()
                    .sorted((a, b) -> Integer.compare(a.index(), b.index()))
                    .map(s -> s.index() + ":" + s.target()).toList()));
        words.addAll(attrs);
        return String.join(" ", words);
    }
}
