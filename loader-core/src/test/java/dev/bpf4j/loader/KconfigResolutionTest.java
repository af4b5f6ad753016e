package dev.bpf4j.loader;

import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kconfig.o's externs resolved into its .kconfig map. The layout comes from the hand-written
 * expectations (testdata/expected/kconfig.txt): CONFIG_NR_CPUS at 0 (8 bytes),
 * CONFIG_BPF_JIT_ALWAYS_ON 8 (tristate), CONFIG_HZ 12, LINUX_KERNEL_VERSION 16,
 * CONFIG_BPF_SYSCALL 20 (bool), CONFIG_DEFAULT_HOSTNAME 21..36.
 */
class KconfigResolutionTest {
    private static final int VERSION = KernelConfig.version(6, 1, 300);

    private static ByteBuffer kconfig(Target target, String config) {
        ObjectSpec spec = SpecReader.read("kconfig.o", TestObjects.object("kconfig", target));
        LoadPlan plan = Linker.link(spec, new LinkOptions(KernelConfig.parse(config, VERSION)));
        byte[] data = plan.map("kconfig.kconfig").orElseThrow().initialData();
        assertEquals(37, data.length);
        return ByteBuffer.wrap(data).order(target == Target.BPFEL ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
    }

    @ParameterizedTest
    @EnumSource(Target.class)
    void valuesLandAtLibbpfsOffsetsInTheObjectsByteOrder(Target target) {
        ByteBuffer b = kconfig(target, """
                # CONFIG_UNRELATED is not set
                CONFIG_BPF_SYSCALL=y
                CONFIG_HZ=250
                CONFIG_NR_CPUS=0x2000
                CONFIG_BPF_JIT_ALWAYS_ON=m
                CONFIG_DEFAULT_HOSTNAME="a-rather-long-hostname"
                """);
        assertEquals(0x2000L, b.getLong(0));
        assertEquals(2, b.getInt(8), "tristate m is TRI_MODULE = 2");
        assertEquals(250, b.getInt(12));
        assertEquals(KernelConfig.version(6, 1, 255), b.getInt(16), "KERNEL_VERSION saturates the patch level at 255");
        assertEquals(1, b.get(20));
        byte[] host = new byte[16];
        b.get(21, host);
        assertEquals("a-rather-long-h\0", new String(host, StandardCharsets.US_ASCII), "truncated to 15 characters plus NUL");
    }

    @Test
    void weakExternsLeftUnsetReadZero() {
        ByteBuffer b = kconfig(Target.BPFEL, "CONFIG_BPF_SYSCALL=n\n");
        byte[] expected = new byte[37];
        ByteBuffer.wrap(expected).order(ByteOrder.LITTLE_ENDIAN).putInt(16, KernelConfig.version(6, 1, 255));
        assertArrayEquals(expected, b.array());
    }

    @Test
    void strongExternMissingIsAClearError() {
        ObjectSpec spec = SpecReader.read("kconfig.o", TestObjects.object("kconfig", Target.BPFEL));
        String m = assertThrows(LinkException.class,
                () -> Linker.link(spec, new LinkOptions(KernelConfig.parse("CONFIG_HZ=100\n", VERSION)))).getMessage();
        assertTrue(m.contains("kconfig.o") && m.contains("'CONFIG_BPF_SYSCALL' (strong): not resolved"), m);
    }

    @Test
    void valuesOfTheWrongKindAreRejected() {
        assertRejected("CONFIG_BPF_SYSCALL=m\n", "'CONFIG_BPF_SYSCALL': value 'm' implies tristate or char type");
        assertRejected("CONFIG_BPF_SYSCALL=y\nCONFIG_HZ=y\n", "'CONFIG_HZ': value 'y' implies bool, tristate, or char type");
        assertRejected("CONFIG_BPF_SYSCALL=y\nCONFIG_HZ=\"x\"\n", "'CONFIG_HZ': value '\"x\"' implies char array type");
        assertRejected("CONFIG_BPF_SYSCALL=y\nCONFIG_HZ=4294967296\n", "'CONFIG_HZ': value '4294967296' doesn't fit in 4 bytes");
        assertRejected("CONFIG_BPF_SYSCALL=y\nCONFIG_HZ=12abc\n", "'CONFIG_HZ': value '12abc' isn't a valid integer");
        assertRejected("CONFIG_BPF_SYSCALL=y\nCONFIG_BROKEN\n", "failed to parse 'CONFIG_BROKEN': no separator");
        assertRejected("CONFIG_BPF_SYSCALL=2\n", "'CONFIG_BPF_SYSCALL': value '2' isn't boolean compatible");
    }

    @Test
    void aLineWithoutAValueIsRejected() {
        assertRejected("CONFIG_BPF_SYSCALL=\n", "failed to parse 'CONFIG_BPF_SYSCALL=': no value");
    }

    @Test
    void anUnreadableConfigFileIsAClearError() {
        ObjectSpec spec = SpecReader.read("kconfig.o", TestObjects.object("kconfig", Target.BPFEL));
        Path missing = Path.of("/nonexistent/config-for-bpf4j.gz");
        String m = assertThrows(LinkException.class, () -> Linker.link(spec, new LinkOptions(KernelConfig.of(missing, VERSION)))).getMessage();
        assertTrue(m.contains("failed to read /nonexistent/config-for-bpf4j.gz"), m);
    }

    @Test
    void anUnknownStrongLinuxExternIsRejected() {
        // Renamed in the symbol table and in BTF alike: a LINUX_ name libbpf does not provide.
        byte[] bytes = new dev.bpf4j.elf.ObjectPatcher("kconfig.o", TestObjects.object("kconfig", Target.BPFEL))
                .replace(".strtab", "LINUX_KERNEL_VERSION\0", "LINUX_KERNEL_VERSIOX\0")
                .replace(".BTF", "LINUX_KERNEL_VERSION\0", "LINUX_KERNEL_VERSIOX\0").bytes();
        ObjectSpec spec = SpecReader.read("kconfig.o", bytes);
        String m = assertThrows(LinkException.class,
                () -> Linker.link(spec, new LinkOptions(KernelConfig.parse("CONFIG_BPF_SYSCALL=y\n", VERSION)))).getMessage();
        assertTrue(m.contains("extern (kcfg) 'LINUX_KERNEL_VERSIOX': unrecognized virtual extern"), m);
    }

    @Test
    void signedIntegersAcceptNegativeValuesThatFit() {
        ByteBuffer b = kconfig(Target.BPFEL, "CONFIG_BPF_SYSCALL=y\nCONFIG_HZ=-5\n");
        assertEquals(-5, b.getInt(12));
    }

    @Test
    void gzippedConfigFilesAreRead() throws Exception {
        Path file = Files.createTempFile("config", ".gz");
        try (var out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write("CONFIG_BPF_SYSCALL=y\nCONFIG_HZ=1000\n".getBytes(StandardCharsets.US_ASCII));
        }
        ObjectSpec spec = SpecReader.read("kconfig.o", TestObjects.object("kconfig", Target.BPFEL));
        byte[] data = Linker.link(spec, new LinkOptions(KernelConfig.of(file, VERSION))).map("kconfig.kconfig").orElseThrow().initialData();
        assertEquals(1000, ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).getInt(12));
        Files.delete(file);
    }

