package dev.bpf4j.asm;

import java.nio.ByteOrder;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.RandomAccess;

/**
 * An immutable list of instructions kept as what the kernel reads: the {@code struct bpf_insn}
 * array in the object's byte order, 8 bytes a slot, decoded into {@link Instruction}s only when
 * asked. A program of n instructions costs about 8n bytes rather than a record each, copying
 * it is an array copy, and {@link Instructions#encode} of it in its own byte order is a copy
 * of the bytes. References ({@link Instruction#reference()}) are kept beside the bytes.
 *
 * <pre>{@code
 * InstructionList code = Instructions.decode(section, 0, section.length, ByteOrder.LITTLE_ENDIAN);
 * if (code.opcode(7) == Opcodes.CALL_INSN) System.out.println(code.get(7));
 * }</pre>
 */
public final class InstructionList extends AbstractList<Instruction> implements RandomAccess {
    private final byte[] raw;
    private final ByteOrder order;
    private final int[] slots;          // logical index -> first slot
    private final Reference[] references; // null when no instruction has one

    private InstructionList(byte[] raw, ByteOrder order, int[] slots, Reference[] references) {
        this.raw = raw;
        this.order = order;
        this.slots = slots;
        this.references = references;
    }

    /** Wraps checked bytes (see {@link Instructions#decode}); {@code slots} lists where each instruction starts. */
    static InstructionList trusted(byte[] raw, ByteOrder order, int[] slots) {
        return new InstructionList(raw, order, slots, null);
    }

    /** The same instructions in this representation (a copy of the data, references included). */
    public static InstructionList of(List<Instruction> insns, ByteOrder order) {
        Objects.requireNonNull(order, "order");
        if (insns instanceof InstructionList l && l.order == order)
            return l;
        byte[] raw = Instructions.encode(insns, order);
        int[] slots = new int[insns.size()];
        Reference[] refs = null;
        int slot = 0;
        for (int i = 0; i < insns.size(); i++) {
            Instruction insn = insns.get(i);
            slots[i] = slot;
            slot += insn.width();
            if (insn.reference() != null) {
                if (refs == null)
                    refs = new Reference[insns.size()];
                refs[i] = insn.reference();
            }
        }
        return new InstructionList(raw, order, slots, refs);
    }

    @Override
    public Instruction get(int index) {
        Objects.checkIndex(index, slots.length);
        return Instructions.decodeAt(raw, slots[index] * Instructions.SLOT_SIZE, order,
                references == null ? null : references[index]);
    }

    @Override
    public int size() {
        return slots.length;
    }

    /** The opcode of instruction {@code index}, without decoding it. */
    public int opcode(int index) {
        return raw[slots[index] * Instructions.SLOT_SIZE] & 0xff;
    }

    /** The src register of instruction {@code index}, without decoding it. */
    public int src(int index) {
        int regs = raw[slots[index] * Instructions.SLOT_SIZE + 1] & 0xff;
        return order == ByteOrder.BIG_ENDIAN ? regs & 0xf : regs >>> 4;
    }

    /** The slot where instruction {@code index} starts. */
    public int slotOf(int index) {
        return index == slots.length ? slotCount() : slots[index];
    }

    public int slotCount() {
        return raw.length / Instructions.SLOT_SIZE;
    }

    public ByteOrder byteOrder() {
        return order;
    }

    /** A copy of the {@code struct bpf_insn} array, in {@link #byteOrder()}. */
    public byte[] toBytes() {
        return raw.clone();
    }

    void copyBytesTo(byte[] destination, int offset) {
        System.arraycopy(raw, 0, destination, offset, raw.length);
    }

    /**
     * Assembles a list from whole lists and single replacements, the way a linker does:
     * {@link #append} copies bytes, {@link #set} re-encodes one instruction of the same width.
     */
    public static final class Builder {
        private final ByteOrder order;
        private byte[] raw;
        private int[] slots;
        private Reference[] references;
        private int size;
        private int slotCount;

        public Builder(ByteOrder order) {
            this(order, 64);
        }

        /** @param capacitySlots how many slots to make room for before growing */
        public Builder(ByteOrder order, int capacitySlots) {
            this.order = Objects.requireNonNull(order);
            this.raw = new byte[Math.max(1, capacitySlots) * Instructions.SLOT_SIZE];
            this.slots = new int[Math.max(1, capacitySlots)];
        }

        public int size() {
            return size;
        }

        public int slotCount() {
            return slotCount;
        }

        /** Appends every instruction of {@code insns} (converted to this byte order if needed). */
        public Builder append(List<Instruction> insns) {
            InstructionList l = InstructionList.of(insns, order);
            int bytes = l.raw.length;
            if (slotCount * Instructions.SLOT_SIZE + bytes > raw.length)
                raw = Arrays.copyOf(raw, Math.max(raw.length * 2, slotCount * Instructions.SLOT_SIZE + bytes));
            if (size + l.size() > slots.length)
                slots = Arrays.copyOf(slots, Math.max(slots.length * 2, size + l.size()));
            l.copyBytesTo(raw, slotCount * Instructions.SLOT_SIZE);
            for (int i = 0; i < l.size(); i++)
                slots[size + i] = slotCount + l.slots[i];
            if (l.references != null)
                for (int i = 0; i < l.size(); i++)
                    if (l.references[i] != null)
                        reference(size + i, l.references[i]);
            size += l.size();
            slotCount += l.slotCount();
            return this;
        }

        /** Replaces instruction {@code index} by one of the same width, reference included. */
        public Builder set(int index, Instruction insn) {
            Objects.checkIndex(index, size);
            int slot = slots[index];
            int width = (index + 1 < size ? slots[index + 1] : slotCount) - slot;
            if (insn.width() != width)
                throw new IllegalArgumentException("instruction #" + index + " is " + width + " slots wide; "
                        + insn + " is " + insn.width());
            Instructions.encodeAt(insn, raw, slot * Instructions.SLOT_SIZE, order);
            if (insn.reference() != null || references != null)
                reference(index, insn.reference());
            return this;
        }

        /** Instruction {@code index} as assembled so far. */
        public Instruction get(int index) {
            Objects.checkIndex(index, size);
            return Instructions.decodeAt(raw, slots[index] * Instructions.SLOT_SIZE, order,
                    references == null ? null : references[index]);
        }

        private void reference(int index, Reference r) {
            if (references == null)
                references = new Reference[Math.max(slots.length, 16)];
            if (references.length <= index)
                references = Arrays.copyOf(references, Math.max(slots.length, index + 1));
            references[index] = r;
        }

        public InstructionList build() {
            Reference[] refs = references == null ? null : Arrays.copyOf(references, size);
            int bytes = slotCount * Instructions.SLOT_SIZE;
            return new InstructionList(raw.length == bytes ? raw.clone() : Arrays.copyOf(raw, bytes), order,
                    slots.length == size ? slots.clone() : Arrays.copyOf(slots, size), refs);
        }
    }
}
