package dev.bpf4j.loader;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** libbpf's internal map names (LIBBPF-FACTS.md, "Internal maps for global data"). */
class InternalMapNameTest {

    @ParameterizedTest
    @CsvSource({
            "globals.o, .rodata, globals.rodata",
            "packet.o, .bss, packet.bss",
            "my_object.o, .rodata, my_objec.rodata",
            "anything.o, .rodata.str1.1, .rodata.str1.1",
            "anything.o, .data.xyz, .data.xyz",
            "kconfig.o, .kconfig, kconfig.kconfig",
            "xdp_parser.o, .rodata, xdp_pars.rodata",
            "my-prog.bpf.o, .data, my-prog.data",
            "/some/dir/a.o, .data, a.data",
            "x.o, .rodata.a_very_long_section_name, .rodata.a_very_",
            "averyveryverylongobjectname.o, .bss, averyver.bss",
    })
    void namesLikeLibbpf(String file, String section, String expectedRaw) {
        String expected = expectedRaw.replace('-', '_');
        assertEquals(expected, InternalMaps.name(InternalMaps.objectName(file), section));
    }

    @ParameterizedTest
    @CsvSource({
            "test_skeleton.o, .data.read_mostly, DATA, .data.read_mostly, .data.read_most",
            "test_skeleton.o, .rodata.const_data, RODATA, .rodata.const_data, .rodata.const_d",
            "globals.o, .data.xyz, DATA, .data.xyz, .data.xyz",
            "globals.o, .rodata, RODATA, globals.rodata, globals.rodata",
            "my_object.o, .data, DATA, my_objec.data, my_objec.data",
            "x.o, .bss.a_very_long_bss_name, BSS, .bss.a_very_lon, .bss.a_very_lon",
            "x.o, .data.bad-char, DATA, .data.bad-char, .data.bad_char",
    })
    void customDataMapsKeepTheirSectionNameForUsersButNotForTheKernel(String file, String section, MapKind kind,
                                                                      String user, String kernel) {
        String name = InternalMaps.userName(InternalMaps.objectName(file), section, kind);
        assertEquals(user, name);
        MapSpec m = new MapSpec(name, kind, MapType.ARRAY, 4, 8, 1, 0, 0, Pinning.NONE, 0, section, 0, null, null, null, null, java.util.List.of());
        assertEquals(kernel, m.kernelName());
    }

    @Provide
    Arbitrary<String> objectNames() {
        return Arbitraries.strings().withChars("abcxyz_-.0129").ofMinLength(1).ofMaxLength(30);
    }

    @Provide
    Arbitrary<String> sectionNames() {
        return Arbitraries.oneOf(
                Arbitraries.of(".data", ".rodata", ".bss", ".kconfig"),
                Arbitraries.strings().withChars("abcz_.-0129").ofMaxLength(20).map(s -> ".data." + s),
                Arbitraries.strings().withChars("abcz_0129").ofMaxLength(20).map(s -> ".rodata" + s));
    }

    @Property
    void namesFitTheKernelAndUseOnlyAllowedCharacters(@ForAll("objectNames") String file, @ForAll("sectionNames") String section) {
        String name = InternalMaps.name(InternalMaps.objectName(file), section);
        assertTrue(name.length() <= 15, name);
        assertTrue(name.chars().allMatch(c -> Character.isLetterOrDigit(c) && c < 128 || c == '_' || c == '.'), name);
    }

    @Property
    void theSectionNameSurvivesUpToFifteenCharacters(@ForAll("objectNames") String file, @ForAll("sectionNames") String section) {
        String name = InternalMaps.name(InternalMaps.objectName(file), section);
        String sanitised = section.replaceAll("[^A-Za-z0-9_.]", "_");
        String kept = sanitised.substring(0, Math.min(15, sanitised.length()));
        assertTrue(name.endsWith(kept) || section.length() < 7 && name.endsWith(sanitised), name + " <- " + section);
        boolean custom = section.indexOf('.', 1) >= 0;
        if (custom)
            assertEquals(kept, name, "a section with a second dot gets no prefix");
    }
}