    @Test
    void kernelVersionFromTheReleaseString() {
        assertEquals(KernelConfig.version(6, 18, 44), KernelConfig.parseRelease("6.18.44-fc-v669"));
        assertEquals(KernelConfig.version(5, 15, 0), KernelConfig.parseRelease("5.15"));
        assertEquals(0, KernelConfig.parseRelease("garbage"));
    }

    @Test
    void kconfigReferencesPointIntoTheKconfigMap() {
        ObjectSpec spec = SpecReader.read("kconfig.o", TestObjects.object("kconfig", Target.BPFEL));
        LoadPlan plan = Linker.link(spec, new LinkOptions(KernelConfig.parse("CONFIG_BPF_SYSCALL=y\n", VERSION)));
        var offsets = plan.programs().stream().flatMap(p -> p.instructions().stream())
                .filter(i -> i.reference() instanceof dev.bpf4j.asm.Reference.MapValue v && v.map().equals("kconfig.kconfig"))
                .map(i -> i.src() + ":" + i.imm2())
                .distinct().sorted().toList();
        // Every extern the programs read, at its libbpf offset, through src_reg 2 (BPF_PSEUDO_MAP_VALUE).
        assertEquals(java.util.List.of("2:0", "2:12", "2:16", "2:20", "2:21", "2:8"), offsets);
    }

    private static void assertRejected(String config, String expected) {
        ObjectSpec spec = SpecReader.read("kconfig.o", TestObjects.object("kconfig", Target.BPFEL));
        String m = assertThrows(LinkException.class, () -> Linker.link(spec, new LinkOptions(KernelConfig.parse(config, VERSION)))).getMessage();
        assertTrue(m.contains(expected), m);
    }
}
