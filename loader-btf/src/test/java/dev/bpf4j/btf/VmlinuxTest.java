package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The running kernel's BTF, when it is exposed: it must parse, and every line of bpftool's raw
 * dump of it (every field of every type, as libbpf reads them) must equal ours.
 */
class VmlinuxTest {

    private static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    private static byte[] bytes;
    private static Btf btf;

    @BeforeAll
    static void parse() throws IOException {
        if (!Files.isReadable(VMLINUX))
            return;
        bytes = Files.readAllBytes(VMLINUX);
        btf = Btf.parse(bytes);
    }

    private static void assumeVmlinux() {
        assumeTrue(btf != null, VMLINUX + " is not readable here");
    }

    @Test
    void parsesInTheMachinesByteOrder() {
        assumeVmlinux();
        assertEquals(ByteOrder.nativeOrder(), btf.byteOrder());
        assertTrue(btf.typeCount() > 1000, btf.toString());
    }

    @Test
    void everyFieldOfEveryTypeMatchesBpftool() throws Exception {
        assumeVmlinux();
        assumeTrue(BpftoolFormat.available(), "bpftool is not installed");
        List<String> expected = BpftoolFormat.dump(VMLINUX);
        assumeTrue(expected != null, "bpftool could not dump " + VMLINUX);
        assertSameLines(expected, BpftoolFormat.lines(btf));
        long typeLines = expected.stream().filter(l -> l.startsWith("[")).count();
        assertEquals(typeLines + 1, btf.typeCount());
    }

    @Test
    void wellKnownKernelTypes() {
        assumeVmlinux();
        var task = btf.typeByName("task_struct", BtfType.Struct.class).orElseThrow();
        assertEquals(Integer.toUnsignedLong(task.size()), btf.sizeOf(task.id()));
        assertTrue(task.members().stream().anyMatch(m -> m.name().equals("pid")));
        var pid = task.members().stream().filter(m -> m.name().equals("pid")).findFirst().orElseThrow();
        assertEquals(4, btf.sizeOf(pid.type()));                       // pid_t
        assertEquals(BtfKind.TYPEDEF, btf.kind(pid.type()));
        assertEquals(new BtfType.Int(btf.resolveId(pid.type()), "int", 4, BtfType.Int.SIGNED, 0, 32),
                btf.resolve(pid.type()));                              // pid_t -> __kernel_pid_t -> int
        assertEquals(8, btf.sizeOf(btf.typeByName("u64", BtfType.Typedef.class).orElseThrow().id()));
        assertNotNull(btf.typeByName("bpf_prog", BtfType.Struct.class).orElse(null));
        assertTrue(btf.typeByName("sys_bpf", BtfType.Func.class).isPresent()
                || btf.typeByName("__sys_bpf", BtfType.Func.class).isPresent());
    }

    @Test
    void everyIdDecodesResolvesAndSizesOrSaysWhyNot() {
        assumeVmlinux();
        for (int id = 0; id < btf.typeCount(); id++) {
            BtfType t = btf.type(id);
            assertEquals(id, t.id());
            BtfKind resolved = btf.kind(btf.resolveId(id));
            assertTrue(switch (resolved) {
                case TYPEDEF, CONST, VOLATILE, RESTRICT, TYPE_TAG -> false;
                default -> true;
            }, "resolve(" + id + ") is " + resolved);
            try {
                long size = btf.sizeOf(id);
                if (t instanceof BtfType.Composite c)
                    assertEquals(Integer.toUnsignedLong(c.size()), size);
                if (t instanceof BtfType.Pointer)
                    assertEquals(8, size);
            } catch (BtfFormatException e) {
                assertTrue(e.getMessage().startsWith("sizeOf(" + id + "): ") && e.getMessage().endsWith("has no size"),
                        e.getMessage());
            }
        }
    }

    @Test
    void typesByNameAgreesWithAScanOfAllTypes() {
        assumeVmlinux();
        Map<String, List<Integer>> byName = new HashMap<>();
        for (int id = 1; id < btf.typeCount(); id++)
            if (!btf.name(id).isEmpty())
                byName.computeIfAbsent(btf.name(id), k -> new ArrayList<>()).add(id);
        byName.forEach((name, ids) ->
                assertEquals(ids, btf.typesByName(name).stream().map(BtfType::id).toList(), name));
    }

    /** Re-encoding through the builder, in either byte order, gives back the same types. */
    @Test
    void survivesReencodingInBothByteOrders() {
        assumeVmlinux();
        for (ByteOrder order : List.of(ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN)) {
            Btf again = Btf.parse(BtfBuilder.encode(btf.types(), order));
            assertEquals(order, again.byteOrder());
            assertEquals(btf.types(), again.types());
        }
    }

    /** A real blob cut short anywhere fails in the header check, which sees the sections run past the end. */
    @Test
    void truncatedVmlinuxFailsWithAMessage() {
        assumeVmlinux();
        for (int cut : new int[] {0, 1, 23, 24, 1000, bytes.length / 2, bytes.length - 1}) {
            byte[] part = java.util.Arrays.copyOf(bytes, cut);
            var e = org.junit.jupiter.api.Assertions.assertThrows(BtfFormatException.class, () -> Btf.parse(part));
            assertTrue(e.getMessage().startsWith("header: "), e.getMessage());
        }
    }

    static void assertSameLines(List<String> expected, List<String> actual) {
        int n = Math.min(expected.size(), actual.size());
        for (int i = 0; i < n; i++) {
            if (!expected.get(i).equals(actual.get(i))) {
                int from = Math.max(0, i - 3);
                throw new AssertionError("line " + (i + 1) + " differs:\n  bpftool: " + expected.get(i)
                        + "\n  bpf4j:   " + actual.get(i) + "\ncontext (bpftool):\n  "
                        + String.join("\n  ", expected.subList(from, Math.min(expected.size(), i + 3))));
            }
        }
        assertEquals(expected.size(), actual.size(), "number of lines");
    }
}
