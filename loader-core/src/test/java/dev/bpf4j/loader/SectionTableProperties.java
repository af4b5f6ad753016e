package dev.bpf4j.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpf4j.loader.SectionTable.MapTraceTarget;
import dev.bpf4j.loader.SectionTable.MapTraceTarget.Operation;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.NotEmpty;

/** The laws of the section table, tried on names near every entry and on arbitrary text. */
class SectionTableProperties {

    @Property
    void matchIsTotalAndTheFirstMatchingEntryWins(@ForAll("sectionNames") String section) {
        Optional<SectionTable.Match> m = SectionTable.match(section);
        String name = section.startsWith("?") ? section.substring(1) : section;
        List<SectionDef> defs = SectionTable.definitions();
        int first = -1;
        for (int i = 0; i < defs.size() && first < 0; i++)
            if (defs.get(i).matches(name))
                first = i;
        if (first < 0) {
            assertEquals(Optional.empty(), m);
        } else {
            assertEquals(defs.get(first), m.orElseThrow().def());
            assertEquals(name, m.orElseThrow().sectionName());
            assertEquals(!section.startsWith("?"), m.orElseThrow().autoload());
        }
    }

    @Property
    void aLeadingQuestionMarkOnlyTurnsAutoloadOff(@ForAll("sectionNames") String section) {
        Assume.that(!section.startsWith("?"));
        Optional<SectionTable.Match> plain = SectionTable.match(section);
        Optional<SectionTable.Match> optional = SectionTable.match("?" + section);
        assertEquals(plain.map(m -> new SectionTable.Match(m.sectionName(), m.def(), false, m.attachTarget())), optional);
        plain.ifPresent(m -> assertTrue(m.autoload()));
    }

    /** No other entry takes "name" or "name/anything" from a "name+" entry, and the target is the rest. */
    @Property
    void everyPlusEntryOwnsItsNameAndEverythingUnderIt(@ForAll("plusEntries") SectionDef def, @ForAll String target) {
        String stem = def.pattern().substring(0, def.pattern().length() - 1);
        SectionTable.Match withTarget = SectionTable.match(stem + "/" + target).orElseThrow();
        assertEquals(def, withTarget.def());
        assertEquals(target, withTarget.attachTarget());
        // libbpf reads a BTF target as "the text after the first '/'"; ours must be that text.
        assertEquals((stem + "/" + target).substring(stem.length() + 1), withTarget.attachTarget());

        SectionTable.Match bare = SectionTable.match(stem).orElseThrow();
        assertEquals(def, bare.def());
        assertNull(bare.attachTarget());
    }

    @Property
    void anExactEntryMatchesItsNameAndNothingLonger(@ForAll("exactEntries") SectionDef def,
                                                    @ForAll @NotEmpty String more) {
        SectionTable.Match m = SectionTable.match(def.pattern()).orElseThrow();
        assertEquals(def, m.def());
        assertNull(m.attachTarget());
        assertFalse(def.matches(def.pattern() + more));
        assertNotEquals(Optional.of(def), SectionTable.match(def.pattern() + more).map(SectionTable.Match::def));
    }

    @Property
    void mapTraceSectionsRoundTrip(@ForAll("mapNames") String map, @ForAll Operation op, @ForAll boolean optional) {
        String section = (optional ? "?" : "") + SectionTable.MAP_TRACE_PREFIX + map + "/" + op.name();
        assertEquals(Optional.of(new MapTraceTarget(map, op)), SectionTable.mapTrace(section));
        SectionTable.Match m = SectionTable.match(section).orElseThrow();
        assertEquals(AttachType.TRACE_MAP, m.def().expectedAttachType().orElseThrow());
        assertEquals(map + "/" + op.name(), m.attachTarget());
        assertEquals(!optional, m.autoload());
    }

    /** Any text after map_trace/ is either a target or an IllegalArgumentException naming the section. */
    @Property
    void mapTraceAnswersOrRefusesNeverAnythingElse(@ForAll("mapTraceTails") String tail) {
        String section = SectionTable.MAP_TRACE_PREFIX + tail;
        try {
            MapTraceTarget t = SectionTable.mapTrace(section).orElseThrow();
            assertEquals(section, SectionTable.MAP_TRACE_PREFIX + t.mapName() + "/" + t.op().name());
        } catch (IllegalArgumentException e) {
            assertTrue(e.getMessage().startsWith("section '" + section + "': "), e.getMessage());
        }
    }

    @Property
    void otherSectionsAreNotMapTraceSections(@ForAll("sectionNames") String section) {
        String name = section.startsWith("?") ? section.substring(1) : section;
        Assume.that(!name.startsWith(SectionTable.MAP_TRACE_PREFIX));
        assertEquals(Optional.empty(), SectionTable.mapTrace(section));
    }

    @Provide
    Arbitrary<SectionDef> plusEntries() {
        return Arbitraries.of(SectionTable.definitions().stream().filter(SectionDef::isOptionalTarget).toList());
    }

    @Provide
    Arbitrary<SectionDef> exactEntries() {
        return Arbitraries.of(SectionTable.definitions().stream()
                .filter(d -> !d.isOptionalTarget() && !d.isPrefix()).toList());
    }

    @Provide
    Arbitrary<String> mapNames() {
        return Arbitraries.strings().ofMinLength(1).ofMaxLength(20)
                .withCharRange('a', 'z').withChars('_', '.', '0', '9', 'A', 'Z');
    }

    @Provide
    Arbitrary<String> mapTraceTails() {
        Arbitrary<String> pieces = Arbitraries.oneOf(mapNames(), Arbitraries.of("/", "", "UPDATE_ELEM", "DELETE_ELEM",
                "update_elem", "FROB", "/UPDATE_ELEM", "/DELETE_ELEM"));
        return pieces.list().ofMaxSize(4).map(l -> String.join("", l));
    }

    /**
     * Names close to the table (an entry's stem, with or without '/', a target, a stray suffix,
     * an optional '?') mixed with arbitrary text, so that the laws meet every entry.
     */
    @Provide
    Arbitrary<String> sectionNames() {
        Arbitrary<String> stems = Arbitraries.of(SectionTable.definitions().stream()
                .map(d -> d.isOptionalTarget() ? d.pattern().substring(0, d.pattern().length() - 1) : d.pattern())
                .toList());
        Arbitrary<String> tails = Arbitraries.of("", "/", "/x", "/do_unlinkat", "x", ".s", ".multi/x", "/UPDATE_ELEM",
                "counters/DELETE_ELEM", "+");
        Arbitrary<String> near = Combinators.combine(Arbitraries.of("", "?"), stems, tails).as((q, s, t) -> q + s + t);
        return Arbitraries.oneOf(near, near, Arbitraries.strings().ofMaxLength(24));
    }
}
