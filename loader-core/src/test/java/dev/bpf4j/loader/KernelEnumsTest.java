package dev.bpf4j.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntFunction;
import java.util.function.ToIntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel enums carry the uapi numbers and libbpf's names. Checked three ways: a few
 * numbers a reader can verify by eye, the shape of a C enum (dense from 0), and the machine's
 * own copies (the kernel header and, compiled against, the libbpf library).
 */
class KernelEnumsTest {

    private static final Path UAPI_HEADER = Path.of("/usr/include/linux/bpf.h");

    @Test
    void numbersAndNamesThatReadersKnow() {
        assertEquals(0, ProgramType.UNSPEC.number());
        assertEquals("socket_filter", ProgramType.SOCKET_FILTER.libbpfName());
        assertEquals(Optional.of(ProgramType.SCHED_CLS), ProgramType.fromNumber(3));
        assertEquals(Optional.of(ProgramType.XDP), ProgramType.fromNumber(6));
        assertEquals(26, ProgramType.TRACING.number());
        assertEquals(32, ProgramType.NETFILTER.number());

        assertEquals(0, AttachType.CGROUP_INET_INGRESS.number());
        assertEquals("cgroup_inet_ingress", AttachType.CGROUP_INET_INGRESS.libbpfName());
        assertEquals(24, AttachType.TRACE_FENTRY.number());
        assertEquals(37, AttachType.XDP.number());
        assertEquals(46, AttachType.TCX_INGRESS.number());
        assertEquals("tcx_ingress", AttachType.TCX_INGRESS.libbpfName());
        assertEquals(Optional.of(AttachType.NETKIT_PEER), AttachType.fromNumber(55));

        assertEquals(9, MapType.LRU_HASH.number());
        assertEquals("lru_hash", MapType.LRU_HASH.libbpfName());
        assertEquals(27, MapType.RINGBUF.number());
        assertEquals(33, MapType.ARENA.number());
        assertEquals(Optional.of(MapType.ARENA), MapType.fromLibbpfName("arena"));
        assertEquals(Optional.empty(), MapType.fromLibbpfName("ARENA"));
        assertEquals(Optional.empty(), MapType.fromNumber(-1));
    }

    @Test
    void traceMapLivesOutsideTheKernelsRange() {
        assertEquals(0x10000, AttachType.TRACE_MAP.number());
        assertEquals("trace_map", AttachType.TRACE_MAP.libbpfName());
        assertEquals(Optional.of(AttachType.TRACE_MAP), AttachType.fromNumber(0x10000));
        assertEquals(Optional.of(AttachType.TRACE_MAP), AttachType.fromLibbpfName("trace_map"));
        assertTrue(AttachType.TRACE_MAP.emulatorOnly());
        for (AttachType a : AttachType.values())
            if (a != AttachType.TRACE_MAP) {
                assertFalse(a.emulatorOnly(), a::toString);
                assertTrue(a.number() < 256, a::toString);
            }
    }

    /** A C enum without initializers counts 0, 1, 2, ...: a typo in a hand-kept number shows as a gap. */
    @Test
    void kernelEnumsAreDenseFromZeroInDeclarationOrder() {
        assertDense(Arrays.asList(ProgramType.values()), ProgramType::number);
        assertDense(Arrays.stream(AttachType.values()).filter(a -> !a.emulatorOnly()).toList(), AttachType::number);
        assertDense(Arrays.asList(MapType.values()), MapType::number);
    }

    @Test
    void lookupsAreInversesOfTheAccessors() {
        roundTrips(ProgramType.values(), ProgramType::number, ProgramType::fromNumber,
                ProgramType::libbpfName, ProgramType::fromLibbpfName);
        roundTrips(AttachType.values(), AttachType::number, AttachType::fromNumber,
                AttachType::libbpfName, AttachType::fromLibbpfName);
        roundTrips(MapType.values(), MapType::number, MapType::fromNumber,
                MapType::libbpfName, MapType::fromLibbpfName);
    }

    /**
     * Our constant names are the uapi names without their prefix, and libbpf's names are, to
     * this day, those lowercased: a constant under the wrong name shows up here or in the
     * header test below.
     */
    @Test
    void libbpfNamesAreTheConstantNamesLowercased() {
        for (ProgramType t : ProgramType.values())
            assertEquals(t.name().toLowerCase(), t.libbpfName());
        for (MapType t : MapType.values())
            assertEquals(t.name().toLowerCase(), t.libbpfName());
        for (AttachType t : AttachType.values())
            assertEquals(t.name().toLowerCase(), t.libbpfName());
    }

