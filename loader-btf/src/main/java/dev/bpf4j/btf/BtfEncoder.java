package dev.bpf4j.btf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes types back to a .BTF blob, in either byte order: the inverse of {@link Btf#parse}, so
 * {@code Btf.parse(BtfEncoder.encode(types, order)).types()} lists {@code types} again. Used to
 * hand a rewritten program BTF to the kernel (see {@link BtfSanitizer}, {@link DataSecFixup}) and
 * to write objects back out.
 *
 * <pre>{@code
 * List<BtfType> types = List.of(
 *         new BtfType.Int(1, "int", 4, BtfType.Int.SIGNED, 0, 32),
 *         new BtfType.Pointer(2, "", 1));
 * byte[] blob = BtfEncoder.encode(types, ByteOrder.LITTLE_ENDIAN);
 * Btf btf = Btf.parse(blob);          // btf.type(2) equals types.get(1)
 * }</pre>
 *
 * <p>The layout is the one clang and libbpf's {@code btf__raw_data} write: a 24-byte header, the
 * type section, then the string section, which starts with the empty string and holds each
 * distinct name once, in order of first use. Struct and union members get the kind_flag (bitfield
 * sizes packed into the offset word) only when some member is a bitfield, as clang does.
 */
public final class BtfEncoder {

    private static final int HEADER_SIZE = 24;

    private final ByteOrder order;
    private int[] words = new int[1024];
    private int wordCount;
    private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
    private final Map<String, Integer> stringOffsets = new HashMap<>();

    private BtfEncoder(ByteOrder order) {
        this.order = order;
        string("");
    }

    /**
     * Encodes {@code types}, whose ids must be 1, 2, 3, ... in list order (a leading
     * {@link BtfType.Void} is skipped). References between types are written as they are; that
     * they point at existing ids is checked when the blob is parsed, not here.
     *
     * @throws IllegalArgumentException if an id is out of sequence, or a field does not fit its
     *         encoding (more than 65535 members, a bitfield offset above 2^24-1, ...)
     */
    public static byte[] encode(List<? extends BtfType> types, ByteOrder order) {
        var e = new BtfEncoder(order);
        int next = 1;
        for (BtfType t : types) {
            if (t instanceof BtfType.Void)
                continue;
            if (t.id() != next)
                throw new IllegalArgumentException("type ids must be 1, 2, 3, ... in list order: expected id " + next + ", got " + t);
            e.add(t);
            next++;
        }
        return e.build();
    }

    /** Encodes all types of {@code btf} (ids 1..typeCount()-1) in {@code order}. */
    public static byte[] encode(Btf btf, ByteOrder order) {
        return encode(btf.types(), order);
    }

    private int string(String s) {
        Integer off = stringOffsets.get(s);
        if (off != null)
            return off;
        int at = strings.size();
        strings.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        strings.write(0);
        stringOffsets.put(s, at);
        return at;
    }

    private void add(BtfType t) {
        int name = string(t.name());
        switch (t.kind()) {
            case VOID -> throw new IllegalArgumentException("void is implicit (id 0) and has no record");
            case INT -> {
                var i = (BtfType.Int) t;
                check(t, "encoding", i.encoding(), 0x0f);
                check(t, "bit offset", i.bitOffset(), 0xff);
                check(t, "bits", i.bits(), 0xff);
                header(name, t, false, 0, i.size());
                word(i.encoding() << 24 | i.bitOffset() << 16 | i.bits());
            }
            case PTR -> header(name, t, false, 0, ((BtfType.Pointer) t).type());
            case ARRAY -> {
                var a = (BtfType.Array) t;
                header(name, t, false, 0, 0);
                word(a.elementType());
                word(a.indexType());
                word(a.count());
            }
            case STRUCT -> composite(name, t, ((BtfType.Struct) t).size(), ((BtfType.Struct) t).members());
            case UNION -> composite(name, t, ((BtfType.Union) t).size(), ((BtfType.Union) t).members());
            case ENUM -> {
                var e = (BtfType.Enum) t;
                header(name, t, e.signed(), vlen(t, e.values().size()), e.size());
                for (BtfType.EnumValue v : e.values()) {
                    word(string(v.name()));
                    word((int) v.value());
                }
            }
            case ENUM64 -> {
                var e = (BtfType.Enum64) t;
                header(name, t, e.signed(), vlen(t, e.values().size()), e.size());
                for (BtfType.EnumValue v : e.values()) {
                    word(string(v.name()));
                    word((int) v.value());
                    word((int) (v.value() >>> 32));
                }
            }
            case FWD -> header(name, t, ((BtfType.Forward) t).union(), 0, 0);
            case TYPEDEF -> header(name, t, false, 0, ((BtfType.Typedef) t).type());
            case VOLATILE -> header(name, t, false, 0, ((BtfType.Volatile) t).type());
            case CONST -> header(name, t, false, 0, ((BtfType.Const) t).type());
            case RESTRICT -> header(name, t, false, 0, ((BtfType.Restrict) t).type());
            case TYPE_TAG -> header(name, t, false, 0, ((BtfType.TypeTag) t).type());
            case FUNC -> {
                var f = (BtfType.Func) t;
                // A FUNC keeps its linkage in the vlen bits.
                header(name, t, false, vlen(t, f.linkage()), f.type());
            }
            case FUNC_PROTO -> {
                var p = (BtfType.FuncProto) t;
                header(name, t, false, vlen(t, p.params().size()), p.returnType());
                for (BtfType.Param param : p.params()) {
                    word(string(param.name()));
                    word(param.type());
                }
            }
            case VAR -> {
                var v = (BtfType.Var) t;
                header(name, t, false, 0, v.type());
                word(v.linkage());
            }
            case DATASEC -> {
                var d = (BtfType.DataSec) t;
                header(name, t, false, vlen(t, d.vars().size()), d.size());
                for (BtfType.VarSecInfo v : d.vars()) {
                    word(v.type());
                    word(v.offset());
                    word(v.size());
                }
            }
            case FLOAT -> header(name, t, false, 0, ((BtfType.Float) t).size());
            case DECL_TAG -> {
                var d = (BtfType.DeclTag) t;
                header(name, t, false, 0, d.type());
                word(d.componentIndex());
            }
        }
    }

    private void composite(int name, BtfType t, int size, List<BtfType.Member> members) {
        boolean kflag = members.stream().anyMatch(m -> m.bitfieldSize() != 0);
        header(name, t, kflag, vlen(t, members.size()), size);
        for (BtfType.Member m : members) {
            word(string(m.name()));
            word(m.type());
            if (kflag) {
                check(t, "member '" + m.name() + "' bit offset", m.bitOffset(), 0xffffff);
                check(t, "member '" + m.name() + "' bitfield size", m.bitfieldSize(), 0xff);
                word(m.bitfieldSize() << 24 | m.bitOffset());
            } else {
                word(m.bitOffset());
            }
        }
    }

    private void header(int name, BtfType t, boolean kflag, int vlen, int sizeOrType) {
        word(name);
        word((kflag ? 1 << 31 : 0) | t.kind().number() << 24 | vlen);
        word(sizeOrType);
    }

    private static int vlen(BtfType t, int n) {
        check(t, "vlen", n, 0xffff);
        return n;
    }

    private static void check(BtfType t, String field, int value, int max) {
        if (value < 0 || value > max)
            throw new IllegalArgumentException(String.format("type [%d] %s '%s': %s %d does not fit (0..%d)",
                    t.id(), t.kind(), t.name(), field, value, max));
    }

    private void word(int w) {
        if (wordCount == words.length)
            words = Arrays.copyOf(words, wordCount * 2);
        words[wordCount++] = w;
    }

    private byte[] build() {
        long total = (long) HEADER_SIZE + 4L * wordCount + strings.size();
        if (total > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException("encoded BTF would take " + total + " bytes");
        int typeLen = 4 * wordCount, strLen = strings.size();
        ByteBuffer b = ByteBuffer.allocate((int) total).order(order);
        b.putShort((short) BtfHeader.MAGIC).put((byte) BtfHeader.VERSION).put((byte) 0).putInt(HEADER_SIZE)
                .putInt(0).putInt(typeLen).putInt(typeLen).putInt(strLen);
        b.asIntBuffer().put(words, 0, wordCount);
        b.position(HEADER_SIZE + typeLen);
        b.put(strings.toByteArray());
        return b.array();
    }
}
