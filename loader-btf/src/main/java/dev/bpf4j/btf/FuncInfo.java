package dev.bpf4j.btf;

/**
 * One {@code bpf_func_info} record of {@code .BTF.ext}: the BTF {@code FUNC} that starts at an
 * instruction. Clang writes one per function; the kernel wants one per function of a loaded
 * program (the entry first), which is why the linker carries them along with appended
 * subprograms.
 *
 * <pre>{@code
 * for (FuncInfo f : programSpec.funcInfo())
 *     System.out.println("insn " + f.slot() + ": " + f.name() + " (type [" + f.typeId() + "])");
 * }</pre>
 *
 * @param slot   the instruction slot (8-byte unit) it describes: from the start of the ELF
 *               section in {@link BtfExt}, from the start of the function in a program spec,
 *               from the start of the linked program after linking
 * @param typeId the id of a {@code FUNC} type in the object's {@code .BTF}
 * @param name   that FUNC's name
 */
public record FuncInfo(int slot, int typeId, String name) {

    /** The same record at another slot (records move with the code they describe). */
    public FuncInfo atSlot(int newSlot) {
        return new FuncInfo(newSlot, typeId, name);
    }
}