    @Test
    void numbersAgreeWithTheInstalledKernelHeader() throws IOException {
        assumeTrue(Files.isRegularFile(UAPI_HEADER),
                UAPI_HEADER + " is missing (Debian: linux-libc-dev): cannot cross-check enum numbers");
        String header = Files.readString(UAPI_HEADER);

        int checked = 0;
        checked += assertHeaderAgrees(header, "bpf_prog_type", "BPF_PROG_TYPE_", ProgramType::valueOf, ProgramType::number);
        checked += assertHeaderAgrees(header, "bpf_attach_type", "BPF_", AttachType::valueOf, AttachType::number);
        checked += assertHeaderAgrees(header, "bpf_map_type", "BPF_MAP_TYPE_", MapType::valueOf, MapType::number);
        // Linux 6.1's header alone has 32 + 44 + 32 entries; a parse that found few checked little.
        assertTrue(checked > 100, "only " + checked + " enum entries found in " + UAPI_HEADER);

        int maxAttach = parseEnum(header, "bpf_attach_type").values().stream().max(Integer::compare).orElseThrow();
        assertTrue(maxAttach < AttachType.TRACE_MAP_NUMBER);
    }

    @Test
    void namesAgreeWithTheInstalledLibbpf(@TempDir Path dir) throws Exception {
        NativeLibbpfProbe.Answers libbpf = NativeLibbpfProbe.ask(dir, List.of());
        assertNamesAgree("program type", libbpf.programTypeNames(), ProgramType::fromNumber, ProgramType::libbpfName);
        assertNamesAgree("attach type", libbpf.attachTypeNames(), AttachType::fromNumber, AttachType::libbpfName);
        assertNamesAgree("map type", libbpf.mapTypeNames(), MapType::fromNumber, MapType::libbpfName);
        // libbpf 1.1 already names 32 program types, 44 attach types, 32 map types.
        assertTrue(libbpf.programTypeNames().size() >= 30 && libbpf.attachTypeNames().size() >= 40
                && libbpf.mapTypeNames().size() >= 30, "the probe printed too few names: " + libbpf);
    }

    private static <T> void assertNamesAgree(String what, Map<Integer, String> libbpfNames,
                                             IntFunction<Optional<T>> fromNumber, Function<T, String> name) {
        libbpfNames.forEach((number, libbpfName) -> {
            T ours = fromNumber.apply(number)
                    .orElseThrow(() -> new AssertionError(what + " " + number + " (" + libbpfName + ") is missing"));
            assertEquals(libbpfName, name.apply(ours), what + " " + number);
        });
    }

    private static <T> void assertDense(List<T> constants, ToIntFunction<T> number) {
        assertEquals(IntStream.range(0, constants.size()).boxed().toList(),
                constants.stream().map(number::applyAsInt).toList());
    }

    private static <T> void roundTrips(T[] values, ToIntFunction<T> number, IntFunction<Optional<T>> fromNumber,
                                       Function<T, String> name, Function<String, Optional<T>> fromName) {
        for (T v : values) {
            assertEquals(Optional.of(v), fromNumber.apply(number.applyAsInt(v)));
            assertEquals(Optional.of(v), fromName.apply(name.apply(v)));
        }
    }

    /**
     * Asserts that each entry of the header's enum has our number; returns how many it checked.
     * The header may be older than our enums (then we simply have more), never newer in a way
     * that disagrees. {@code _DEPRECATED} spellings are aliases of the undecorated constant.
     */
    private static <T> int assertHeaderAgrees(String header, String enumName, String prefix,
                                              Function<String, T> byName, ToIntFunction<T> number) {
        Map<String, Integer> entries = parseEnum(header, enumName);
        assertFalse(entries.isEmpty(), "enum " + enumName + " not found in " + UAPI_HEADER);
        entries.forEach((cName, value) -> {
            assertTrue(cName.startsWith(prefix), cName);
            String javaName = cName.substring(prefix.length()).replaceFirst("_DEPRECATED$", "");
            T ours;
            try {
                ours = byName.apply(javaName);
            } catch (IllegalArgumentException e) {
                throw new AssertionError(cName + " = " + value + " from " + UAPI_HEADER + " has no constant " + javaName);
            }
            assertEquals(value.intValue(), number.applyAsInt(ours), cName);
        });
        return entries.size();
    }

    /**
     * The entries of {@code enum name { ... };} in a C header, with their values: implicit ones
     * count up from the previous entry, explicit ones are a number or an earlier entry's name.
     * Entries starting with "__" (the __MAX_ sentinels) are left out.
     */
    static Map<String, Integer> parseEnum(String header, String name) {
        int start = header.indexOf("enum " + name + " {");
        if (start < 0)
            return Map.of();
        int end = header.indexOf("};", start);
        String body = header.substring(header.indexOf('{', start) + 1, end)
                .replaceAll("(?s)/\\*.*?\\*/", "")
                .replaceAll("//[^\n]*", "");
        Map<String, Integer> all = new LinkedHashMap<>();
        int next = 0;
        for (String item : body.split(",")) {
            String entry = item.strip();
            if (entry.isEmpty())
                continue;
            int value;
            String entryName;
            int eq = entry.indexOf('=');
            if (eq < 0) {
                entryName = entry;
                value = next;
            } else {
                entryName = entry.substring(0, eq).strip();
                String expr = entry.substring(eq + 1).strip();
                value = all.containsKey(expr) ? all.get(expr) : Integer.decode(expr);
            }
            all.put(entryName, value);
            next = value + 1;
        }
        return all.entrySet().stream().filter(e -> !e.getKey().startsWith("__"))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
    }
}
