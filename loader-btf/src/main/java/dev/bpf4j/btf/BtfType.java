package dev.bpf4j.btf;

import java.util.List;
import java.util.Objects;

/**
 * One BTF type, addressed by its id in the {@link Btf} it came from. References to other types
 * are ids, not objects, so a type graph with cycles (a struct pointing at itself) stays a set of
 * plain values; follow them with {@link Btf#type(int)} or {@link Btf#resolve(int)}.
 *
 * <p>Fields that are unsigned 32-bit in the file (sizes, offsets, counts, ids) are Java
 * {@code int}s holding the same bits: use {@link Integer#toUnsignedLong} where a value above
 * 2^31 matters. Anonymous types, members and parameters have the name {@code ""}.
 *
 * <pre>{@code
 * BtfType t = btf.resolve(id);                       // through typedefs and qualifiers
 * if (t instanceof BtfType.Struct s)
 *     s.members().forEach(m -> System.out.println(m.name() + " at bit " + m.bitOffset()));
 * else if (t instanceof BtfType.Int i)
 *     System.out.println(i.bits() + "-bit " + (i.isSigned() ? "signed" : "unsigned") + " int");
 * }</pre>
 */
public sealed interface BtfType
        permits BtfType.Void, BtfType.Int, BtfType.Pointer, BtfType.Array, BtfType.Composite,
                BtfType.Enum, BtfType.Enum64, BtfType.Forward, BtfType.Typedef, BtfType.Volatile,
                BtfType.Const, BtfType.Restrict, BtfType.TypeTag, BtfType.Func, BtfType.FuncProto,
                BtfType.Var, BtfType.DataSec, BtfType.Float, BtfType.DeclTag {

    /** This type's id; 0 only for {@link Void}. */
    int id();

    /** The type's name, {@code ""} when anonymous. */
    String name();

    BtfKind kind();

    /** A struct or a union: a size and members at bit offsets. */
    sealed interface Composite extends BtfType permits Struct, Union {
        /** Size in bytes. */
        int size();

        List<Member> members();
    }

    /** The implicit type id 0: {@code void}, or "no type" where a reference is optional. */
    record Void(int id) implements BtfType {
        @Override public String name() { return ""; }
        @Override public BtfKind kind() { return BtfKind.VOID; }
    }

    /**
     * An integer: {@code size} bytes, of which {@code bits} bits starting at {@code bitOffset}
     * hold the value. {@code encoding} is a bit set of {@link #SIGNED}, {@link #CHAR}, {@link #BOOL}.
     */
    record Int(int id, String name, int size, int encoding, int bitOffset, int bits) implements BtfType {
        public static final int SIGNED = 1;
        public static final int CHAR = 2;
        public static final int BOOL = 4;

        public Int { Objects.requireNonNull(name, "name"); }

        public boolean isSigned() { return (encoding & SIGNED) != 0; }
        public boolean isChar() { return (encoding & CHAR) != 0; }
        public boolean isBool() { return (encoding & BOOL) != 0; }
        @Override public BtfKind kind() { return BtfKind.INT; }
    }

    /** A pointer to {@code type} (0 for {@code void *}). */
    record Pointer(int id, String name, int type) implements BtfType {
        public Pointer { Objects.requireNonNull(name, "name"); }
        @Override public BtfKind kind() { return BtfKind.PTR; }
    }

    /** {@code count} elements of {@code elementType}; {@code indexType} is the (int) index type. */
    record Array(int id, String name, int elementType, int indexType, int count) implements BtfType {
        public Array { Objects.requireNonNull(name, "name"); }
        @Override public BtfKind kind() { return BtfKind.ARRAY; }
    }

    record Struct(int id, String name, int size, List<Member> members) implements Composite {
        public Struct {
            Objects.requireNonNull(name, "name");
            members = List.copyOf(members);
        }
        @Override public BtfKind kind() { return BtfKind.STRUCT; }
    }

    record Union(int id, String name, int size, List<Member> members) implements Composite {
        public Union {
            Objects.requireNonNull(name, "name");
            members = List.copyOf(members);
        }
        @Override public BtfKind kind() { return BtfKind.UNION; }
    }

    /**
     * A struct or union member at {@code bitOffset} bits from the start; {@code bitfieldSize}
     * is its width in bits for a bitfield, 0 otherwise (BTF's kind_flag encoding, decoded).
     */
    record Member(String name, int type, int bitOffset, int bitfieldSize) {
        public Member { Objects.requireNonNull(name, "name"); }
    }

    /**
     * A 32-bit-valued enum; {@code signed} is the kind_flag. Values are sign-extended when
     * signed and zero-extended otherwise, so they read as the C values.
     */
    record Enum(int id, String name, int size, boolean signed, List<EnumValue> values) implements BtfType {
        public Enum {
            Objects.requireNonNull(name, "name");
            values = List.copyOf(values);
        }
        @Override public BtfKind kind() { return BtfKind.ENUM; }
    }

    /**
     * A 64-bit-valued enum; when not {@code signed}, values above {@link Long#MAX_VALUE} read
     * as negative longs with the same bits (see {@link Long#toUnsignedString(long)}).
     */
    record Enum64(int id, String name, int size, boolean signed, List<EnumValue> values) implements BtfType {
        public Enum64 {
            Objects.requireNonNull(name, "name");
            values = List.copyOf(values);
        }
        @Override public BtfKind kind() { return BtfKind.ENUM64; }
    }

    record EnumValue(String name, long value) {
        public EnumValue { Objects.requireNonNull(name, "name"); }
    }

    /** A forward declaration: {@code struct name;} or, when {@code union}, {@code union name;}. */
    record Forward(int id, String name, boolean union) implements BtfType {
        public Forward { Objects.requireNonNull(name, "name"); }
        @Override public BtfKind kind() { return BtfKind.FWD; }
    }

    record Typedef(int id, String name, int type) implements BtfType {
        public Typedef { Objects.requireNonNull(name, "name"); }
        @Override public BtfKind kind() { return BtfKind.TYPEDEF; }
    }

    record Volatile(int id, String name, int type) implements BtfType {
        public Volatile { Objects.requireNonNull(name, "name"); }
        @Override public BtfKind kind() { return BtfKind.VOLATILE; }
    }

    record Const(int id, String name, int type) implements BtfType {
        public Const { Objects.requireNonNull(name, "name"); }
        @Override public BtfKind kind() { return BtfKind.CONST; }
    }

    record Restrict(int id, String name, int type) implements BtfType {
        public Restrict { Objects.requireNonNull(name, "name"); }
        @Override public BtfKind kind() { return BtfKind.RESTRICT; }
    }

    /** {@code __attribute__((btf_type_tag(name)))} applied to {@code type}. */
    record TypeTag(int id, String name, int type) implements BtfType {
        public TypeTag { Objects.requireNonNull(name, "name"); }
        @Override public BtfKind kind() { return BtfKind.TYPE_TAG; }
    }

    /** A function: its {@code type} is a {@link FuncProto}; {@code linkage} is one of the constants. */
    record Func(int id, String name, int type, int linkage) implements BtfType {
        public static final int STATIC = 0;
        public static final int GLOBAL = 1;
        public static final int EXTERN = 2;

        public Func { Objects.requireNonNull(name, "name"); }
        @Override public BtfKind kind() { return BtfKind.FUNC; }
    }

    /**
     * A function signature. A variadic function ends with a parameter of name {@code ""} and
     * type 0. {@code name} is normally {@code ""}.
     */
    record FuncProto(int id, String name, int returnType, List<Param> params) implements BtfType {
        public FuncProto {
            Objects.requireNonNull(name, "name");
            params = List.copyOf(params);
        }
        @Override public BtfKind kind() { return BtfKind.FUNC_PROTO; }
    }

    record Param(String name, int type) {
        public Param { Objects.requireNonNull(name, "name"); }
    }

    /** A global or static variable; {@code linkage} is one of the constants. */
    record Var(int id, String name, int type, int linkage) implements BtfType {
        public static final int STATIC = 0;
        public static final int GLOBAL_ALLOCATED = 1;
        public static final int GLOBAL_EXTERN = 2;

        public Var { Objects.requireNonNull(name, "name"); }
        @Override public BtfKind kind() { return BtfKind.VAR; }
    }

    /**
     * A data section ({@code .data}, {@code .bss}, {@code .rodata}, {@code .maps}, ...) and the
     * variables placed in it. In an object file before loading, {@code size} and offsets may
     * still be 0: libbpf fills them in from the ELF symbol table.
     */
    record DataSec(int id, String name, int size, List<VarSecInfo> vars) implements BtfType {
        public DataSec {
            Objects.requireNonNull(name, "name");
            vars = List.copyOf(vars);
        }
        @Override public BtfKind kind() { return BtfKind.DATASEC; }
    }

    /** One variable (a {@link Var} or, in {@code .ksyms}, a {@link Func}) of a {@link DataSec}. */
    record VarSecInfo(int type, int offset, int size) {}

    record Float(int id, String name, int size) implements BtfType {
        public Float { Objects.requireNonNull(name, "name"); }
        @Override public BtfKind kind() { return BtfKind.FLOAT; }
    }

    /**
     * {@code __attribute__((btf_decl_tag(name)))} on {@code type} itself when
     * {@code componentIndex} is -1, else on that member or parameter of it.
     */
    record DeclTag(int id, String name, int type, int componentIndex) implements BtfType {
        public DeclTag { Objects.requireNonNull(name, "name"); }
        @Override public BtfKind kind() { return BtfKind.DECL_TAG; }
    }
}
