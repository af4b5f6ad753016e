package dev.bpf4j.btf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.RandomAccess;

/**
 * A parsed .BTF blob (the {@code .BTF} ELF section of a BPF object, or
 * {@code /sys/kernel/btf/vmlinux}): types addressed by id, id 0 being {@code void}.
 *
 * <pre>{@code
 * Btf btf = Btf.parse(Files.readAllBytes(Path.of("/sys/kernel/btf/vmlinux")));
 * BtfType.Struct task = btf.typeByName("task_struct", BtfType.Struct.class).orElseThrow();
 * for (BtfType.Member m : task.members())
 *     System.out.println(m.name() + ": " + btf.sizeOf(m.type()) + " bytes");
 * }</pre>
 *
 * <p>{@link #parse} checks the whole blob up front (header, every type's layout, every name and
 * type id reference, no type containing itself by value) and throws {@link BtfFormatException}
 * for anything malformed; after that, no method fails on a valid id, except {@link #sizeOf} for
 * a type that has no size. The checks take one pass over the type section that reads each word
 * in place (no per-type objects, no strings), plus a cycle search limited to the few types with
 * references to higher ids. Parsing is lazy beyond that: a type is decoded into its record only
 * when it is touched, and a name only when it is read (name lookups hash the raw bytes). Records
 * are values, so two decodings of one id are {@code equals}. A parsed vmlinux costs its bytes
 * plus one int per type (and a name index of about 16 bytes per named type, built on the first
 * lookup by name); {@link #read(Path)} keeps the bytes outside the Java heap, so a parsed
 * vmlinux retains about half a MiB of heap before the first name lookup and about 1.5 MiB after
 * it. {@link #read(Path)} of a large file parses while a helper thread is still reading (sysfs
 * hands out one page per read), so that reading and parsing overlap when a second core is free.
 * To share one parsed kernel BTF between loads, hold a {@link KernelBtf}.
 *
 * <p>Immutable and safe to share between threads; the input is copied.
 */
public final class Btf {

    private static final int POINTER_SIZE = 8;

    private final ByteOrder order;
    private final TypeSection types;
    private final ByteBuffer raw; // the parsed blob (owned, never modified, read with absolute gets): the identity of the contents
    private int hash; // 0 until computed; racy single-check like String.hashCode, harmless
    private volatile NameIndex names; // built on the first name lookup; immutable, so a racy double build is harmless
    private volatile FlavorIndex flavors; // likewise, on the first lookup by essential name

    private Btf(ByteOrder order, TypeSection types, ByteBuffer raw) {
        this.order = order;
        this.types = types;
        this.raw = raw;
    }

    /**
     * Parses a whole .BTF blob; the byte order is the one in which the magic reads 0xeB9F.
     *
     * @throws BtfFormatException if the blob is malformed, naming the field or type at fault
     */
    public static Btf parse(byte[] data) {
        return parseOwned(ByteBuffer.wrap(data.clone()));
    }

    /**
     * Parses the bytes from {@code data}'s position to its limit; the buffer is left unchanged.
     *
     * @throws BtfFormatException if the blob is malformed, naming the field or type at fault
     */
    public static Btf parse(ByteBuffer data) {
        byte[] copy = new byte[data.remaining()];
        data.duplicate().get(copy);
        return parseOwned(ByteBuffer.wrap(copy));
    }

