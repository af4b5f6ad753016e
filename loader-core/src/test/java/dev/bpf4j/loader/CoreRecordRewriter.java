package dev.bpf4j.loader;

import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.ElfReader;
import dev.bpf4j.elf.Section;

import java.nio.ByteBuffer;

/**
 * Rewrites the kind of CO-RE relocation records in an object's {@code .BTF.ext}, in place in a
 * copy of the file: the way to get relocation kinds our clang cannot emit (TYPE_MATCHES, kind
 * 12, needs clang 15) into a real object that both libbpf and bpf4j then read. The layout is
 * the kernel's ({@code struct btf_ext_header}, then per section {@code sec_name_off,
 * num_info} and {@code num_info} records {@code insn_off, type_id, access_str_off, kind}),
 * parsed here by hand so that the test does not depend on the reader under test.
 *
 * <pre>{@code
 * byte[] matches = CoreRecordRewriter.rewriteKind(bytes, 8, 12); // type exists -> type matches
 * }</pre>
 */
final class CoreRecordRewriter {
    private static final int BTF_EXT_MAGIC = 0xeb9f;
    private static final int KIND_FIELD = 12; // offset of "kind" in a bpf_core_relo record

    private CoreRecordRewriter() {
    }

    /** A rewritten copy of {@code object}, and how many records changed. */
    record Rewritten(byte[] object, int records) {
    }

    /** Changes every CO-RE record of kind {@code from} into kind {@code to}. */
    static Rewritten rewriteKind(byte[] object, int from, int to) {
        ElfFile elf = ElfReader.read("object.o", object);
        Section ext = elf.section(".BTF.ext").orElseThrow(() -> new IllegalArgumentException("no .BTF.ext"));
        byte[] copy = object.clone();
        ByteBuffer b = ByteBuffer.wrap(copy).order(elf.byteOrder());
        int base = Math.toIntExact(ext.offset());
        if ((b.getShort(base) & 0xffff) != BTF_EXT_MAGIC)
            throw new IllegalArgumentException(".BTF.ext: bad magic");
        int hdrLen = b.getInt(base + 4);
        if (hdrLen < 32)
            throw new IllegalArgumentException(".BTF.ext: header has no CO-RE part");
        int coreOff = b.getInt(base + 24);
        int coreLen = b.getInt(base + 28);
        int p = base + hdrLen + coreOff;
        int end = p + coreLen;
        if (coreLen == 0)
            return new Rewritten(copy, 0);
        int recordSize = b.getInt(p);
        p += 4;
        int changed = 0;
        while (p < end) {
            int count = b.getInt(p + 4);
            p += 8;
            for (int i = 0; i < count; i++, p += recordSize) {
                if (b.getInt(p + KIND_FIELD) == from) {
                    b.putInt(p + KIND_FIELD, to);
                    changed++;
                }
            }
        }
        return new Rewritten(copy, changed);
    }
}
