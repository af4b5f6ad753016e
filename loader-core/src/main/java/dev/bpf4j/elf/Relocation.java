package dev.bpf4j.elf;

/**
 * One SHT_REL record: {@code offset} is a byte offset in the target section, {@code symbol}
 * the index into the symbol table (checked to exist), {@code type} the ELF relocation type
 * (which libbpf, and we, ignore when classifying: the instruction and symbol decide).
 */
public record Relocation(long offset, int symbol, int type) {
}
