package dev.bpf4j.loader;

import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.ElfReader;
import dev.bpf4j.elf.ElfWriter;
import dev.bpf4j.elf.Relocation;
import dev.bpf4j.elf.Section;
import dev.bpf4j.elf.Symbol;
import dev.bpf4j.testdata.LibbpfTool;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Objects written by bpf4j are accepted by the tools that read BPF objects: llvm-readelf and
 * llvm-objdump (no complaint, and apart from the data changed, the same report as for the
 * input), and libbpf, which also sees the new initial values of the internal maps. Each test
 * is skipped, with the reason, when its tool is missing; CI installs them (.ci/run).
 */
class ObjectTemplateToolsTest {
    @TempDir
    Path dir;

    record Out(int exit, String stdout, String stderr) {
    }

    /** Runs a tool from PATH; skips the test when it is not installed. */
    static Out tool(String... command) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder(command).start();
        } catch (IOException e) {
            assumeTrue(false, command[0] + " is not installed (" + e.getMessage() + "): cannot check bpf4j's output with it");
            throw e;
        }
        p.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(command[0] + " did not finish in 60 s");
        }
        return new Out(p.exitValue(), out.join(), err.join());
    }

    private static String read(java.io.InputStream in) {
        try {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Values that differ from the compiled-in ones in every kind of data section and type. */
    static ObjectTemplate configured(String name, Target target) {
        ObjectTemplate t = ObjectTemplateTest.template(name, target);
        ByteOrder o = ObjectTemplateTest.order(target);
        if (name.equals("globals")) {
            t.variable("max_packets").set(5000);
            t.variable("tag").set("hello");
            t.variable("limits").set(ByteBuffer.allocate(8).order(o).putInt(20).putInt(9000).array());
            t.variable("debug_level").set(7);
            t.variable("custom_static").set(9);
            t.variable("counter").set(-5);
        } else {
            t.variable("blocked_udp_port").set(53);
            t.variable("drop_malformed").set(1);
        }
        return t;
    }

    private Path write(String subdir, String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(subdir).resolve(name);
        Files.createDirectories(p.getParent());
        Files.write(p, bytes);
        return p;
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void llvmReportsTheRewrittenObjectAsTheInputSaveForTheData(Target target) throws Exception {
        for (String name : List.of("globals", "xdp_parser")) {
            ObjectTemplate t = configured(name, target);
            Path in = write("in", name + ".o", TestObjects.object(name, target));
            Path out = write("out", name + ".o", t.toBytes());

            Out readelf = tool("llvm-readelf", "-a", out.toString());
            assertEquals(0, readelf.exit(), readelf.stderr());
            assertEquals("", readelf.stderr(), "llvm-readelf warnings");
            assertEquals(tool("llvm-readelf", "-a", in.toString()).stdout(), readelf.stdout(),
                    "headers, symbols and relocations are unchanged");

            Out objdump = tool("llvm-objdump", "-d", out.toString());
            assertEquals(0, objdump.exit(), objdump.stderr());
            assertEquals("", objdump.stderr(), "llvm-objdump warnings");
            assertTrue(objdump.stdout().contains("exit"), objdump.stdout());
            assertEquals(tool("llvm-objdump", "-d", in.toString()).stdout().replace(in.toString(), "FILE"),
                    objdump.stdout().replace(out.toString(), "FILE"), "the programs are unchanged");

            // llvm-readelf's own hex dump of the data sections shows the new values.
            ObjectSpec spec = t.spec();
            for (MapSpec m : spec.maps())
                if (m.initialData() != null && m.kind() != MapKind.KCONFIG)
                    assertEquals(HexFormat.of().formatHex(m.initialData()), hexDump(out, m.sectionName(), m.valueSize()), m.name());
        }
    }

    /** The section's bytes from {@code llvm-readelf -x}: groups of up to 8 hex digits after each address. */
    private static String hexDump(Path file, String section, int size) throws Exception {
        Out r = tool("llvm-readelf", "-x", section, file.toString());
        assertEquals(0, r.exit(), r.stderr());
        StringBuilder hex = new StringBuilder();
        for (String line : r.stdout().lines().filter(l -> l.startsWith("0x")).toList()) {
            String[] words = line.split("\\s+");
            for (int i = 1; i < words.length && i <= 4 && hex.length() < size * 2; i++)
                hex.append(words[i]);
        }
        return hex.toString();
    }

    private Path libbpfInspect() throws Exception {
        String source = new String(TestObjects.resource("tools/libbpf_inspect.c"), StandardCharsets.UTF_8);
        return LibbpfTool.build(dir, "libbpf_inspect", source);
    }

    /** libbpf opens only objects of the host's byte order ("Endian mismatch" otherwise). */
    private static Target nativeTarget() {
        return ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? Target.BPFEL : Target.BPFEB;
    }

    /** {@code initial <map> <size> <hex>} lines by map name. */
    private static Map<String, String> initialValues(String inspectOutput) {
        Map<String, String> out = new LinkedHashMap<>();
        inspectOutput.lines().filter(l -> l.startsWith("initial\t")).map(l -> l.split("\t", -1))
                .forEach(w -> out.put(w[1], w[3]));
        return out;
    }

    private static List<String> otherLines(String inspectOutput) {
        return inspectOutput.lines().filter(l -> !l.startsWith("initial\t")).toList();
    }

    @Test
    void libbpfStartsTheInternalMapsWithTheNewValues() throws Exception {
        Path inspect = libbpfInspect();
        Target target = nativeTarget();
        for (String name : List.of("globals", "xdp_parser")) {
            ObjectTemplate t = configured(name, target);
            Path in = write("in", name + ".o", TestObjects.object(name, target));
            Path out = write("out", name + ".o", t.toBytes());
            LibbpfTool.Result before = LibbpfTool.run(inspect, "", "--vars", "--initial", in.toString());
            LibbpfTool.Result after = LibbpfTool.run(inspect, "", "--vars", "--initial", out.toString());
            assertEquals(0, after.exitCode(), after.stderr());
            assertEquals(otherLines(before.stdout()), otherLines(after.stdout()), "programs, maps and variables as before");

            ObjectSpec spec = t.spec();
            Map<String, String> libbpf = initialValues(after.stdout());
            for (MapSpec m : spec.maps()) {
                if (m.kind() != MapKind.DATA && m.kind() != MapKind.RODATA && m.kind() != MapKind.BSS)
                    continue;
                byte[] ours = m.initialData() == null ? new byte[m.valueSize()] : m.initialData();
                assertEquals(HexFormat.of().formatHex(ours), libbpf.get(m.name()), name + ": " + m.name());
            }
            assertFalse(initialValues(before.stdout()).equals(libbpf), "the values did change");
        }
        // One value spelled out, independently of our own spec reader.
        ObjectTemplate xdp = configured("xdp_parser", target);
        LibbpfTool.Result r = LibbpfTool.run(inspect, "", "--initial", write("x", "xdp_parser.o", xdp.toBytes()).toString());
        String port = target == Target.BPFEL ? "3500" : "0035";
        assertEquals(port + "01", initialValues(r.stdout()).get("xdp_pars.rodata"));
    }

    @Test
    void libbpfOpensAnObjectBuiltFromScratch() throws Exception {
        Path inspect = libbpfInspect();
        ByteOrder order = ByteOrder.nativeOrder();
        ObjectTemplate t = ObjectTemplate.of(SpecReader.read(TypedGlobals.FILE, TypedGlobals.object(order)));
        t.variable("mode").set("MODE_AUTO");
        t.variable("name").set("lo");
        Path file = write("built", TypedGlobals.FILE, t.toBytes());

        LibbpfTool.Result r = LibbpfTool.run(inspect, "", "--vars", "--initial", file.toString());
        assertEquals(0, r.exitCode(), r.stderr());
        List<String> vars = r.stdout().lines().filter(l -> l.startsWith("var\t")).toList();
        List<String> ours = t.spec().variables().stream()
                .map(v -> String.join("\t", "var", v.name(), v.section(), Long.toString(v.offset()), Long.toString(v.size()),
                        v.global() ? "global" : "static"))
                .toList();
        assertEquals(ours, vars);
        assertEquals(HexFormat.of().formatHex(t.spec().map("typed.data").orElseThrow().initialData()),
                initialValues(r.stdout()).get("typed.data"));
    }

    @Test
    void llvmReadsAnObjectBuiltFromScratch() throws Exception {
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        // r1 = .data + 0 ll; r0 = *(u32 *)(r1 + 0); exit
        ByteBuffer code = ByteBuffer.allocate(32).order(order);
        code.put(0, (byte) 0x18).put(1, (byte) 0x01);
        code.put(16, (byte) 0x61).put(17, (byte) 0x10);
        code.put(24, (byte) 0x95);
        ElfWriter w = ElfWriter.create(order);
        int text = w.addSection("xdp", Section.SHT_PROGBITS).flags(Section.SHF_ALLOC | Section.SHF_EXECINSTR).align(8)
                .contents(code.array()).index();
        int data = w.addSection(".data", Section.SHT_PROGBITS).flags(Section.SHF_ALLOC | Section.SHF_WRITE).align(4)
                .contents(new byte[]{5, 0, 0, 0}).index();
        w.addSection("license", Section.SHT_PROGBITS).flags(Section.SHF_ALLOC | Section.SHF_WRITE).contents("GPL\0".getBytes(StandardCharsets.US_ASCII));
        int dataSym = w.addSymbol("", 0, 0, Symbol.STB_LOCAL << 4 | Symbol.STT_SECTION, 0, data);
        w.addSymbol("prog", 0, 32, Symbol.STB_GLOBAL << 4 | Symbol.STT_FUNC, 0, text);
        w.addRelocations(text, List.of(new Relocation(0, dataSym, 1 /* R_BPF_64_64 */)));
        Path file = write("built", "prog.o", w.write());

        Out readelf = tool("llvm-readelf", "-a", file.toString());
        assertEquals(0, readelf.exit(), readelf.stderr());
        assertEquals("", readelf.stderr(), "llvm-readelf warnings");
        assertTrue(readelf.stdout().contains("R_BPF_64_64"), readelf.stdout());
        Out objdump = tool("llvm-objdump", "-d", "-r", file.toString());
        assertEquals(0, objdump.exit(), objdump.stderr());
        assertEquals("", objdump.stderr(), "llvm-objdump warnings");
        List<String> lines = new ArrayList<>(objdump.stdout().lines().map(String::strip).toList());
        assertTrue(lines.contains("<prog>:") || lines.stream().anyMatch(l -> l.endsWith("<prog>:")), objdump.stdout());
        assertTrue(lines.stream().anyMatch(l -> l.contains("R_BPF_64_64") && l.contains(".data")), objdump.stdout());
        assertTrue(lines.stream().anyMatch(l -> l.endsWith("exit")), objdump.stdout());
        ElfFile back = ElfReader.read("prog.o", Files.readAllBytes(file));
        assertArrayEquals(code.array(), back.bytes(back.section(text)));
    }
}
