package dev.bpf4j.emulator;

/**
 * One field of a program type's context struct, as the kernel's {@code *_is_valid_access}
 * function for that type lets programs touch it.
 *
 * <p>Sizes are sets of access widths: since widths are powers of two, {@code 1 | 2 | 4}
 * means "1-, 2- or 4-byte accesses". An access must lie inside one field and be aligned
 * to its own width, counted from the start of the struct (the kernel's {@code off % size}).
 *
 * <pre>{@code
 * new ContextField("mark", 8, 4, ContextField.NARROW, 4, false)      // __sk_buff->mark for tc
 * new ContextField("data", 76, 4, 4, 0, true)                        // a packet pointer: u32 loads only
 * }</pre>
 *
 * @param name       the C field name, for messages
 * @param offset     its offset in the struct
 * @param size       its size in bytes (an array such as {@code cb[5]} is one field)
 * @param readSizes  the widths a load may have, 0 when the field cannot be read
 * @param writeSizes the widths a store may have, 0 when the field is read-only
 * @param pointer    a u32 field that really holds a kernel pointer ({@code data},
 *                   {@code data_end}, {@code data_meta}): its loads are redirected to a
 *                   hidden 8-byte slot, since emulator addresses do not fit in 32 bits,
 *                   and sign-extending loads of it are refused as the kernel refuses them
 */
record ContextField(String name, int offset, int size, int readSizes, int writeSizes, boolean pointer) {
    /** The kernel's narrow loads of a u32 field: 1, 2 or 4 bytes. */
    static final int NARROW = 1 | 2 | 4;
    /** Any width. */
    static final int ANY = 1 | 2 | 4 | 8;

    /** One past the last byte. */
    int end() {
        return offset + size;
    }

    boolean contains(int off) {
        return off >= offset && off < end();
    }

    /** A read-only field of these widths. */
    static ContextField read(String name, int offset, int size, int readSizes) {
        return new ContextField(name, offset, size, readSizes, 0, false);
    }
}
