package dev.bpf4j.loader;

import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.ElfWriter;
import dev.bpf4j.elf.ObjectFormatException;
import dev.bpf4j.elf.Section;

import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An object as a template: read and set its global and static variables, then write the object
 * back out. Setting a variable rewrites bytes of its data section ({@code .data*},
 * {@code .rodata*}) in the file, so the next load starts from the new value without a compiler
 * (the "ELF as template" idea: configuration lives in {@code const volatile} globals).
 *
 * <pre>{@code
 * ObjectTemplate t = ObjectTemplate.of(SpecReader.read(Path.of("xdp_parser.o")));
 * t.variable("blocked_udp_port").set(53);              // a __u16 in .rodata
 * t.variable("drop_malformed").parse("1");               // as the command line spells values
 * Files.write(Path.of("xdp_parser.dns.o"), t.toBytes()); // the same object, new .rodata bytes
 * ObjectSpec spec = t.spec();                             // its .rodata map starts with port 53
 * }</pre>
 *
 * <p>Values follow the variable's BTF type: see {@link Variable#get()} and
 * {@link Variable#parse(String)}. Variables in {@code .bss} have no bytes in the file (the
 * section is NOBITS: zeros at load), and {@code __kconfig} externs are filled in by the loader,
 * so neither can be set here; every refusal is a {@link TemplateException} whose message names
 * the variable, its type and what would be accepted.
 *
 * <p>The spec given stays as it is (specs are immutable); the template keeps its own copies of
 * the sections it changes. Not thread-safe.
 */
public final class ObjectTemplate {
    private final ObjectSpec spec;
    private final ElfFile elf;
    private final List<Variable> variables = new ArrayList<>();
    private final Map<String, List<Variable>> byName = new LinkedHashMap<>();
    /** Working copies of the data sections changed so far, by section index. */
    private final Map<Integer, byte[]> changed = new LinkedHashMap<>();

    private ObjectTemplate(ObjectSpec spec) {
        this.spec = spec;
        this.elf = spec.elf();
        for (VariableSpec v : spec.variables()) {
            Variable handle = new Variable(v);
            variables.add(handle);
            byName.computeIfAbsent(v.name(), n -> new ArrayList<>()).add(handle);
        }
    }

    /**
     * A template over {@code spec}'s object.
     *
     * @throws IllegalArgumentException if the spec has no parsed file (one made by hand)
     */
    public static ObjectTemplate of(ObjectSpec spec) {
        Objects.requireNonNull(spec, "spec");
        if (spec.elf() == null)
            throw new IllegalArgumentException("spec '" + spec.name() + "' has no ELF file to write back");
        return new ObjectTemplate(spec);
    }

    /** The file name the object was read under; messages and {@link #spec()} use it. */
    public String fileName() {
        return elf.name();
    }

    /** Every variable, in the spec's order ({@code .bss} and kconfig ones included, for listings). */
    public List<Variable> variables() {
        return List.copyOf(variables);
    }

    /**
     * The variable called {@code name}.
     *
     * @throws TemplateException when the object has none, listing the ones it has, or when
     *                           the name is ambiguous (statics of one name in several sections,
     *                           as objects linked from several files can have)
     */
    public Variable variable(String name) {
        List<Variable> found = byName.getOrDefault(name, List.of());
        if (found.isEmpty())
            throw new TemplateException(fileName(), name, "no variable '%s'; variables: %s", name, List.copyOf(byName.keySet()));
        if (found.size() > 1)
            throw new TemplateException(fileName(), name, "'%s' names %d variables (sections %s); they cannot be told apart by name",
                    name, found.size(), found.stream().map(v -> v.spec().section()).toList());
        return found.get(0);
    }

    /**
     * The object with the variables' current values: the input file with the changed data
     * sections replaced (same sizes), everything else as it was. Unchanged, it is byte-identical
     * to the input when clang wrote it (see {@link ElfWriter#copyOf}).
     */
    public byte[] toBytes() {
        ElfWriter w = ElfWriter.copyOf(elf);
        changed.forEach(w::replaceContents);
        return w.write();
    }

    /**
     * The spec of {@link #toBytes()}: read again, so everything derived from the data sections
     * (the internal maps' initial data) shows the new values.
     */
    public ObjectSpec spec() {
        return SpecReader.read(fileName(), toBytes());
    }

    private Section sectionOf(VariableSpec v) {
        Section s = elf.section(v.section()).orElseThrow(() -> new ObjectFormatException(fileName(),
                "variable '%s': its section '%s' does not exist", v.name(), v.section()));
        if (!s.isNoBits() && (v.offset() < 0 || v.size() < 0 || v.offset() + v.size() > s.size()))
            throw new ObjectFormatException(fileName(), "variable '%s' (offset %d, %d bytes) lies outside section '%s' (%d bytes)",
                    v.name(), v.offset(), v.size(), s.name(), s.size());
        return s;
    }

    private byte[] sectionBytes(Section s) {
        byte[] b = changed.get(s.index());
        return b != null ? b : elf.bytes(s);
    }

