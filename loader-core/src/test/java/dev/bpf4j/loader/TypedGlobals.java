package dev.bpf4j.loader;

import dev.bpf4j.elf.ElfWriter;
import dev.bpf4j.elf.Section;
import dev.bpf4j.elf.Symbol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A BPF object built with {@link ElfWriter}, for the variable types the compiled testdata lacks
 * (enums of several sizes and signedness, {@code _Bool}, {@code signed char}, {@code unsigned
 * char} arrays): one {@code .data} section and one {@code .rodata}, ELF symbols, and a
 * {@code .BTF} with the types, VARs and DATASECs, encoded here from btf.rst. As C:
 *
 * <pre>
 * enum mode { MODE_OFF = 0, MODE_ON = 1, MODE_AUTO = 7 };          // 4 bytes, unsigned
 * enum __attribute__((packed)) level { LOW = -1, HIGH = 1 };       // 1 byte, signed
 * enum big { HUGE = 1ULL &lt;&lt; 40, TOP = 0xffffffffffffffff };     // ENUM64, unsigned
 * enum mode mode = MODE_ON;             // .data +0
 * enum level level = HIGH;              // .data +4
 * _Bool flag = 1;                       // .data +5
 * char name[6] = "eth0";                // .data +6
 * enum big big = HUGE;                  // .data +16
 * signed char delta = -3;               // .data +24
 * unsigned char mac[4] = {1, 2, 3, 4};  // .data +25
 * static int dup = 1;                   // .data +32   (a static, like the next one)
 * static const volatile int dup = 2;    // .rodata +0  (same name, another section)
 * </pre>
 */
final class TypedGlobals {
    static final String FILE = "typed.o";

    private TypedGlobals() {
    }

    static byte[] object(ByteOrder order) {
        Btf b = new Btf(order);
        int u32 = b.intType("unsigned int", 4, 0);
        int boolT = b.intType("_Bool", 1, 4);
        int charT = b.intType("char", 1, 1); // clang marks char SIGNED, never CHAR
        int scharT = b.intType("signed char", 1, 1);
        int ucharT = b.intType("unsigned char", 1, 0);
        int intT = b.intType("int", 4, 1);
        int mode = b.enumType("mode", 4, false, Map.of("MODE_OFF", 0L, "MODE_ON", 1L, "MODE_AUTO", 7L), List.of("MODE_OFF", "MODE_ON", "MODE_AUTO"));
        int level = b.enumType("level", 1, true, Map.of("LOW", -1L, "HIGH", 1L), List.of("LOW", "HIGH"));
        int big = b.enum64Type("big", Map.of("HUGE", 1L << 40, "TOP", -1L), List.of("HUGE", "TOP"));
        int name6 = b.type("", 3, 0, 0, charT, u32, 6);
        int mac4 = b.type("", 3, 0, 0, ucharT, u32, 4);
        int cint = b.type("", 10, 0, intT);          // const int
        int vcint = b.type("", 9, 0, cint);          // volatile const int
        int[][] dataVars = {
                {b.var("mode", mode, 1), 0, 4},
                {b.var("level", level, 1), 4, 1},
                {b.var("flag", boolT, 1), 5, 1},
                {b.var("name", name6, 1), 6, 6},
                {b.var("big", big, 1), 16, 8},
                {b.var("delta", scharT, 1), 24, 1},
                {b.var("mac", mac4, 1), 25, 4},
                {b.var("dup", intT, 0), 32, 4},
        };
        b.datasec(".data", 40, dataVars);
        b.datasec(".rodata", 4, new int[][]{{b.var("dup", vcint, 0), 0, 4}});

        ByteBuffer data = ByteBuffer.allocate(40).order(order);
        data.putInt(0, 1).put(4, (byte) 1).put(5, (byte) 1).put(6, "eth0".getBytes(StandardCharsets.US_ASCII))
                .putLong(16, 1L << 40).put(24, (byte) -3).put(25, new byte[]{1, 2, 3, 4}).putInt(32, 1);
        ByteBuffer rodata = ByteBuffer.allocate(4).order(order).putInt(0, 2);

        ElfWriter w = ElfWriter.create(order);
        int dataIndex = w.addSection(".data", Section.SHT_PROGBITS).flags(Section.SHF_ALLOC | Section.SHF_WRITE).align(8)
                .contents(data.array()).index();
        int rodataIndex = w.addSection(".rodata", Section.SHT_PROGBITS).flags(Section.SHF_ALLOC).align(4)
                .contents(rodata.array()).index();
        w.addSection("license", Section.SHT_PROGBITS).flags(Section.SHF_ALLOC | Section.SHF_WRITE).align(1)
                .contents("GPL\0".getBytes(StandardCharsets.US_ASCII));
        w.addSection(".BTF", Section.SHT_PROGBITS).align(4).contents(b.bytes());
        int local = Symbol.STB_LOCAL << 4 | Symbol.STT_OBJECT;
        int global = Symbol.STB_GLOBAL << 4 | Symbol.STT_OBJECT;
        w.addSymbol("typed.c", 0, 0, Symbol.STB_LOCAL << 4 | Symbol.STT_FILE, 0, Symbol.SHN_ABS);
        w.addSymbol("dup", 32, 4, local, 0, dataIndex);
        w.addSymbol("dup", 0, 4, local, 0, rodataIndex);
        for (int[] v : dataVars)
            if (v[1] < 32)
                w.addSymbol(b.names.get(v[0]), v[1], v[2], global, 0, dataIndex);
        return w.write();
    }

