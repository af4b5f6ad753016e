package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The C dump on hand-made BTF, with the expected header written out by hand from the C rules
 * (and libbpf's btf_dump conventions), compiled by clang to check that the layout it declares
 * is the layout the BTF describes; the running kernel's BTF as a vmlinux.h that a CO-RE program
 * compiles against; and the BTF that C cannot express.
 */
class BtfCDumpTest {

    @TempDir
    Path dir;

    private static final String HEAD = """
            #ifndef __VMLINUX_H__
            #define __VMLINUX_H__

            #ifndef BPF_NO_PRESERVE_ACCESS_INDEX
            #pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)
            #endif

            """;
    private static final String TAIL = """
            #ifndef BPF_NO_PRESERVE_ACCESS_INDEX
            #pragma clang attribute pop
            #endif

            #endif /* __VMLINUX_H__ */
            """;

    private static BtfType.Member m(String name, int type, int bitOffset) {
        return new BtfType.Member(name, type, bitOffset, 0);
    }

    /** Self-reference, bitfields, packing, a function pointer typedef, a name clash, inline union, 1-byte enum, top-level anonymous enum. */
    static List<BtfType> sample() {
        return List.of(
                new BtfType.Int(1, "int", 4, BtfType.Int.SIGNED, 0, 32),
                new BtfType.Int(2, "char", 1, BtfType.Int.CHAR, 0, 8),
                new BtfType.Int(3, "long", 8, BtfType.Int.SIGNED, 0, 64),
                new BtfType.Struct(4, "node", 16, List.of(m("next", 5, 0), m("v", 1, 64))),
                new BtfType.Pointer(5, "", 4),
                new BtfType.Struct(6, "bits", 16, List.of(new BtfType.Member("a", 1, 0, 3),
                        new BtfType.Member("b", 1, 3, 5), m("c", 3, 64))),
                new BtfType.Struct(7, "p", 5, List.of(m("c", 2, 0), m("i", 1, 8))),
                new BtfType.FuncProto(8, "", 1, List.of(new BtfType.Param("", 5), new BtfType.Param("", 0))),
                new BtfType.Pointer(9, "", 8),
                new BtfType.Typedef(10, "handler_t", 9),
                new BtfType.Struct(11, "dup", 4, List.of(m("x", 1, 0))),
                new BtfType.Struct(12, "dup", 8, List.of(m("y", 3, 0))),
                new BtfType.Union(13, "", 8, List.of(m("i", 1, 0), m("l", 3, 0))),
                new BtfType.Struct(14, "holder", 24, List.of(m("h", 10, 0), m("u", 13, 64), m("e", 15, 128))),
                new BtfType.Enum(15, "small", 1, false, List.of(new BtfType.EnumValue("A", 0), new BtfType.EnumValue("B", 1))),
                new BtfType.Enum(16, "", 4, true, List.of(new BtfType.EnumValue("TOP", -1))));
    }

    @Test
    void handDerivedHeader() {
        String expected = HEAD + """
                struct node {
                \tstruct node *next;
                \tint v;
                };

                struct bits {
                \tint a: 3;
                \tint b: 5;
                \tlong c;
                };

                struct p {
                \tchar c;
                \tint i;
                } __attribute__((packed));

                typedef int (*handler_t)(struct node *, ...);

                struct dup {
                \tint x;
                };

                struct dup___2 {
                \tlong y;
                };

                enum small {
                \tA = 0,
                \tB = 1,
                } __attribute__((mode(byte)));

                struct holder {
                \thandler_t h;
                \tunion {
                \t\tint i;
                \t\tlong l;
                \t} u;
                \tenum small e;
                };

                enum {
                \tTOP = -1,
                };

                """ + TAIL;
        for (ByteOrder order : List.of(ByteOrder.LITTLE_ENDIAN, ByteOrder.BIG_ENDIAN))
            assertEquals(expected, BtfCDump.toString(Btf.parse(BtfBuilder.encode(sample(), order))));
    }

    @Test
    void handDerivedHeaderMatchesBpftool() throws Exception {
        assumeTrue(Bpftool.available(), "bpftool is not installed");
        Path file = dir.resolve("sample.btf");
        Files.write(file, BtfBuilder.encode(sample(), ByteOrder.LITTLE_ENDIAN));
        Bpftool.Result r = Bpftool.dump(file, "c");
        assertEquals(0, r.status());
        String ours = BtfCDump.toString(Btf.parse(Files.readAllBytes(file)));
        assertEquals(r.out(), Bpftool.comparableC(ours, r.out()));
    }

    /** Padding between members and at the end, as libbpf spells it; each gap checked by clang below. */
    @Test
    void paddingIsExplicitWhereTheCompilerWouldNotAddIt() {
        var types = List.<BtfType>of(
                new BtfType.Int(1, "int", 4, BtfType.Int.SIGNED, 0, 32),
                new BtfType.Int(2, "char", 1, BtfType.Int.CHAR, 0, 8),
                new BtfType.Int(3, "long", 8, BtfType.Int.SIGNED, 0, 64),
                // char at 0, then a gap to an int at byte 8 (natural alignment would put it at 4)
                new BtfType.Struct(4, "gap", 16, List.of(m("c", 2, 0), m("i", 1, 64))),
                // a bitfield, then 20 unused bits, then another bitfield in the next int
                new BtfType.Struct(5, "bf", 8, List.of(new BtfType.Member("a", 1, 0, 4),
                        new BtfType.Member("b", 1, 32, 4))));
        String c = BtfCDump.toString(Btf.parse(BtfBuilder.encode(types, ByteOrder.LITTLE_ENDIAN)));
        // gap: after the char (bit 8) the first pad type whose boundary is not past the int is
        // long (roundup(8, 64) = 64); the int's own alignment would stop at bit 32, so libbpf
        // writes an explicit 'long: 0'. At the end (bit 96 of 128) the same holds again.
        assertTrue(c.contains("struct gap {\n\tchar c;\n\tlong: 0;\n\tint i;\n\tlong: 0;\n};"), c);
        // bf: inside a run of bitfields the gap (bits 4..32) is spelt out as an unnamed bitfield
        assertTrue(c.contains("struct bf {\n\tint a: 4;\n\tint: 28;\n\tint b: 4;\n};"), c);
        assertLayoutCompiles(Btf.parse(BtfBuilder.encode(types, ByteOrder.LITTLE_ENDIAN)), c, "padding");
    }

    @Test
    void sampleLayoutCompiles() throws Exception {
        Btf btf = Btf.parse(BtfBuilder.encode(sample(), ByteOrder.LITTLE_ENDIAN));
        assertLayoutCompiles(btf, BtfCDump.toString(btf), "sample");
    }

    // ---- clang as the oracle of layout ----

    static boolean clangAvailable() {
        return Files.isExecutable(Path.of("/usr/bin/clang"));
    }

    /**
     * {@code _Static_assert}s that the header gives every named struct and union the size and
     * member offsets its BTF records; only for names no other type shares (those get a ___N suffix).
     */
    static String layoutAsserts(Btf btf, int maxMembers) {
        Map<String, Integer> uses = new HashMap<>();
        for (BtfType t : btf.types()) {
            boolean registered = t instanceof BtfType.Composite || t instanceof BtfType.Int || t instanceof BtfType.Enum64
                    || t instanceof BtfType.Enum e && !e.values().isEmpty();
            if (registered && !t.name().isEmpty())
                uses.merge(t.name(), 1, Integer::sum);
        }
        var out = new StringBuilder();
        int members = 0;
        for (BtfType t : btf.types()) {
            if (!(t instanceof BtfType.Composite c) || c.name().isEmpty() || uses.get(c.name()) != 1
                    || holdsVaList(btf, c.id(), 0))
                continue;
            String tag = (t instanceof BtfType.Struct ? "struct " : "union ") + c.name();
            out.append("_Static_assert(sizeof(").append(tag).append(") == ").append(Integer.toUnsignedLong(c.size()))
                    .append("u, \"size of ").append(tag).append("\");\n");
            for (BtfType.Member m : c.members()) {
                if (m.name().isEmpty() || m.bitfieldSize() != 0 || members++ >= maxMembers)
                    continue;
                out.append("_Static_assert(__builtin_offsetof(").append(tag).append(", ").append(m.name()).append(") == ")
                        .append(Integer.toUnsignedLong(m.bitOffset()) / 8).append("u, \"").append(tag).append('.')
                        .append(m.name()).append("\");\n");
            }
        }
        return out.toString();
    }

    /**
     * Whether a type holds a {@code __builtin_va_list} by value: the header leaves that to the
     * compiler, and the BPF target's (8 bytes) is not the kernel's (x86-64: 24), with bpftool's
     * header as with ours.
     */
    private static boolean holdsVaList(Btf btf, int id, int depth) {
        if (depth > 64)
            return false;
        BtfType t = btf.type(id);
        if (t.name().equals("__builtin_va_list"))
            return true;
        if (t instanceof BtfType.Composite c)
            return c.members().stream().anyMatch(m -> holdsVaList(btf, m.type(), depth + 1));
        if (t instanceof BtfType.Array a)
            return holdsVaList(btf, a.elementType(), depth + 1);
        if (t instanceof BtfType.Typedef || t instanceof BtfType.Const || t instanceof BtfType.Volatile
                || t instanceof BtfType.TypeTag || t instanceof BtfType.Restrict)
            return holdsVaList(btf, nextOf(t), depth + 1);
        return false;
    }

    private static int nextOf(BtfType t) {
        if (t instanceof BtfType.Typedef d) return d.type();
        if (t instanceof BtfType.Const d) return d.type();
        if (t instanceof BtfType.Volatile d) return d.type();
        if (t instanceof BtfType.TypeTag d) return d.type();
        return ((BtfType.Restrict) t).type();
    }

    /** Runs clang; returns its exit status and output. */
    static String[] clang(Path workDir, String... args) throws Exception {
        var cmd = new ArrayList<String>(List.of("/usr/bin/clang"));
        cmd.addAll(List.of(args));
        Path log = workDir.resolve("clang.log");
        Process p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        if (!p.waitFor(300, java.util.concurrent.TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("clang did not finish: " + cmd);
        }
        String text = Files.readString(log);
        return new String[] {Integer.toString(p.exitValue()), text.length() > 4000 ? text.substring(0, 4000) : text};
    }

    private void assertLayoutCompiles(Btf btf, String header, String name) {
        assumeTrue(clangAvailable(), "clang is not installed");
        try {
            Path h = dir.resolve(name + ".h");
            Files.writeString(h, header);
            Path c = dir.resolve(name + "_layout.c");
            Files.writeString(c, "#include \"" + name + ".h\"\n" + layoutAsserts(btf, Integer.MAX_VALUE));
            String[] r = clang(dir, "-target", "bpf", "-fsyntax-only", "-DBPF_NO_PRESERVE_ACCESS_INDEX", c.toString());
            assertEquals("0", r[0], "clang rejected the layout of " + name + ":\n" + r[1]);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    // ---- the running kernel ----

    private static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    private static final String CORE_PROGRAM = """
            #include "vmlinux.h"
            #include <bpf/bpf_helpers.h>
            #include <bpf/bpf_core_read.h>

            char LICENSE[] SEC("license") = "GPL";

            struct {
            	__uint(type, BPF_MAP_TYPE_HASH);
            	__uint(max_entries, 1024);
            	__type(key, pid_t);
            	__type(value, u64);
            } parents SEC(".maps");

            SEC("tp_btf/sched_process_exec")
            int on_exec(unsigned long long *ctx)
            {
            	struct task_struct *task = (void *)ctx[0];
            	pid_t pid = BPF_CORE_READ(task, tgid);
            	u64 parent = BPF_CORE_READ(task, real_parent, tgid);
            	if (bpf_core_field_exists(task->pid))
            		bpf_map_update_elem(&parents, &pid, &parent, BPF_ANY);
            	return 0;
            }
            """;

    /** The test: vmlinux.h from our dump, and a CO-RE tracing program built against it. */
    @Test
    void vmlinuxHeaderBuildsACoreProgram() throws Exception {
        assumeTrue(Files.isReadable(VMLINUX), VMLINUX + " is not readable here");
        assumeTrue(clangAvailable(), "clang is not installed");
        assumeTrue(Files.exists(Path.of("/usr/include/bpf/bpf_helpers.h")), "libbpf headers (libbpf-dev) are not installed");
        Btf btf = Btf.parse(Files.readAllBytes(VMLINUX));
        Files.writeString(dir.resolve("vmlinux.h"), BtfCDump.toString(btf));
        Files.writeString(dir.resolve("prog.bpf.c"), CORE_PROGRAM);
        String[] r = clang(dir, "-target", "bpf", "-O2", "-g", "-c", "prog.bpf.c", "-o", "prog.bpf.o");
        assertEquals("0", r[0], "clang failed:\n" + r[1]);
        byte[] object = Files.readAllBytes(dir.resolve("prog.bpf.o"));
        // CO-RE relocations name the types they access in the object's BTF
        String text = new String(object, java.nio.charset.StandardCharsets.ISO_8859_1);
        assertTrue(text.contains("task_struct") && text.contains("real_parent") && text.contains(".BTF.ext"));
    }

    /** Every uniquely named kernel struct and union has, in our vmlinux.h, the size and offsets BTF gives it. */
    @Test
    void vmlinuxHeaderHasTheKernelsLayout() throws Exception {
        assumeTrue(Files.isReadable(VMLINUX), VMLINUX + " is not readable here");
        assumeTrue(clangAvailable(), "clang is not installed");
        Btf btf = Btf.parse(Files.readAllBytes(VMLINUX));
        Files.writeString(dir.resolve("vmlinux.h"), BtfCDump.toString(btf));
        Files.writeString(dir.resolve("layout.c"), "#include \"vmlinux.h\"\n" + layoutAsserts(btf, 100_000));
        String[] r = clang(dir, "-target", "bpf", "-fsyntax-only", "-DBPF_NO_PRESERVE_ACCESS_INDEX", "layout.c");
        assertEquals("0", r[0], "clang disagrees with the kernel's BTF layout:\n" + r[1]);
    }

    // ---- BTF that C cannot express ----

    private static Btf btf(BtfType... types) {
        return Btf.parse(BtfBuilder.encode(List.of(types), ByteOrder.LITTLE_ENDIAN));
    }

    /** An anonymous struct that points at itself has no name to forward-declare (libbpf: ELOOP). */
    @Test
    void anonymousSelfReferenceIsRefused() {
        Btf b = btf(new BtfType.Struct(1, "", 8, List.of(m("self", 2, 0))), new BtfType.Pointer(2, "", 1));
        var e = assertThrows(BtfFormatException.class, () -> BtfCDump.toString(b));
        assertEquals("C dump: type [1] STRUCT '(anon)': unsatisfiable type cycle", e.getMessage());
    }

    /** A pointer to itself: libbpf recurses until its stack overflows; we name the type. */
    @Test
    void pointerLoopIsRefused() {
        Btf b = btf(new BtfType.Pointer(1, "", 2), new BtfType.Pointer(2, "", 1),
                new BtfType.Typedef(3, "loop_t", 1));
        var e = assertThrows(BtfFormatException.class, () -> BtfCDump.toString(b));
        assertTrue(e.getMessage().startsWith("C dump: type [") && e.getMessage().contains("PTR"), e.getMessage());
    }

    /** A member whose type has no alignment (a function prototype) makes libbpf divide by zero. */
    @Test
    void memberWithoutAlignmentIsRefused() {
        Btf b = btf(new BtfType.Int(1, "int", 4, BtfType.Int.SIGNED, 0, 32),
                new BtfType.FuncProto(2, "", 1, List.of()),
                new BtfType.Struct(3, "s", 16, List.of(m("i", 1, 0), m("f", 2, 64))));
        var e = assertThrows(BtfFormatException.class, () -> BtfCDump.toString(b));
        assertEquals("C dump: type [3] STRUCT 's': member #1 has a type without alignment (type [2] FUNC_PROTO '(anon)')",
                e.getMessage());
    }

    /**
     * 40 anonymous structs, each holding the next twice: inlining them prints 2^40 structs. The
     * dump must give up quickly with an error rather than run for days or fill memory.
     */
    @Test
    void exponentialInliningIsRefusedQuickly() {
        var types = new ArrayList<BtfType>();
        types.add(new BtfType.Int(1, "int", 4, BtfType.Int.SIGNED, 0, 32));
        int levels = 40;
        // id 2 is the innermost; id k+1 holds two of id k
        types.add(new BtfType.Struct(2, "", 4, List.of(m("x", 1, 0))));
        for (int id = 3; id < 2 + levels; id++)
            types.add(new BtfType.Struct(id, "", 8, List.of(m("a", id - 1, 0), m("b", id - 1, 0))));
        types.add(new BtfType.Struct(2 + levels, "top", 8, List.of(m("t", 1 + levels, 0))));
        Btf b = Btf.parse(BtfBuilder.encode(types, ByteOrder.LITTLE_ENDIAN));
        var e = assertTimeoutPreemptively(Duration.ofSeconds(30),
                () -> assertThrows(BtfFormatException.class, () -> BtfCDump.toString(b)));
        assertTrue(e.getMessage().startsWith("C dump: "), e.getMessage());
    }
}