    /**
     * One variable of the template: a live handle, reading and writing the template's bytes.
     *
     * <p>Values by BTF type (through typedefs and {@code const}/{@code volatile}):
     * <table>
     * <caption>What {@code get()} returns and what {@code parse} accepts</caption>
     * <tr><th>type</th><th>{@code get()}</th><th>{@code parse(text)}</th></tr>
     * <tr><td>integers of 1, 2, 4, 8 bytes</td><td>{@code Long}; a u64 above 2^63 as the negative
     *     long with the same bits ({@link Long#toUnsignedString(long)} prints it)</td>
     *     <td>decimal or {@code 0x} hex, optional sign, checked against the range of the size and
     *     signedness; {@code true}/{@code false} for {@code _Bool}</td></tr>
     * <tr><td>enums</td><td>the enumerator's name, or a {@code Long} when none has the value</td>
     *     <td>an enumerator name or a number that fits the size</td></tr>
     * <tr><td>{@code char[N]}</td><td>{@code String}: the UTF-8 text up to the first NUL</td>
     *     <td>{@code "quoted"} (escapes {@code \" \\ \n \t \r \0 \xHH}) or bare text, at most N
     *     bytes in UTF-8, zero-padded</td></tr>
     * <tr><td>structs, unions, other arrays, pointers, floats, no BTF</td><td>{@code byte[]}</td>
     *     <td>{@code 0x0102...} or {@code hex:0102...}, exactly the variable's size</td></tr>
     * </table>
     * Every type also accepts {@code hex:} and exactly its bytes. {@link #text()} gives the
     * value in that syntax, and {@code parse(text())} never changes a byte.
     */
    public final class Variable {
        private final VariableSpec spec;
        private ValueShape shape; // made on first use: listing names costs no BTF decoding

        private Variable(VariableSpec spec) {
            this.spec = spec;
        }

        public String name() {
            return spec.name();
        }

        /** Where the variable lives and its BTF type, as the spec reader found them. */
        public VariableSpec spec() {
            return spec;
        }

        /** The type as messages show it: {@code u16}, {@code enum mode}, {@code char[8]}, {@code struct limits, 8 bytes}. */
        public String typeName() {
            return shape().label();
        }

        /** False for {@code .bss} variables and {@code __kconfig} externs, which have no bytes in the file. */
        public boolean isSettable() {
            return !spec.extern() && !sectionOf(spec).isNoBits();
        }

        /**
         * The current bytes of the variable (zeros for {@code .bss}, which starts zeroed).
         *
         * @throws TemplateException for kconfig externs, whose value comes from the kernel at load
         */
        public byte[] bytes() {
            if (spec.extern())
                throw notInFile();
            Section s = sectionOf(spec);
            if (s.isNoBits())
                return new byte[(int) spec.size()];
            return Arrays.copyOfRange(sectionBytes(s), (int) spec.offset(), (int) (spec.offset() + spec.size()));
        }

        /** The current value, typed as the table above says. */
        public Object get() {
            return shape().decode(bytes(), order());
        }

        /** The current value in {@link #parse}'s syntax, e.g. {@code 9}, {@code "bpf4j"}, {@code 0x0a000000dc050000}. */
        public String text() {
            return shape().format(bytes(), order());
        }

        /** Sets an integer or enum variable; for a u64, any long (its 64 bits). */
        public Variable set(long value) {
            checkSettable();
            return store(shape().fromLong(value, order(), where()));
        }

        /**
         * Sets an integer or enum from its text (as {@link #parse}), a char array to exactly
         * this string (no quote processing), or a blob from {@code 0x}/{@code hex:} digits.
         */
        public Variable set(String value) {
            Objects.requireNonNull(value, "value");
            checkSettable();
            return store(shape().fromString(value, order(), where()));
        }

        /** Sets any variable to exactly these bytes, in the object's byte order. */
        public Variable set(byte[] value) {
            Objects.requireNonNull(value, "value");
            checkSettable();
            if (value.length != spec.size())
                throw where().fail("'%s' has %d bytes (%s): got %d", name(), spec.size(), typeName(), value.length);
            return store(value.clone());
        }

        /** Sets the variable from text in the command line's syntax (the table above). */
        public Variable parse(String text) {
            Objects.requireNonNull(text, "text");
            checkSettable();
            return store(shape().parse(text, order(), where()));
        }

        private Variable store(byte[] value) {
            Section s = sectionOf(spec);
            byte[] bytes = changed.computeIfAbsent(s.index(), i -> elf.bytes(s));
            System.arraycopy(value, 0, bytes, (int) spec.offset(), value.length);
            return this;
        }

        private void checkSettable() {
            if (spec.extern())
                throw notInFile();
            if (sectionOf(spec).isNoBits())
                throw where().fail("'%s' is in %s, which has no bytes in the object file (NOBITS: it is zeroed at load), so it"
                        + " cannot be set; to make it settable, move it to .data (give it a non-zero initial value, or"
                        + " SEC(\".data\"))", name(), spec.section());
        }

        private TemplateException notInFile() {
            return where().fail("'%s' is a __kconfig extern: the loader fills it in from the kernel's configuration at load"
                    + " time, and it has no bytes in the object to read or set", name());
        }

        private ValueShape shape() {
            if (shape == null)
                shape = ValueShape.of(ObjectTemplate.this.spec.btf(), spec.type(), spec.size());
            return shape;
        }

        private ValueShape.Where where() {
            return new ValueShape.Where(fileName(), name());
        }

        private ByteOrder order() {
            return elf.byteOrder();
        }

        @Override
        public String toString() {
            return name() + " (" + spec.section() + "+" + spec.offset() + ", " + typeName() + ")";
        }
    }

    /** The spec the template was made from, unchanged by {@code set}: compare with {@link #spec()}. */
    public ObjectSpec original() {
        return spec;
    }
}
