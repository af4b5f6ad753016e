package dev.bpf4j.asm;

import java.util.Arrays;
import java.util.List;

/**
 * Translates between logical instruction indexes and 8-byte slot indexes. They differ after
 * every ld_imm64, which is one instruction but two slots; ELF relocations and libbpf
 * address instructions by byte offset / 8, jumps count slots too.
 *
 * <p>Both directions accept the end position (index {@code size()}, slot
 * {@code slotCount()}), so a range's end translates like its start.
 *
 * <pre>{@code
 * SlotMap map = SlotMap.of(insns);
 * int index = map.indexAt(relocationOffset / 8);   // -1: not the start of an instruction
 * }</pre>
 */
public final class SlotMap {
    private final int[] slotOfIndex;
    private final int[] indexOfSlot;

    private SlotMap(int[] slotOfIndex, int[] indexOfSlot) {
        this.slotOfIndex = slotOfIndex;
        this.indexOfSlot = indexOfSlot;
    }

    /** The map of a list of instructions; later changes to the list are not seen. */
    public static SlotMap of(List<Instruction> insns) {
        int n = insns.size();
        int[] slotOf = new int[n + 1];
        int slot = 0;
        if (insns instanceof InstructionList l) {
            for (int i = 0; i < n; i++)
                slotOf[i] = l.slotOf(i); // no decoding needed
            slot = l.slotCount();
        } else {
            for (int i = 0; i < n; i++) {
                slotOf[i] = slot;
                slot += insns.get(i).width();
            }
        }
        slotOf[n] = slot;
        int[] indexOf = new int[slot + 1];
        Arrays.fill(indexOf, -1);
        for (int i = 0; i <= n; i++)
            indexOf[slotOf[i]] = i;
        return new SlotMap(slotOf, indexOf);
    }

    /** Number of instructions. */
    public int size() {
        return slotOfIndex.length - 1;
    }

    /** Number of 8-byte slots. */
    public int slotCount() {
        return indexOfSlot.length - 1;
    }

    /**
     * The slot where instruction {@code index} starts; {@code index == size()} gives
     * {@link #slotCount()}.
     *
     * @throws IllegalArgumentException if index is outside 0..size()
     */
    public int slotOf(int index) {
        if (index < 0 || index > size())
            throw new IllegalArgumentException("instruction index " + index + " is outside 0.." + size());
        return slotOfIndex[index];
    }

    /**
     * The instruction starting at {@code slot}; {@code slot == slotCount()} gives
     * {@link #size()}. Returns -1 when no instruction starts there: the slot is the second
     * half of an ld_imm64, or lies outside 0..slotCount().
     */
    public int indexAt(int slot) {
        if (slot < 0 || slot >= indexOfSlot.length)
            return -1;
        return indexOfSlot[slot];
    }
}
