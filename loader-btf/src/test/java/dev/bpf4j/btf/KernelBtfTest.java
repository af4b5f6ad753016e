package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sharing parsed BTF files between loads, and the heap a parsed vmlinux retains. */
class KernelBtfTest {

    private static final List<BtfType> SMALL = List.of(new BtfType.Int(1, "int", 4, BtfType.Int.SIGNED, 0, 32));

    @Test
    void aFileIsParsedOnceUntilItChanges(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("a.btf");
        Files.write(file, BtfEncoder.encode(SMALL, ByteOrder.LITTLE_ENDIAN));
        var kernel = new KernelBtf();
        Btf first = kernel.load(file);
        assertSame(first, kernel.load(file));
        assertSame(first, kernel.load(dir.resolve(".").resolve("a.btf")));

        List<BtfType> bigger = List.of(SMALL.get(0), new BtfType.Pointer(2, "", 1));
        Files.write(file, BtfEncoder.encode(bigger, ByteOrder.BIG_ENDIAN));
        Files.setLastModifiedTime(file, FileTime.fromMillis(Files.getLastModifiedTime(file).toMillis() + 5000));
        Btf second = kernel.load(file);
        assertNotSame(first, second);
        assertEquals(bigger, second.types().subList(1, 3));
        kernel.clear();
        assertNotSame(second, kernel.load(file));
    }

    @Test
    void readFailsOnMalformedFilesWithTheFormatError(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.btf");
        Files.write(file, new byte[] {(byte) 0x9f, (byte) 0xeb, 1});
        assertEquals("header: needs 24 bytes, but the input has only 3",
                assertThrows(BtfFormatException.class, () -> new KernelBtf().load(file)).getMessage());
        assertThrows(IOException.class, () -> Btf.read(dir.resolve("missing")));
    }

    @Test
    void readEqualsParse(@TempDir Path dir) throws IOException {
        byte[] blob = BtfEncoder.encode(SMALL, ByteOrder.BIG_ENDIAN);
        Path file = dir.resolve("x.btf");
        Files.write(file, blob);
        Btf read = Btf.read(file);
        assertEquals(Btf.parse(blob), read);
        assertEquals(Btf.parse(blob).hashCode(), read.hashCode());
        assertEquals(List.of(new BtfType.Void(0), SMALL.get(0)), read.types());
    }

    @Test
    void vmlinuxIsSharedBetweenLoads() throws IOException {
        assumeTrue(Files.isReadable(KernelBtf.VMLINUX), "no kernel BTF at " + KernelBtf.VMLINUX);
        var kernel = new KernelBtf();
        Btf a = kernel.vmlinux().orElseThrow();
        assertSame(a, kernel.vmlinux().orElseThrow());
        assertEquals(Btf.parse(Files.readAllBytes(KernelBtf.VMLINUX)), a);
    }

    /**
     * The target: under 4 MiB of retained heap for a parsed vmlinux before any type is
     * touched. Measured as the growth of used heap (after full GCs) while one parsed vmlinux is
     * held; the bytes themselves live in a direct buffer, outside the heap.
     */
    @Test
    void aParsedVmlinuxRetainsLessThanFourMiBOfHeap() throws IOException {
        assumeTrue(Files.isReadable(KernelBtf.VMLINUX), "no kernel BTF at " + KernelBtf.VMLINUX);
        Btf.read(KernelBtf.VMLINUX); // load and initialise the classes first
        long before = usedHeapAfterGc();
        Btf held = Btf.read(KernelBtf.VMLINUX);
        long retained = usedHeapAfterGc() - before;
        assertTrue(held.typeCount() > 1000);
        assertTrue(retained < 4L << 20, "retained " + retained + " bytes for " + held.typeCount() + " types");
        // The name index, built on the first lookup, stays within budget too (8 bytes per named type).
        assertTrue(held.typeByName("task_struct", BtfType.Struct.class).isPresent());
        long withIndex = usedHeapAfterGc() - before;
        assertTrue(withIndex < 4L << 20, "retained " + withIndex + " bytes with the name index");
        assertEquals(held.typeCount(), held.types().size()); // keeps `held` reachable until here
    }

    private static long usedHeapAfterGc() {
        var memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 4; i++)
            System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }
}
