package dev.bpf4j.asm;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Our listing of every code section of the golden objects equals llvm-objdump's, line by
 * line. The objects and llvm's listings were made by {@code golden/regen.sh} (clang and
 * llvm-objdump 14), so llvm is the oracle and this test needs no compiler.
 *
 * <p>llvm-objdump without {@code --mattr=+alu32} decodes the 32-bit atomics that clang
 * -mcpu=v3 emits only partly: and/or/xor, xchg and cmpxchg print {@code <unknown>}, and a
 * fetch-add prints as a plain {@code lock ... +=} (its decoder ignores the fetch bit). For
 * the 32-bit atomics other than plain add (opcode 0xc3, imm not 0) the alu32 listing of the
 * same slot is therefore the oracle, as documented in {@link Disassembler}.
 */
class DisassemblerGoldenTest {
    private static final Pattern INSN_LINE = Pattern.compile("^ *\\d+:\t.*");
    private static final Pattern LABEL = Pattern.compile(" <[^<>]*>$");

    static Path goldenDir() throws URISyntaxException {
        return Path.of(DisassemblerGoldenTest.class.getResource("golden/regen.sh").toURI()).getParent();
    }

    static List<Path> objects() throws IOException, URISyntaxException {
        try (Stream<Path> s = Files.list(goldenDir())) {
            return s.filter(p -> p.getFileName().toString().endsWith(".o")).sorted().collect(Collectors.toList());
        }
    }

