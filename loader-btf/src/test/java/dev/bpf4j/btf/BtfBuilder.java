package dev.bpf4j.btf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes types into a .BTF blob, written from btf.rst independently of the parser: the parser
 * is checked against what this writes, and this is checked against bpftool (BpftoolOracleTest).
 * Types get ids in the order they are added, from 1. Also writes raw, possibly malformed
 * entries for the negative tests.
 */
final class BtfBuilder {

    static final int HEADER_SIZE = 24;

    private final ByteOrder order;
    private int[] typeWords = new int[64];
    private int typeWordCount;
    private final ByteArrayOutputStream stringBytes = new ByteArrayOutputStream();
    private final Map<String, Integer> stringOffsets = new HashMap<>();
    private int nextId = 1;

    BtfBuilder(ByteOrder order) {
        this.order = order;
        string("");
    }

    /** Encodes {@code types} (ids 1..n in list order; a leading Void is skipped). */
    static byte[] encode(List<? extends BtfType> types, ByteOrder order) {
        var b = new BtfBuilder(order);
        for (BtfType t : types)
            if (!(t instanceof BtfType.Void))
                b.add(t);
        return b.build();
    }

    int nextId() {
        return nextId;
    }

    /** The offset of {@code s} in the string section, adding it on first use. */
    int string(String s) {
        return stringOffsets.computeIfAbsent(s, k -> {
            int off = stringBytes.size();
            stringBytes.writeBytes(k.getBytes(StandardCharsets.UTF_8));
            stringBytes.write(0);
            return off;
        });
    }

    /** Appends a type; its id must be the next id. Returns that id. */
    int add(BtfType t) {
        if (t.id() != nextId)
            throw new IllegalArgumentException("expected id " + nextId + ", got " + t);
        int name = string(t.name());
        // Java 17 has no pattern switch: switch on the kind (exhaustive as an expression), then cast.
        return switch (t.kind()) {
            case VOID -> throw new IllegalArgumentException("void is implicit");
            case INT -> {
                var i = (BtfType.Int) t;
                yield raw(name, 1, false, 0, i.size(),
                        (i.encoding() & 0x0f) << 24 | (i.bitOffset() & 0xff) << 16 | (i.bits() & 0xff));
            }
            case PTR -> raw(name, 2, false, 0, ((BtfType.Pointer) t).type());
            case ARRAY -> {
                var a = (BtfType.Array) t;
                yield raw(name, 3, false, 0, 0, a.elementType(), a.indexType(), a.count());
            }
            case STRUCT -> composite(name, 4, ((BtfType.Struct) t).size(), ((BtfType.Struct) t).members());
            case UNION -> composite(name, 5, ((BtfType.Union) t).size(), ((BtfType.Union) t).members());
            case ENUM -> {
                var e = (BtfType.Enum) t;
                int[] words = new int[2 * e.values().size()];
                for (int k = 0; k < e.values().size(); k++) {
                    words[2 * k] = string(e.values().get(k).name());
                    words[2 * k + 1] = (int) e.values().get(k).value();
                }
                yield raw(name, 6, e.signed(), e.values().size(), e.size(), words);
            }
            case ENUM64 -> {
                var e = (BtfType.Enum64) t;
                int[] words = new int[3 * e.values().size()];
                for (int k = 0; k < e.values().size(); k++) {
                    long v = e.values().get(k).value();
                    words[3 * k] = string(e.values().get(k).name());
                    words[3 * k + 1] = (int) v;
                    words[3 * k + 2] = (int) (v >>> 32);
                }
                yield raw(name, 19, e.signed(), e.values().size(), e.size(), words);
            }
            case FWD -> raw(name, 7, ((BtfType.Forward) t).union(), 0, 0);
            case TYPEDEF -> raw(name, 8, false, 0, ((BtfType.Typedef) t).type());
            case VOLATILE -> raw(name, 9, false, 0, ((BtfType.Volatile) t).type());
            case CONST -> raw(name, 10, false, 0, ((BtfType.Const) t).type());
            case RESTRICT -> raw(name, 11, false, 0, ((BtfType.Restrict) t).type());
            case FUNC -> raw(name, 12, false, ((BtfType.Func) t).linkage(), ((BtfType.Func) t).type());
            case FUNC_PROTO -> {
                var p = (BtfType.FuncProto) t;
                int[] words = new int[2 * p.params().size()];
                for (int k = 0; k < p.params().size(); k++) {
                    words[2 * k] = string(p.params().get(k).name());
                    words[2 * k + 1] = p.params().get(k).type();
                }
                yield raw(name, 13, false, p.params().size(), p.returnType(), words);
            }
            case VAR -> raw(name, 14, false, 0, ((BtfType.Var) t).type(), ((BtfType.Var) t).linkage());
            case DATASEC -> {
                var d = (BtfType.DataSec) t;
                int[] words = new int[3 * d.vars().size()];
                for (int k = 0; k < d.vars().size(); k++) {
                    words[3 * k] = d.vars().get(k).type();
                    words[3 * k + 1] = d.vars().get(k).offset();
                    words[3 * k + 2] = d.vars().get(k).size();
                }
                yield raw(name, 15, false, d.vars().size(), d.size(), words);
            }
            case FLOAT -> raw(name, 16, false, 0, ((BtfType.Float) t).size());
            case DECL_TAG -> raw(name, 17, false, 0, ((BtfType.DeclTag) t).type(), ((BtfType.DeclTag) t).componentIndex());
            case TYPE_TAG -> raw(name, 18, false, 0, ((BtfType.TypeTag) t).type());
        };
    }

