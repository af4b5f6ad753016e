package dev.bpf4j.loader;

/**
 * A program relocation classified as libbpf's {@code bpf_program__record_reloc} does: by the
 * instruction and the symbol, never by the ELF relocation type.
 */
sealed interface ClassifiedRelocation {
    /** Instruction index (logical, not slot) in the function the relocation belongs to. */
    int index();

    /** The same relocation at another instruction index (code before it changed length). */
    ClassifiedRelocation at(int newIndex);

    /** {@code call} with src_reg 1 against a {@code .text} symbol: RELO_CALL. */
    record Call(int index, long symbolOffset) implements ClassifiedRelocation {
        @Override public Call at(int newIndex) { return new Call(newIndex, symbolOffset); }
    }

    /** ld_imm64 against a {@code .text} function: RELO_SUBPROG_ADDR, becomes src_reg 4. */
    record SubprogramAddress(int index, long symbolOffset) implements ClassifiedRelocation {
        @Override public SubprogramAddress at(int newIndex) { return new SubprogramAddress(newIndex, symbolOffset); }
    }

    /** ld_imm64 against a map definition: RELO_LD64, becomes src_reg 1. */
    record MapReference(int index, String map) implements ClassifiedRelocation {
        @Override public MapReference at(int newIndex) { return new MapReference(newIndex, map); }
    }

    /** ld_imm64 against global data: RELO_DATA, becomes src_reg 2 with offset imm + symbol value. */
    record Data(int index, String map, long symbolOffset) implements ClassifiedRelocation {
        @Override public Data at(int newIndex) { return new Data(newIndex, map, symbolOffset); }
    }

    /** ld_imm64 or call against an undefined symbol: RELO_EXTERN_LD64 / RELO_EXTERN_CALL. */
    record Extern(int index, ExternSpec extern, boolean call) implements ClassifiedRelocation {
        @Override public Extern at(int newIndex) { return new Extern(newIndex, extern, call); }
    }
}