    /** Just enough of a BTF encoder: types are added in id order, from 1. */
    private static final class Btf {
        private final ByteOrder order;
        private final List<int[]> types = new ArrayList<>();
        private final ByteArrayOutputStream strings = new ByteArrayOutputStream();
        private final Map<String, Integer> offsets = new HashMap<>();
        final Map<Integer, String> names = new HashMap<>();

        Btf(ByteOrder order) {
            this.order = order;
            string("");
        }

        int string(String s) {
            return offsets.computeIfAbsent(s, k -> {
                int at = strings.size();
                strings.writeBytes(k.getBytes(StandardCharsets.UTF_8));
                strings.write(0);
                return at;
            });
        }

        /** An INT: encoding bits (1 signed, 2 char, 4 bool), offset 0, all {@code size * 8} bits used. */
        int intType(String name, int size, int encoding) {
            return type(name, 1, 0, size, encoding << 24 | size * 8);
        }

        /** A type of {@code kind} with {@code vlen} and kind_flag 0: name_off, info, size_or_type, then words. */
        int type(String name, int kind, int vlen, int sizeOrType, int... words) {
            return raw(name, kind, false, vlen, sizeOrType, words);
        }

        int raw(String name, int kind, boolean kindFlag, int vlen, int sizeOrType, int... words) {
            int[] t = new int[3 + words.length];
            t[0] = string(name);
            t[1] = (kindFlag ? 1 << 31 : 0) | kind << 24 | vlen;
            t[2] = sizeOrType;
            System.arraycopy(words, 0, t, 3, words.length);
            types.add(t);
            names.put(types.size(), name);
            return types.size();
        }

        int enumType(String name, int size, boolean signed, Map<String, Long> values, List<String> order) {
            int[] words = new int[2 * order.size()];
            for (int i = 0; i < order.size(); i++) {
                words[2 * i] = string(order.get(i));
                words[2 * i + 1] = values.get(order.get(i)).intValue();
            }
            return raw(name, 6, signed, order.size(), size, words);
        }

        int enum64Type(String name, Map<String, Long> values, List<String> order) {
            int[] words = new int[3 * order.size()];
            for (int i = 0; i < order.size(); i++) {
                long v = values.get(order.get(i));
                words[3 * i] = string(order.get(i));
                words[3 * i + 1] = (int) v;
                words[3 * i + 2] = (int) (v >>> 32);
            }
            return raw(name, 19, false, order.size(), 8, words);
        }

        int var(String name, int type, int linkage) {
            return raw(name, 14, false, 0, type, linkage);
        }

        void datasec(String name, int size, int[][] vars) {
            int[] words = new int[3 * vars.length];
            for (int i = 0; i < vars.length; i++) {
                words[3 * i] = vars[i][0];
                words[3 * i + 1] = vars[i][1];
                words[3 * i + 2] = vars[i][2];
            }
            raw(name, 15, false, vars.length, size, words);
        }

        byte[] bytes() {
            int typeLen = types.stream().mapToInt(t -> t.length * 4).sum();
            byte[] str = strings.toByteArray();
            ByteBuffer out = ByteBuffer.allocate(24 + typeLen + str.length).order(order);
            out.putShort((short) 0xeb9f).put((byte) 1).put((byte) 0).putInt(24)
                    .putInt(0).putInt(typeLen).putInt(typeLen).putInt(str.length);
            for (int[] t : types)
                for (int w : t)
                    out.putInt(w);
            out.put(str);
            return out.array();
        }
    }
}