    @TestFactory
    Stream<DynamicTest> listingsMatchLlvmObjdump() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path o : objects()) {
            String base = o.getFileName().toString().replaceAll("\\.o$", "");
            tests.add(DynamicTest.dynamicTest(base + " (--no-show-raw-insn)",
                    () -> compare(o, base + ".txt", base + ".alu32.txt", Disassembler.Options.DEFAULT)));
            tests.add(DynamicTest.dynamicTest(base + " (raw bytes)",
                    () -> compare(o, base + ".raw.txt", base + ".alu32.txt", Disassembler.Options.OBJDUMP)));
            tests.add(DynamicTest.dynamicTest(base + " (--mattr=+alu32)",
                    () -> compare(o, base + ".alu32.txt", null, Disassembler.Options.DEFAULT.withAlu32(true))));
        }
        return tests.stream();
    }

    /** Guards against a golden set that silently stopped covering what it claims to cover. */
    @Test
    void goldenListingsCoverTheInstructionKinds() throws Exception {
        StringBuilder all = new StringBuilder();
        for (Path o : objects()) {
            String base = o.getFileName().toString().replaceAll("\\.o$", "");
            all.append(Files.readString(o.resolveSibling(base + ".alu32.txt")));
        }
        String text = all.toString();
        List<String> expected = List.of(
                " ll\n", "+= -", "w1 = ", " s>>= ", " = -r", " = -w", "be16", "be32", "be64", "le16",
                "*(u8 *)(", "*(u16 *)(", "*(u32 *)(", "*(u64 *)(", " - 32768)", "skb[1", "skb[r",
                "if r", "if w", " s< ", " s<= ", " s> ", " s>= ", " < ", " <= ", " > ", " >= ", " == ", " != ",
                "goto +", "goto -", "call 1\n", "call -5\n", "call 164\n", "exit",
                "lock *(u64 *)", "lock *(u32 *)", "atomic_fetch_add((u64", "atomic_fetch_and((u32",
                "atomic_fetch_or((u64", "atomic_fetch_xor((u32", "xchg_64(", "xchg32_32(", "cmpxchg_64(",
                "cmpxchg32_32(");
        for (String e : expected)
            assertTrue(text.contains(e), "no golden listing contains \"" + e + "\"");
        assertTrue(objects().stream().anyMatch(p -> p.toString().endsWith("-eb.o")), "no big-endian object");
    }

    private static void compare(Path object, String listing, String fallback, Disassembler.Options options)
            throws IOException {
        byte[] elf = Files.readAllBytes(object);
        ByteOrder order = elf[5] == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        Map<String, byte[]> code = codeSections(elf);
        Map<String, List<String>> llvm = parse(object.resolveSibling(listing));
        Map<String, List<String>> alt = fallback == null ? Map.of() : parse(object.resolveSibling(fallback));
        assertEquals(llvm.keySet(), code.keySet(), "code sections of " + object.getFileName());
        for (var e : llvm.entrySet()) {
            List<String> expected = new ArrayList<>();
            List<String> lines = e.getValue();
            byte[] bytes = code.get(e.getKey());
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                int slot = Integer.parseInt(line.substring(0, line.indexOf(':')).trim());
                if (fallback != null && isAtomic32OtherThanAdd(bytes, slot)) {
                    String better = alt.get(e.getKey()).get(i);
                    line = line.substring(0, line.lastIndexOf('\t') + 1) + better.substring(better.lastIndexOf('\t') + 1);
                }
                expected.add(line);
            }
            List<Instruction> insns = Instructions.decode(bytes, order);
            String ours = Disassembler.listing(insns, options.withByteOrder(order));
            assertEquals(String.join("\n", expected), ours.stripTrailing(),
                    object.getFileName() + " section " + e.getKey() + " vs " + listing);
        }
    }

    /** Opcode STX|ATOMIC|W with a non-zero imm; the imm's bytes are non-zero in either order. */
    private static boolean isAtomic32OtherThanAdd(byte[] code, int slot) {
        int p = slot * 8;
        return (code[p] & 0xff) == 0xc3 && (code[p + 4] | code[p + 5] | code[p + 6] | code[p + 7]) != 0;
    }

    /** Instruction lines per section, llvm's {@code <LBB0_2>} branch labels removed. */
    private static Map<String, List<String>> parse(Path listing) throws IOException {
        Map<String, List<String>> sections = new LinkedHashMap<>();
        List<String> current = null;
        for (String line : Files.readAllLines(listing, StandardCharsets.UTF_8)) {
            if (line.startsWith("Disassembly of section ")) {
                String name = line.substring("Disassembly of section ".length(), line.length() - 1);
                current = new ArrayList<>();
                sections.put(name, current);
            } else if (INSN_LINE.matcher(line).matches()) {
                current.add(LABEL.matcher(line).replaceFirst(""));
            }
        }
        return sections;
    }

    /**
     * The non-empty executable PROGBITS sections of an ELF64 object, by name: just enough
     * ELF to find the code, so that this test does not depend on dev.bpf4j.elf.
     */
    static Map<String, byte[]> codeSections(byte[] elf) {
        ByteBuffer b = ByteBuffer.wrap(elf).order(elf[5] == 2 ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        assertEquals(2, elf[4], "ELFCLASS64");
        long shoff = b.getLong(0x28);
        int shentsize = b.getShort(0x3a) & 0xffff;
        int shnum = b.getShort(0x3c) & 0xffff;
        int shstrndx = b.getShort(0x3e) & 0xffff;
        int strtab = (int) b.getLong((int) (shoff + (long) shstrndx * shentsize + 0x18));
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (int i = 0; i < shnum; i++) {
            int h = (int) (shoff + (long) i * shentsize);
            int name = b.getInt(h);
            int type = b.getInt(h + 4);
            long flags = b.getLong(h + 8);
            int offset = (int) b.getLong(h + 0x18);
            int size = (int) b.getLong(h + 0x20);
            final int progbits = 1;
            final long execinstr = 0x4;
            if (type != progbits || (flags & execinstr) == 0 || size == 0)
                continue;
            int end = strtab + name;
            while (elf[end] != 0)
                end++;
            String sectionName = new String(elf, strtab + name, end - strtab - name, StandardCharsets.UTF_8);
            byte[] bytes = new byte[size];
            System.arraycopy(elf, offset, bytes, 0, size);
            out.put(sectionName, bytes);
        }
        return out;
    }
}
