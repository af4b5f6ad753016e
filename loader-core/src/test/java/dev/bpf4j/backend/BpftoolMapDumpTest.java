package dev.bpf4j.backend;

import dev.bpf4j.btf.BtfDumper;
import dev.bpf4j.loader.MapKind;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.MapType;
import dev.bpf4j.loader.ObjectSpec;
import dev.bpf4j.loader.SpecReader;
import dev.bpf4j.testdata.TestObjects;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link TypedMap#dump} against the real bpftool: the object is loaded into the kernel with
 * {@code bpftool prog loadall ... pinmaps}, every BTF-typed array and hash map gets entries
 * (all zero, random bytes, "texty" bytes that make char arrays strings and enums small) with
 * {@code bpftool map update}, and both {@code bpftool map dump} and {@code bpftool -j map dump}
 * must equal our output, byte for byte, for the entries bpftool read back, in its order.
 *
 * <p>Needs bpftool, root (bpf(2)) and a bpffs at /sys/fs/bpf; skips with the reason otherwise.
 * Every pin lives under a fresh /sys/fs/bpf/bpf4j-fmt-* directory that is removed afterwards.
 */
class BpftoolMapDumpTest {
    private static final Path BPFFS = Path.of("/sys/fs/bpf");
    private static final Pattern RAW_ENTRY = Pattern.compile("\\{\"key\":\\[([^\\]]*)\\],\"value\":\\[([^\\]]*)\\]");
    private static final HexFormat HEX = HexFormat.of();

    record Run(int exit, String out, String err) {
    }