    private int composite(int name, int kind, int size, List<BtfType.Member> members) {
        // As clang does: kind_flag only when some member is a bitfield.
        boolean kflag = members.stream().anyMatch(m -> m.bitfieldSize() != 0);
        int[] words = new int[3 * members.size()];
        for (int k = 0; k < members.size(); k++) {
            BtfType.Member m = members.get(k);
            words[3 * k] = string(m.name());
            words[3 * k + 1] = m.type();
            words[3 * k + 2] = kflag ? m.bitfieldSize() << 24 | (m.bitOffset() & 0xffffff) : m.bitOffset();
        }
        return raw(name, kind, kflag, members.size(), size, words);
    }

    /** Appends one type record from its fields; vlen is not checked against the words. */
    int raw(int nameOff, int kind, boolean kflag, int vlen, int sizeOrType, int... extra) {
        if (vlen < 0 || vlen > 0xffff)
            throw new IllegalArgumentException("vlen " + vlen);
        int info = (kflag ? 1 << 31 : 0) | (kind & 0x1f) << 24 | vlen;
        return rawWords(nameOff, info, sizeOrType, extra);
    }

    /** Appends words as they are: the first three are name_off, info, size/type. */
    int rawWords(int nameOff, int info, int sizeOrType, int... extra) {
        word(nameOff);
        word(info);
        word(sizeOrType);
        for (int w : extra)
            word(w);
        return nextId++;
    }

    private void word(int w) {
        if (typeWordCount == typeWords.length)
            typeWords = java.util.Arrays.copyOf(typeWords, typeWordCount * 2);
        typeWords[typeWordCount++] = w;
    }

    int typeSectionSize() {
        return 4 * typeWordCount;
    }

    int stringSectionSize() {
        return stringBytes.size();
    }

    /** Header (hdr_len 24, type section first, strings right after), types, strings. */
    byte[] build() {
        int typeLen = typeSectionSize(), strLen = stringBytes.size();
        ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + typeLen + strLen).order(order);
        b.putShort((short) 0xeb9f).put((byte) 1).put((byte) 0).putInt(HEADER_SIZE)
                .putInt(0).putInt(typeLen).putInt(typeLen).putInt(strLen);
        for (int i = 0; i < typeWordCount; i++)
            b.putInt(typeWords[i]);
        b.put(stringBytes.toByteArray());
        return b.array();
    }

    // ---- header field offsets, for tests that corrupt them ----
    static final int HDR_LEN_AT = 4, TYPE_OFF_AT = 8, TYPE_LEN_AT = 12, STR_OFF_AT = 16, STR_LEN_AT = 20;

    /** Overwrites the 32-bit word at {@code offset} of a built blob, in the blob's byte order. */
    static byte[] patch(byte[] blob, int offset, int value) {
        byte[] copy = blob.clone();
        ByteBuffer.wrap(copy).order(orderOf(copy)).putInt(offset, value);
        return copy;
    }

    static ByteOrder orderOf(byte[] blob) {
        return (blob[0] & 0xff) == 0x9f ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN;
    }
}
