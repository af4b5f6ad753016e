package dev.bpf4j.loader;

/**
 * A raw relocation of one program, as the ELF states it: the 8-byte instruction slot it patches
 * (relative to the program's first slot) and the symbol it names. The linker classifies it, as
 * libbpf does, by the instruction and the symbol, never by the ELF relocation type.
 *
 * @param slot          instruction slot within the program (byte offset / 8)
 * @param symbolIndex   index in the ELF symbol table
 * @param symbolName    the symbol's name, or its section's name for unnamed section symbols
 * @param relocation    index of the record in its REL section (for messages)
 */
public record ProgramRelocation(int slot, int symbolIndex, String symbolName, int relocation) {
}