    private static Run bpftool(String... args) throws IOException, InterruptedException {
        var cmd = new ArrayList<String>();
        cmd.add("bpftool");
        cmd.addAll(List.of(args));
        File err = File.createTempFile("bpf4j-bpftool", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(err).start();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("bpftool " + args[0] + " did not finish in 60 s");
            }
            return new Run(p.exitValue(), out, Files.readString(err.toPath()));
        } finally {
            Files.deleteIfExists(err.toPath());
        }
    }

    private static void assumeKernelAndBpftool() throws InterruptedException {
        try {
            assumeTrue(bpftool("version").exit() == 0, "bpftool does not run");
        } catch (IOException e) {
            assumeTrue(false, "bpftool is not installed (" + e.getMessage() + "): apt-get install bpftool");
        }
        String fs;
        try {
            fs = Files.getFileStore(BPFFS).type();
        } catch (IOException e) {
            fs = "missing";
        }
        assumeTrue(fs.equals("bpf"), "no bpffs mounted at /sys/fs/bpf (found " + fs + "): mount -t bpf bpf /sys/fs/bpf");
    }

    private static byte[] object(String name) throws IOException {
        if (name.equals("btf_values")) {
            try (InputStream in = BpftoolMapDumpTest.class.getResourceAsStream("btf_values.bpfel.o")) {
                return in.readAllBytes();
            }
        }
        if (name.startsWith("selftests/"))
            return TestObjects.selftest(name.substring("selftests/".length()));
        return TestObjects.object(name, TestObjects.Target.BPFEL);
    }

    @ParameterizedTest
    @ValueSource(strings = {"btf_values", "xdp_parser", "globals", "subprogs", "selftests/test_global_data",
            "selftests/test_skeleton", "selftests/for_each_array_map_elem"})
    void dumpsLikeBpftool(String name) throws Exception {
        assumeKernelAndBpftool();
        byte[] bytes = object(name);
        ObjectSpec spec = SpecReader.read(name + ".o", bytes);
        Path dir = BPFFS.resolve("bpf4j-fmt-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        // libbpf names internal maps after the file (xdp_pars.bss), so the file keeps its name.
        Path tmp = Files.createTempDirectory("bpf4j-fmt");
        Path obj = tmp.resolve(name.substring(name.lastIndexOf('/') + 1) + ".o");
        try {
            Files.write(obj, bytes);
            Files.createDirectory(dir);
            Run load = bpftool("prog", "loadall", obj.toString(), dir.resolve("progs").toString(),
                    "pinmaps", dir.resolve("maps").toString());
            assumeTrue(load.exit() == 0, "bpftool could not load " + name + " (no root, or the kernel refuses it): "
                    + load.err());
            int compared = 0;
            for (MapSpec m : spec.maps()) {
                // test_skeleton's 16 MiB .bss would dump as 112 MB of JSON: past BtfDumper's limit.
                if (!isTyped(m) || m.valueSize() > 65536)
                    continue;
                Path pin = dir.resolve("maps").resolve(m.name().replace('.', '_'));
                if (!Files.exists(pin))
                    continue;
                fill(m, pin, spec.byteOrder(), new Random(name.hashCode() * 31L + m.name().hashCode()));
                compare(spec, m, pin);
                compared++;
                System.out.println(name + ": " + m.name() + " dumps as bpftool does");
            }
            assertTrue(compared > 0, "no typed map of " + name + " was compared");
        } finally {
            Files.deleteIfExists(obj);
            Files.deleteIfExists(tmp);
            removePins(dir);
        }
    }

    private static boolean isTyped(MapSpec m) {
        boolean kind = m.type() == MapType.ARRAY || m.type() == MapType.HASH || m.type() == MapType.LRU_HASH;
        return kind && m.valueType() != null && (m.keyType() != null || m.kind() != MapKind.BTF);
    }

    /** Three entries: all zero, random, and bytes that look like text and small numbers. */
    private static void fill(MapSpec m, Path pin, ByteOrder order, Random rnd) throws Exception {
        boolean frozen = m.kind() == MapKind.RODATA || m.kind() == MapKind.KCONFIG;
        // A frozen map's initial contents are what there is to compare; a huge value would not
        // fit on bpftool's command line, and its zeros and initial data are compared still.
        if (frozen || m.valueSize() > 4096)
            return;
        for (int i = 0; i < 3; i++) {
            byte[] key = new byte[m.keySize()];
            if (m.type() == MapType.ARRAY)
                key = MapHandle.encode(i % m.maxEntries(), m.keySize(), order);
            else
                bytes(rnd, key, i);
            byte[] value = new byte[m.valueSize()];
            bytes(rnd, value, i);
            var args = new ArrayList<>(List.of("map", "update", "pinned", pin.toString(), "key", "hex"));
            args.addAll(hex(key));
            args.addAll(List.of("value", "hex"));
            args.addAll(hex(value));
            Run r = bpftool(args.toArray(String[]::new));
            if (r.exit() != 0 && r.err().contains("File exists"))
                continue;
            assertEquals(0, r.exit(), () -> "bpftool map update " + m.name() + ": " + r.err());
        }
    }

    private static void bytes(Random rnd, byte[] b, int style) {
        for (int i = 0; i < b.length; i++) {
            b[i] = switch (style) {
                case 0 -> 0;
                case 1 -> (byte) rnd.nextInt(256);
                default -> {
                    int r = rnd.nextInt(10);
                    yield (byte) (r < 3 ? 0 : r < 9 ? 0x20 + rnd.nextInt(0x5f) : rnd.nextInt(256));
                }
            };
        }
    }

    private static List<String> hex(byte[] b) {
        var out = new ArrayList<String>();
        for (byte x : b)
            out.add(String.format("%02x", x & 0xff));
        return out;
    }

    private static void compare(ObjectSpec spec, MapSpec m, Path pin) throws Exception {
        Run json = bpftool("-j", "map", "dump", "pinned", pin.toString());
        Run text = bpftool("map", "dump", "pinned", pin.toString());
        assertEquals(0, json.exit(), () -> m.name() + ": " + json.err());
        assertEquals(0, text.exit(), () -> m.name() + ": " + text.err());
        var copy = new InMemoryMap(m, spec.byteOrder());
        Matcher e = RAW_ENTRY.matcher(json.out());
        while (e.find())
            copy.update(unquote(e.group(1)), unquote(e.group(2)));
        TypedMap typed = TypedMap.of(copy, spec);
        assertEquals(json.out(), typed.dump(BtfDumper.Style.JSON), m.name() + " (bpftool -j map dump)");
        assertEquals(text.out(), typed.dump(BtfDumper.Style.TEXT), m.name() + " (bpftool map dump)");
    }

    private static byte[] unquote(String hexList) {
        if (hexList.isEmpty())
            return new byte[0];
        var out = new StringBuilder();
        for (String s : hexList.split(","))
            out.append(s.replace("\"", "").substring(2));
        return HEX.parseHex(out);
    }

    private static void removePins(Path dir) throws IOException {
        if (!Files.exists(dir))
            return;
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList())
                Files.deleteIfExists(p);
        }
    }
}
