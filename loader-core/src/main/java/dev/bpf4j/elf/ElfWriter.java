package dev.bpf4j.elf;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes ELF64 relocatable BPF objects, little- or big-endian, in two ways.
 *
 * <p><b>Rewriting an object</b> ({@link #copyOf}): every section header, the symbol table, the
 * string tables and the REL sections are kept as they are, byte for byte; only contents given
 * to {@link #replaceContents} change. Sections are laid out again in their original file
 * order, each at the next offset that honours its {@code sh_addralign} (NOBITS sections too,
 * though they take no bytes), with the section header
 * table at its original place in that order (8-aligned). That is how LLVM lays objects out, so
 * an unchanged clang object is written back byte-identical; an object from another producer
 * may come out with different padding, but the same sections, symbols and relocations.
 *
 * <pre>{@code
 * ElfFile elf = ElfReader.read(Path.of("xdp_parser.o"));
 * byte[] rodata = elf.bytes(elf.section(".rodata").orElseThrow());
 * rodata[0] = 53;                                   // same size: symbols and BTF stay valid
 * byte[] out = ElfWriter.copyOf(elf).replaceContents(elf.section(".rodata").get().index(), rodata).write();
 * }</pre>
 *
 * <p><b>Building an object</b> ({@link #create}): add sections, symbols and relocations; on
 * {@link #write} the writer appends {@code .symtab} and {@code .strtab} (when there are symbols
 * or relocations) and {@code .shstrtab}, in that order after the sections added, so the indexes
 * returned while building are final. Section names are stored without tail merging; REL
 * sections get {@code sh_link} = the symbol table and {@code sh_info} = their target; the
 * symbol table's {@code sh_info} is the index of its first non-local symbol.
 *
 * <pre>{@code
 * ElfWriter w = ElfWriter.create(ByteOrder.LITTLE_ENDIAN);
 * int text = w.addSection("xdp", Section.SHT_PROGBITS)
 *         .flags(Section.SHF_ALLOC | Section.SHF_EXECINSTR).align(8).contents(code).index();
 * int data = w.addSection(".data", Section.SHT_PROGBITS)
 *         .flags(Section.SHF_ALLOC | Section.SHF_WRITE).align(8).contents(new byte[8]).index();
 * int sym = w.addSymbol("counter", 0, 8, Symbol.STB_GLOBAL << 4 | Symbol.STT_OBJECT, 0, data);
 * w.addRelocations(text, List.of(new Relocation(0, sym, 1)));   // R_BPF_64_64 at insn 0
 * ElfFile back = ElfReader.read("built.o", w.write());
 * }</pre>
 *
 * <p>Mistakes in building (a local symbol after a global one, an alignment that is not a power
 * of two, a relocation naming a symbol that does not exist) are {@link IllegalArgumentException}s
 * or {@link IllegalStateException}s: they are bugs of the caller, not malformed input. Not
 * thread-safe; a writer can be written any number of times.
 */
public final class ElfWriter {
    /** SHF_INFO_LINK: sh_info holds a section index. LLVM sets it on every REL section. */
    public static final long SHF_INFO_LINK = 0x40;
    /**
     * Largest sh_addralign written. BPF objects use at most 8 (16 for some data); the bound
     * keeps a hostile alignment from turning into gigabytes of padding.
     */
    public static final long MAX_ALIGN = 1L << 16;
    /** Largest output, in bytes: it is one Java array. */
    private static final long MAX_FILE = Integer.MAX_VALUE - 16;

    private final String name;
    private final ByteOrder order;
    private final boolean copy;
    /** Copies only: the original ELF header, and the original e_shoff (its place in the file order). */
    private final byte[] originalHeader;
    private final long originalShoff;
    private final List<SectionBuilder> sections = new ArrayList<>();
    private final List<SymbolEntry> symbols = new ArrayList<>();
    private boolean sawNonLocal;

    private ElfWriter(String name, ByteOrder order, boolean copy, byte[] originalHeader, long originalShoff) {
        this.name = name;
        this.order = order;
        this.copy = copy;
        this.originalHeader = originalHeader;
        this.originalShoff = originalShoff;
    }

    /** A new, empty object: only the null section, which every ELF file starts with. */
    public static ElfWriter create(ByteOrder order) {
        Objects.requireNonNull(order, "order");
        ElfWriter w = new ElfWriter("(new object)", order, false, null, 0);
        w.sections.add(new SectionBuilder(w, 0, "", Section.SHT_NULL));
        return w;
    }

    /**
     * A writer that reproduces {@code elf}: same ELF header fields, same section headers (names,
     * flags, addresses, links, alignments) and the same section contents, symbol table and
     * relocations (copied as bytes, so symbol and relocation indexes stay valid).
     *
     * @throws ObjectFormatException if a section asks for an alignment above {@link #MAX_ALIGN}
     */
    public static ElfWriter copyOf(ElfFile elf) {
        byte[] raw = elf.rawBytes();
        ByteBuffer buf = ByteBuffer.wrap(raw).order(elf.byteOrder());
        long shoff = buf.getLong(40);
        ElfWriter w = new ElfWriter(elf.name(), elf.byteOrder(), true, Arrays.copyOf(raw, ElfLayout.EHDR_SIZE), shoff);
        for (Section s : elf.sections()) {
            // ElfReader checked that the table lies in the file, so these reads are in bounds.
            int at = (int) (shoff + (long) s.index() * ElfLayout.SHDR_SIZE);
            if (s.index() > 0 && Long.compareUnsigned(s.addressAlignment(), MAX_ALIGN) > 0)
                throw new ObjectFormatException(elf.name(), "section #%d '%s': alignment 0x%x is above the 0x%x bpf4j writes",
                        s.index(), s.name(), s.addressAlignment(), MAX_ALIGN);
            SectionBuilder b = new SectionBuilder(w, s.index(), s.name(), s.type());
            b.nameOffset = buf.getInt(at) & 0xffffffffL;
            b.flags = s.flags();
            b.address = buf.getLong(at + 16);
            b.link = s.link();
            b.info = s.info();
            b.align = s.addressAlignment();
            b.entrySize = s.entrySize();
            b.originalOffset = s.offset();
            if (hasFileBytes(s.type()) && s.index() > 0)
                b.contents = elf.bytes(s);
            else
                b.size = s.size();
            w.sections.add(b);
        }
        return w;
    }

    public ByteOrder byteOrder() {
        return order;
    }

    /** Sections so far, the null section included; generated tables are not counted until written. */
    public int sectionCount() {
        return sections.size();
    }

    /**
     * Replaces a section's contents. In a copy, keep the size unless you also fix what points
     * into the section (symbol values, BTF DATASEC sizes, relocation offsets): the writer lays
     * the file out again, but does not rewrite references.
     *
     * @throws IllegalArgumentException for the null section, a NOBITS or NULL section (no bytes
     *                                  in the file) or an index out of range
     */
    public ElfWriter replaceContents(int sectionIndex, byte[] contents) {
        if (sectionIndex <= 0 || sectionIndex >= sections.size())
            throw new IllegalArgumentException("section index " + sectionIndex + " is out of range (1.." + (sections.size() - 1) + ")");
        sections.get(sectionIndex).contents(contents);
        return this;
    }

    /**
     * Adds a section at the next index ({@link SectionBuilder#index()}); set its fields on the
     * returned builder. Use {@link #addRelocations} for REL sections and {@link #addSymbol} for
     * symbols: the writer makes {@code .symtab}, {@code .strtab} and {@code .shstrtab}.
     *
     * @throws IllegalStateException on a copy, whose sections are fixed
     */
    public SectionBuilder addSection(String sectionName, int type) {
        requireBuilding("sections");
        Objects.requireNonNull(sectionName, "sectionName");
        if (sectionName.indexOf('\0') >= 0)
            throw new IllegalArgumentException("section name contains NUL: " + sectionName);
        SectionBuilder b = new SectionBuilder(this, sections.size(), sectionName, type);
        sections.add(b);
        return b;
    }

    /**
     * Adds a symbol; returns its index in the symbol table (index 0 is the null symbol). ELF
     * wants local symbols first, so a local symbol after a global or weak one is refused.
     *
     * @param info         {@code binding << 4 | type}, e.g. {@code Symbol.STB_GLOBAL << 4 | Symbol.STT_FUNC}
     * @param sectionIndex the section it is defined in, or {@link Symbol#SHN_UNDEF}, {@link Symbol#SHN_ABS}, ...
     * @throws IllegalStateException on a copy, or for a local symbol after a non-local one
     */
    public int addSymbol(String symbolName, long value, long size, int info, int other, int sectionIndex) {
        requireBuilding("symbols");
        Objects.requireNonNull(symbolName, "symbolName");
        if (symbolName.indexOf('\0') >= 0)
            throw new IllegalArgumentException("symbol name contains NUL: " + symbolName);
        if (info < 0 || info > 0xff || other < 0 || other > 0xff)
            throw new IllegalArgumentException("symbol '" + symbolName + "': st_info 0x" + Integer.toHexString(info)
                    + " and st_other 0x" + Integer.toHexString(other) + " must be bytes");
        if (sectionIndex < 0 || sectionIndex > 0xffff || sectionIndex == ElfLayout.SHN_XINDEX)
            throw new IllegalArgumentException("symbol '" + symbolName + "': section index " + sectionIndex
                    + " cannot be written (0..0xfffe; extended indexes are not supported)");
        boolean local = info >>> 4 == Symbol.STB_LOCAL;
        if (local && sawNonLocal)
            throw new IllegalStateException("symbol '" + symbolName + "' is local but follows a non-local symbol: ELF puts local symbols first");
        sawNonLocal |= !local;
        symbols.add(new SymbolEntry(symbolName, value, size, info, other, sectionIndex));
        return symbols.size();
    }

    /**
     * Adds a REL section named {@code ".rel" + target's name} holding {@code relocations}, whose
     * symbol indexes are those {@link #addSymbol} returned (checked when written).
     *
     * @throws IllegalStateException on a copy
     */
    public SectionBuilder addRelocations(int targetSection, List<Relocation> relocations) {
        requireBuilding("relocations");
        if (targetSection <= 0 || targetSection >= sections.size())
            throw new IllegalArgumentException("relocation target section " + targetSection + " does not exist (1.." + (sections.size() - 1) + ")");
        SectionBuilder b = addSection(".rel" + sections.get(targetSection).name, Section.SHT_REL);
        b.flags = SHF_INFO_LINK;
        b.align = 8;
        b.entrySize = ElfLayout.REL_SIZE;
        b.info = targetSection;
        b.relocations = List.copyOf(relocations);
        return b;
    }

    private void requireBuilding(String what) {
        if (copy)
            throw new IllegalStateException(name + ": the " + what + " of a copied object are kept as they are; only contents can be replaced");
    }

    /** The object's bytes. */
    public byte[] write() {
        List<Out> out = copy ? copiedSections() : builtSections();
        int count = out.size();
        int shstrndx = count - 1; // built objects only; copies keep their header's value

        // Layout: file order (original offsets for copies, index order for built objects),
        // each section at the next multiple of its alignment; the header table 8-aligned.
        List<Integer> fileOrder = new ArrayList<>();
        for (int i = 1; i < count; i++)
            fileOrder.add(i);
        fileOrder.add(-1); // the section header table
        long shdrKey = copy ? originalShoff : Long.MAX_VALUE;
        fileOrder.sort(Comparator.<Integer>comparingLong(i -> i < 0 ? shdrKey : out.get(i).sortKey)
                .thenComparingInt(i -> i < 0 ? Integer.MAX_VALUE : i));
        long[] offsets = new long[count];
        long shoff = 0;
        long pos = ElfLayout.EHDR_SIZE;
        for (int i : fileOrder) {
            if (i < 0) {
                shoff = alignUp(pos, 8);
                pos = shoff + (long) count * ElfLayout.SHDR_SIZE;
            } else {
                // LLVM pads up to every section's alignment, NOBITS ones included, and
                // we must too for an unchanged object to come out byte-identical.
                Out s = out.get(i);
                offsets[i] = alignUp(pos, s.align);
                pos = offsets[i] + (s.contents != null ? s.contents.length : 0);
            }
            if (pos > MAX_FILE)
                throw new IllegalStateException(name + ": the object would be larger than 2 GiB");
        }

        byte[] file = new byte[(int) pos];
        ByteBuffer buf = ByteBuffer.wrap(file).order(order);
        writeHeader(buf, shoff, count, shstrndx);
        for (int i = 0; i < count; i++) {
            Out s = out.get(i);
            if (s.contents != null && i > 0)
                System.arraycopy(s.contents, 0, file, (int) offsets[i], s.contents.length);
            int at = (int) (shoff + (long) i * ElfLayout.SHDR_SIZE);
            buf.putInt(at, (int) s.nameOffset);
            buf.putInt(at + 4, s.type);
            buf.putLong(at + 8, s.flags);
            buf.putLong(at + 16, s.address);
            buf.putLong(at + 24, i == 0 ? s.sortKey : offsets[i]);
            buf.putLong(at + 32, s.contents != null ? s.contents.length : s.size);
            buf.putInt(at + 40, s.link);
            buf.putInt(at + 44, s.info);
            buf.putLong(at + 48, s.align);
            buf.putLong(at + 56, s.entrySize);
        }
        return file;
    }

    private void writeHeader(ByteBuffer buf, long shoff, int count, int shstrndx) {
        if (copy) {
            // Keep what we do not model (OS/ABI, e_flags, e_version, e_shnum, e_shstrndx, which
            // may use extended numbering through section 0); drop program headers, which a
            // relocatable object has none of and which we do not copy.
            buf.put(0, originalHeader);
            buf.putLong(32, 0);
            buf.putLong(40, shoff);
            buf.putShort(56, (short) 0);
            return;
        }
        buf.put(0, new byte[]{0x7f, 'E', 'L', 'F', 2, (byte) (order == ByteOrder.LITTLE_ENDIAN ? 1 : 2), 1});
        buf.putShort(16, (short) ElfFile.ET_REL);
        buf.putShort(18, (short) ElfFile.EM_BPF);
        buf.putInt(20, 1); // EV_CURRENT
        buf.putLong(40, shoff);
        buf.putShort(52, (short) ElfLayout.EHDR_SIZE);
        buf.putShort(58, (short) ElfLayout.SHDR_SIZE);
        // Extended numbering: counts that do not fit 16 bits live in section 0 (set in builtSections).
        buf.putShort(60, (short) (count >= ElfLayout.SHN_LORESERVE ? 0 : count));
        buf.putShort(62, (short) (shstrndx >= ElfLayout.SHN_LORESERVE ? ElfLayout.SHN_XINDEX : shstrndx));
    }

    private List<Out> copiedSections() {
        List<Out> out = new ArrayList<>(sections.size());
        for (SectionBuilder b : sections)
            out.add(new Out(b.nameOffset, b.type, b.flags, b.address, b.contents, b.size, b.link, b.info,
                    b.align, b.entrySize, b.originalOffset));
        return out;
    }

    private List<Out> builtSections() {
        boolean needsSymtab = !symbols.isEmpty() || sections.stream().anyMatch(b -> b.relocations != null);
        int symtabIndex = needsSymtab ? sections.size() : 0;
        int strtabIndex = needsSymtab ? symtabIndex + 1 : 0;
        int count = sections.size() + (needsSymtab ? 3 : 1);

        StringTable names = new StringTable();
        List<Out> out = new ArrayList<>(count);
        for (SectionBuilder b : sections) {
            long nameOffset = b.index == 0 ? 0 : names.add(b.name);
            byte[] contents = b.contents;
            int link = b.link;
            if (b.relocations != null) {
                contents = relocations(b);
                link = symtabIndex;
            }
            // Section 0 carries the real counts when they do not fit the ELF header's 16 bits.
            long size = b.index == 0 && count >= ElfLayout.SHN_LORESERVE ? count : b.size;
            if (b.index == 0 && count - 1 >= ElfLayout.SHN_LORESERVE)
                link = count - 1;
            out.add(new Out(nameOffset, b.type, b.flags, b.address, b.index == 0 ? null : contents, size, link, b.info,
                    b.align, b.entrySize, b.index));
        }
        if (needsSymtab) {
            StringTable strings = new StringTable();
            ByteBuffer symtab = ByteBuffer.allocate((symbols.size() + 1) * ElfLayout.SYM_SIZE).order(order);
            int firstNonLocal = symbols.size() + 1;
            for (int i = 0; i < symbols.size(); i++) {
                SymbolEntry s = symbols.get(i);
                if (s.sectionIndex < ElfLayout.SHN_LORESERVE && s.sectionIndex >= count)
                    throw new IllegalStateException("symbol '" + s.name + "': section index " + s.sectionIndex + " does not exist ("
                            + count + " sections)");
                if (s.info >>> 4 != Symbol.STB_LOCAL)
                    firstNonLocal = Math.min(firstNonLocal, i + 1);
                int at = (i + 1) * ElfLayout.SYM_SIZE;
                symtab.putInt(at, (int) (s.name.isEmpty() ? 0 : strings.add(s.name)));
                symtab.put(at + 4, (byte) s.info);
                symtab.put(at + 5, (byte) s.other);
                symtab.putShort(at + 6, (short) s.sectionIndex);
                symtab.putLong(at + 8, s.value);
                symtab.putLong(at + 16, s.size);
            }
            out.add(new Out(names.add(".symtab"), Section.SHT_SYMTAB, 0, 0, symtab.array(), 0, strtabIndex, firstNonLocal,
                    8, ElfLayout.SYM_SIZE, symtabIndex));
            out.add(new Out(names.add(".strtab"), Section.SHT_STRTAB, 0, 0, strings.bytes(), 0, 0, 0, 1, 0, strtabIndex));
        }
        long shstrtabName = names.add(".shstrtab");
        out.add(new Out(shstrtabName, Section.SHT_STRTAB, 0, 0, names.bytes(), 0, 0, 0, 1, 0, count - 1));
        return out;
    }

    private byte[] relocations(SectionBuilder b) {
        ByteBuffer rel = ByteBuffer.allocate(b.relocations.size() * ElfLayout.REL_SIZE).order(order);
        for (int i = 0; i < b.relocations.size(); i++) {
            Relocation r = b.relocations.get(i);
            if (r.symbol() < 0 || r.symbol() > symbols.size())
                throw new IllegalStateException("section '" + b.name + "': relocation #" + i + " refers to symbol #" + r.symbol()
                        + ", but there are " + (symbols.size() + 1) + " symbols (the null symbol included)");
            rel.putLong(i * ElfLayout.REL_SIZE, r.offset());
            rel.putLong(i * ElfLayout.REL_SIZE + 8, (long) r.symbol() << 32 | (r.type() & 0xffffffffL));
        }
        return rel.array();
    }

    private static boolean hasFileBytes(int type) {
        return type != Section.SHT_NOBITS && type != Section.SHT_NULL;
    }

    private static long alignUp(long pos, long align) {
        if (align <= 1)
            return pos;
        // Copies may carry an alignment that is not a power of two; round up to a multiple anyway.
        return (pos + align - 1) / align * align;
    }

    /** One section as it will be written. {@code contents} is null when it has no bytes in the file. */
    private record Out(long nameOffset, int type, long flags, long address, byte[] contents, long size, int link, int info,
                       long align, long entrySize, long sortKey) {
    }

    private record SymbolEntry(String name, long value, long size, int info, int other, int sectionIndex) {
    }

    /** A NUL-separated string table starting with the empty string; equal strings are stored once. */
    private static final class StringTable {
        private final Map<String, Long> offsets = new LinkedHashMap<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        StringTable() {
            bytes.write(0);
            offsets.put("", 0L);
        }

        long add(String s) {
            return offsets.computeIfAbsent(s, k -> {
                long at = bytes.size();
                // ISO-8859-1, as ElfReader decodes names: every name read comes back unchanged.
                bytes.writeBytes(k.getBytes(StandardCharsets.ISO_8859_1));
                bytes.write(0);
                return at;
            });
        }

        byte[] bytes() {
            return bytes.toByteArray();
        }
    }

    /**
     * One section being built: fields default to zero (no flags, no link, alignment 0 = none),
     * contents to empty. Setters return the builder, so a section can be added in one statement.
     */
    public static final class SectionBuilder {
        private final ElfWriter owner;
        private final int index;
        private final String name;
        private final int type;
        private long nameOffset;
        private long flags;
        private long address;
        private byte[] contents;
        private long size;
        private int link;
        private int info;
        private long align;
        private long entrySize;
        private long originalOffset;
        private List<Relocation> relocations;

        private SectionBuilder(ElfWriter owner, int index, String name, int type) {
            this.owner = owner;
            this.index = index;
            this.name = name;
            this.type = type;
            this.contents = hasFileBytes(type) ? new byte[0] : null;
        }

        /** The section's index in the object: final, since generated tables come after it. */
        public int index() {
            return index;
        }

        public String name() {
            return name;
        }

        public SectionBuilder flags(long sectionFlags) {
            owner.requireBuilding("section headers");
            this.flags = sectionFlags;
            return this;
        }

        /**
         * The bytes of the section (copied).
         *
         * @throws IllegalArgumentException for NOBITS and NULL sections, which have none; use {@link #size}
         * @throws IllegalStateException    for a REL section made by {@link ElfWriter#addRelocations}
         */
        public SectionBuilder contents(byte[] bytes) {
            Objects.requireNonNull(bytes, "bytes");
            if (!hasFileBytes(type))
                throw new IllegalArgumentException("section '" + name + "' is " + (type == Section.SHT_NOBITS ? "NOBITS" : "NULL")
                        + ": it has no bytes in the file, only a size");
            if (relocations != null)
                throw new IllegalStateException("section '" + name + "': its contents are the relocations it was made with");
            this.contents = bytes.clone();
            return this;
        }

        /** The size of a NOBITS (or NULL) section; other sections take the size of their contents. */
        public SectionBuilder size(long bytes) {
            owner.requireBuilding("section headers");
            if (hasFileBytes(type))
                throw new IllegalArgumentException("section '" + name + "' has bytes in the file: set its contents instead");
            if (bytes < 0)
                throw new IllegalArgumentException("section '" + name + "': negative size " + bytes);
            this.size = bytes;
            return this;
        }

        /** sh_link; ignored for REL sections from {@link ElfWriter#addRelocations}, which link the symbol table. */
        public SectionBuilder link(int sectionLink) {
            owner.requireBuilding("section headers");
            this.link = sectionLink;
            return this;
        }

        public SectionBuilder info(int sectionInfo) {
            owner.requireBuilding("section headers");
            this.info = sectionInfo;
            return this;
        }

        /** sh_addralign: 0 or 1 for none, else a power of two up to {@link ElfWriter#MAX_ALIGN}. */
        public SectionBuilder align(long alignment) {
            owner.requireBuilding("section headers");
            if (alignment < 0 || alignment > MAX_ALIGN || (alignment & (alignment - 1)) != 0)
                throw new IllegalArgumentException("section '" + name + "': alignment " + alignment
                        + " is not 0 or a power of two up to " + MAX_ALIGN);
            this.align = alignment;
            return this;
        }

        public SectionBuilder entrySize(long sectionEntrySize) {
            owner.requireBuilding("section headers");
            this.entrySize = sectionEntrySize;
            return this;
        }
    }
}