    /**
     * Reads and parses a raw BTF file, such as {@code /sys/kernel/btf/vmlinux} or what
     * {@code bpftool btf dump ... format raw} reads. The bytes are kept in native memory rather
     * than on the Java heap (they are freed when the {@code Btf} is collected), which is what
     * keeps a parsed vmlinux small in heap terms. A file of 256 KiB or more is read by a
     * short-lived helper thread while this one parses what has arrived; the result, and the
     * error for a malformed file, are those of {@link #parse} on its bytes.
     *
     * <pre>{@code
     * Btf vmlinux = Btf.read(Path.of("/sys/kernel/btf/vmlinux"));
     * }</pre>
     *
     * @throws IOException if the file cannot be read
     * @throws BtfFormatException if its contents are malformed, naming the field or type at fault
     */
    public static Btf read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long hint = ch.size();
            if (hint >= CONCURRENT_READ_MIN && hint < Integer.MAX_VALUE / 2)
                return readWhileParsing(ch, (int) hint);
            return parseOwned(readDirect(ch, hint, file));
        }
    }

    /**
     * Files at least this large are parsed while a helper thread reads them ({@link ArrivingBytes}):
     * below it, the thread costs more than the overlap saves.
     */
    static final int CONCURRENT_READ_MIN = 262_144;

    /**
     * Parses {@code channel}'s contents while they are being read, expecting {@code expected}
     * bytes (the file's reported size). The result is the same as {@link #parseOwned} of the
     * whole file: when anything is off (the file is shorter or longer than reported, or the
     * blob is malformed) the whole file is parsed again, sequentially, which also gives a
     * malformed blob exactly the error a sequential parse gives.
     */
    static Btf readWhileParsing(ReadableByteChannel channel, int expected) throws IOException {
        ArrivingBytes arriving = ArrivingBytes.start(channel, expected);
        ByteBuffer data = arriving.view();
        BtfHeader header = null;
        TypeSection.Indexed indexed = null;
        try {
            if (arriving.await(BtfHeader.SIZE) >= BtfHeader.SIZE) {
                header = BtfHeader.fields(data); // against the expected size: string bytes come later
                var strings = new StringTable(data, header.stringStart(), header.stringEnd());
                indexed = TypeSection.index(data, header, strings, arriving::await);
                // Before the string section has arrived: that takes the reader a while yet, and
                // the checks need only the types (a failure is decided again below, when it has).
                TypeValidator.validate(indexed);
            }
        } catch (BtfFormatException e) {
            indexed = null;
        }
        ByteBuffer whole = arriving.finish(); // the reader is done with the memory the result owns
        if (indexed == null || whole.limit() != expected)
            return parseOwned(whole);
        header.checkStringBounds(data);
        return new Btf(header.order(), indexed.types(), data);
    }

    /**
     * The whole file in a direct buffer. The size a file reports is only a hint (sysfs and procfs
     * may report 0 or a stale size), so this reads until end of file, growing as needed.
     */
    private static ByteBuffer readDirect(FileChannel ch, long hint, Path file) throws IOException {
        ByteBuffer buf = ByteBuffer.allocateDirect((int) Math.min(Math.max(hint, 4096), Integer.MAX_VALUE - 8) + 1);
        while (true) {
            if (ch.read(buf) < 0)
                break;
            if (!buf.hasRemaining()) {
                if (buf.capacity() >= Integer.MAX_VALUE / 2)
                    throw new IOException(file + ": too large for a BTF blob (over 1 GiB)");
                ByteBuffer bigger = ByteBuffer.allocateDirect(buf.capacity() * 2);
                bigger.put(buf.flip());
                buf = bigger;
            }
        }
        buf.flip();
        if (buf.capacity() - buf.limit() <= 4096)
            return buf.slice();
        // Give back the slack of a size hint that was too generous.
        return ByteBuffer.allocateDirect(buf.limit()).put(buf).flip();
    }

    private static Btf parseOwned(ByteBuffer data) {
        BtfHeader header = BtfHeader.read(data);
        var strings = new StringTable(data, header.stringStart(), header.stringEnd());
        TypeSection.Indexed indexed = TypeSection.index(data, header, strings);
        TypeValidator.validate(indexed);
        return new Btf(header.order(), indexed.types(), data);
    }

    /**
     * The blob's bytes, exactly as parsed (a copy): what to hand to {@code BPF_BTF_LOAD}, write to
     * a file, or embed as a {@code .BTF} section.
     */
    public byte[] toBytes() {
        byte[] copy = new byte[raw.limit()];
        raw.get(0, copy);
        return copy;
    }

    public ByteOrder byteOrder() {
        return order;
    }

    /** Number of type ids, including 0 ({@code void}): valid ids are {@code 0..typeCount()-1}. */
    public int typeCount() {
        return types.count();
    }

    /** The type with that id; 0 is {@link BtfType.Void}. */
    public BtfType type(int id) {
        return TypeDecoder.decode(types, checkId(id));
    }

    /** The kind of a type, without decoding it. */
    public BtfKind kind(int id) {
        return types.kind(checkId(id));
    }

    /** The name of a type ({@code ""} when anonymous), without decoding the rest of it. */
    public String name(int id) {
        return types.name(checkId(id));
    }

    /** All types, the list index being the id; elements are decoded as they are read. */
    public List<BtfType> types() {
        return new TypeList();
    }

    /**
     * All types named {@code name}, in id order; empty for {@code ""} (anonymous types). Names
     * are matched as UTF-8 bytes, so a name that is not valid UTF-8 in the blob (and so reads
     * with U+FFFD in it) cannot be found.
     */
    public List<BtfType> typesByName(String name) {
        Objects.requireNonNull(name, "name");
        int[] ids = names().find(name);
        var found = new ArrayList<BtfType>(ids.length);
        for (int id : ids)
            found.add(TypeDecoder.decode(types, id));
        return List.copyOf(found);
    }

    /**
     * The first type (lowest id) named {@code name} that is an instance of {@code kind}, e.g.
     * {@code typeByName("task_struct", BtfType.Struct.class)} or {@code BtfType.Composite.class}.
     */
    public <T extends BtfType> Optional<T> typeByName(String name, Class<T> kind) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        for (int id : names().find(name)) {
            BtfType t = TypeDecoder.decode(types, id);
            if (kind.isInstance(t))
                return Optional.of(kind.cast(t));
        }
        return Optional.empty();
    }

    /**
     * The id of the first type (lowest id) named {@code name} of kind {@code kind}, without
     * decoding any type: libbpf's {@code btf__find_by_name_kind}. Empty when there is none, and
     * for {@code ""}.
     *
     * <pre>{@code
     * int taskStruct = btf.findId("task_struct", BtfKind.STRUCT).orElseThrow();
     * }</pre>
     */
    public OptionalInt findId(String name, BtfKind kind) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(kind, "kind");
        for (int id : names().find(name))
            if (types.kind(id) == kind)
                return OptionalInt.of(id);
        return OptionalInt.empty();
    }

    /**
     * The ids of all types whose essential name is {@code essential}, ascending: CO-RE's
     * candidate set before kinds are compared. A type's essential name is its name without a
     * trailing {@code ___flavor} (libbpf's {@code bpf_core_essential_name_len}: cut at the last
     * {@code X___Y}, X and Y not underscores), so {@code "task_struct"} finds both
     * {@code task_struct} and {@code task_struct___old}. Looks at no type beyond the name index
     * and a small index of flavored names, both built once per {@code Btf}.
     *
     * <pre>{@code
     * for (int id : vmlinux.idsByEssentialName("task_struct"))
     *     if (vmlinux.kind(id) == BtfKind.STRUCT) candidates.add(id);
     * }</pre>
     */
    public int[] idsByEssentialName(String essential) {
        Objects.requireNonNull(essential, "essential");
        byte[] utf8 = essential.getBytes(StandardCharsets.UTF_8);
        // A name with a flavor of its own is nobody's essential name, except as the prefix of a longer flavor.
        int[] exact = FlavorIndex.essentialLength(utf8, 0, utf8.length) == utf8.length ? names().find(essential) : new int[0];
        FlavorIndex index = flavors;
        if (index == null)
            flavors = index = FlavorIndex.build(types, types.strings().bytes());
        int[] flavored = index.find(essential);
        if (flavored.length == 0)
            return exact;
        int[] all = Arrays.copyOf(exact, exact.length + flavored.length);
        System.arraycopy(flavored, 0, all, exact.length, flavored.length);
        Arrays.sort(all);
        return all;
    }

    /** The data section called {@code name} (".data", ".rodata", ".maps", ...), if any. */
    public Optional<BtfType.DataSec> datasec(String name) {
        return typeByName(name, BtfType.DataSec.class);
    }

    /** {@link #resolveId}, decoded. */
    public BtfType resolve(int id) {
        return TypeDecoder.decode(types, resolveId(id));
    }

    /**
     * The id reached from {@code id} by skipping TYPEDEF, CONST, VOLATILE, RESTRICT and TYPE_TAG
     * types; {@code id} itself when it is none of those. Unlike libbpf's btf__resolve_type, a
     * VAR is not skipped: a variable is not a type alias.
     */
    public int resolveId(int id) {
        int cur = checkId(id);
        // parse() rejected cycles through these kinds; the bound only makes termination local.
        for (int steps = 0; steps < types.count(); steps++) {
            switch (types.kind(cur)) {
                case TYPEDEF, CONST, VOLATILE, RESTRICT, TYPE_TAG -> cur = types.sizeOrType(cur);
                default -> {
                    return cur;
                }
            }
        }
        throw new BtfFormatException("%s: reference cycle through non-pointer kinds", types.describe(id));
    }

    /**
     * The size in bytes of a value of that type, as libbpf's {@code btf__resolve_size}: ints,
     * floats, enums, structs, unions and datasecs have their size; a pointer is 8 bytes; an array
     * is its element count times its element size; typedefs, qualifiers, type tags, vars and decl
     * tags take their target's size. Void, forward declarations, functions and function
     * prototypes have no size, and sizes above 2^32-1 are refused, as libbpf does.
     *
     * @throws BtfFormatException naming the type without a size, or the overflow
     */
    public long sizeOf(int id) {
        int cur = checkId(id);
        long elements = 1;
        for (int steps = 0; steps <= types.count(); steps++) {
            BtfKind kind = types.kind(cur);
            long size = switch (kind) {
                case INT, STRUCT, UNION, ENUM, ENUM64, DATASEC, FLOAT -> Integer.toUnsignedLong(types.sizeOrType(cur));
                case PTR -> POINTER_SIZE;
                case TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG, VAR, DECL_TAG, ARRAY -> -1; // followed below
                case VOID, FWD, FUNC, FUNC_PROTO -> throw new BtfFormatException(
                        "sizeOf(%d): %s has no size", id, types.describe(cur));
            };
            if (size >= 0) {
                if (elements != 0 && size > 0xffff_ffffL / elements)
                    throw tooBig(id);
                return size * elements;
            }
            if (kind == BtfKind.ARRAY) {
                long n = Integer.toUnsignedLong(types.word(cur, 5));
                if (n != 0 && elements > 0xffff_ffffL / n)
                    throw tooBig(id);
                elements *= n;
                cur = types.word(cur, 3);
            } else {
                cur = types.sizeOrType(cur);
            }
        }
        throw new BtfFormatException("%s: reference cycle through non-pointer kinds", types.describe(id));
    }

    private BtfFormatException tooBig(int id) {
        return new BtfFormatException("sizeOf(%d): %s is larger than 2^32-1 bytes", id, types.describe(id));
    }

    /** The string at that offset of the string section. */
    public String string(int offset) {
        return types.strings().get(offset);
    }

    private int checkId(int id) {
        if (id < 0 || id >= types.count())
            throw new BtfFormatException("type id %d is out of range: there are only %d types (ids 0..%d)",
                    id, types.count(), types.count() - 1);
        return id;
    }

    private NameIndex names() {
        NameIndex index = names;
        if (index == null)
            names = index = NameIndex.build(types);
        return index;
    }

    /**
     * Two {@code Btf}s are equal when they were parsed from the same bytes (so same byte order,
     * same types under the same ids, same strings). Specs hold a {@code Btf}; comparing by
     * content lets a spec read twice, or written and read back, compare equal.
     */
    @Override
    public boolean equals(Object o) {
        // ByteBuffer.equals compares contents (position to limit), whatever the buffers' kinds.
        return o == this || o instanceof Btf b && raw.equals(b.raw);
    }

    @Override
    public int hashCode() {
        int h = hash;
        if (h == 0)
            hash = h = raw.hashCode();
        return h;
    }

    @Override
    public String toString() {
        return "Btf[" + order + ", " + types.count() + " types, " + types.strings().size() + " bytes of strings]";
    }

    /** The live view behind {@link #types()}: decodes on {@code get}, so it costs nothing to hold. */
    private final class TypeList extends AbstractList<BtfType> implements RandomAccess {
        @Override
        public BtfType get(int index) {
            if (index < 0 || index >= types.count())
                throw new IndexOutOfBoundsException("type id " + index + " of " + types.count());
            return TypeDecoder.decode(types, index);
        }

        @Override
        public int size() {
            return types.count();
        }
    }
}
