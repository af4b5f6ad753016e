package dev.bpf4j.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

import org.junit.jupiter.api.Test;

/**
 * The rules of libbpf's btf_fixup_datasec (libbpf.c), by example; loader-core's
 * DataSecFixupLibbpfTest compares the result with libbpf itself on every testdata object.
 */
class DataSecFixupTest {

    private static final BtfType INT = new BtfType.Int(1, "int", 4, BtfType.Int.SIGNED, 0, 32);

    /** ELF facts from maps: section sizes, and symbols as (value, hidden). */
    private static DataSecFixup.ElfFacts elf(Map<String, Long> sections, Map<String, DataSecFixup.Symbol> symbols) {
        return new DataSecFixup.ElfFacts() {
            @Override
            public OptionalLong sectionSize(String name) {
                Long size = sections.get(name);
                return size == null ? OptionalLong.empty() : OptionalLong.of(size);
            }

            @Override
            public Optional<DataSecFixup.Symbol> globalObject(String name) {
                return Optional.ofNullable(symbols.get(name));
            }
        };
    }

    private static Btf btf(BtfType... types) {
        return Btf.parse(BtfEncoder.encode(List.of(types), ByteOrder.LITTLE_ENDIAN));
    }

    @Test
    void sizesOffsetsVisibilityAndOrderComeFromTheElfFile() {
        Btf btf = btf(INT,
                new BtfType.Var(2, "a", 1, BtfType.Var.GLOBAL_ALLOCATED),
                new BtfType.Var(3, "b", 1, BtfType.Var.GLOBAL_ALLOCATED),
                new BtfType.Var(4, "s", 1, BtfType.Var.STATIC),
                new BtfType.DataSec(5, ".data", 0, List.of(
                        new BtfType.VarSecInfo(2, 0, 4), new BtfType.VarSecInfo(3, 0, 4), new BtfType.VarSecInfo(4, 0, 4))));
        Btf fixed = DataSecFixup.fixup(btf, elf(Map.of(".data", 12L), Map.of(
                "a", new DataSecFixup.Symbol(8, false),
                "b", new DataSecFixup.Symbol(4, true))));
        // Sizes from the section; offsets from the symbols; the static variable keeps offset 0 (libbpf
        // skips static and extern variables); sorted by offset, stably; hidden 'b' becomes static.
        assertEquals(new BtfType.DataSec(5, ".data", 12, List.of(
                        new BtfType.VarSecInfo(4, 0, 4), new BtfType.VarSecInfo(3, 4, 4), new BtfType.VarSecInfo(2, 8, 4))),
                fixed.type(5));
        assertEquals(new BtfType.Var(3, "b", 1, BtfType.Var.STATIC), fixed.type(3));
        assertEquals(btf.type(2), fixed.type(2));
    }

    @Test
    void aDatasecWithASizeKeepsItsOffsetsButStillSortsAndHides() {
        Btf btf = btf(INT,
                new BtfType.Var(2, "a", 1, BtfType.Var.GLOBAL_ALLOCATED),
                new BtfType.Var(3, "b", 1, BtfType.Var.GLOBAL_ALLOCATED),
                new BtfType.DataSec(4, ".bss", 8, List.of(new BtfType.VarSecInfo(2, 4, 4), new BtfType.VarSecInfo(3, 0, 4))));
        Btf fixed = DataSecFixup.fixup(btf, elf(Map.of(), Map.of(
                "a", new DataSecFixup.Symbol(100, true), "b", new DataSecFixup.Symbol(200, false))));
        assertEquals(new BtfType.DataSec(4, ".bss", 8, List.of(new BtfType.VarSecInfo(3, 0, 4), new BtfType.VarSecInfo(2, 4, 4))),
                fixed.type(4));
        assertEquals(BtfType.Var.STATIC, ((BtfType.Var) fixed.type(2)).linkage());
    }

    @Test
    void externSectionsAreOnlySorted() {
        Btf btf = btf(INT,
                new BtfType.Var(2, "CONFIG_A", 1, BtfType.Var.GLOBAL_EXTERN),
                new BtfType.Var(3, "CONFIG_B", 1, BtfType.Var.GLOBAL_EXTERN),
                new BtfType.DataSec(4, ".kconfig", 0, List.of(new BtfType.VarSecInfo(2, 8, 4), new BtfType.VarSecInfo(3, 0, 4))));
        Btf fixed = DataSecFixup.fixup(btf, elf(Map.of(), Map.of()));
        assertEquals(new BtfType.DataSec(4, ".kconfig", 0, List.of(new BtfType.VarSecInfo(3, 0, 4), new BtfType.VarSecInfo(2, 8, 4))),
                fixed.type(4));
    }

    @Test
    void nothingToFixGivesTheSameBtf() {
        Btf btf = btf(INT, new BtfType.Var(2, "a", 1, BtfType.Var.GLOBAL_ALLOCATED),
                new BtfType.DataSec(3, ".data", 4, List.of(new BtfType.VarSecInfo(2, 0, 4))));
        assertSame(btf, DataSecFixup.fixup(btf, elf(Map.of(), Map.of("a", new DataSecFixup.Symbol(0, false)))));
    }

    @Test
    void whatLibbpfRefusesFailsNamingTheSectionAndVariable() {
        Btf noSection = btf(INT, new BtfType.DataSec(2, ".data", 0, List.of()));
        assertEquals("type [2] DATASEC '.data': failed to determine the section size from ELF (no section '.data', or it is empty)",
                assertThrows(BtfFormatException.class, () -> DataSecFixup.fixup(noSection, elf(Map.of(), Map.of()))).getMessage());
        assertThrows(BtfFormatException.class, () -> DataSecFixup.fixup(noSection, elf(Map.of(".data", 0L), Map.of())));

        Btf notAVar = btf(INT, new BtfType.DataSec(2, ".data", 4, List.of(new BtfType.VarSecInfo(1, 0, 4))));
        assertEquals("type [2] DATASEC '.data': variable #0 is type [1] INT, not a VAR",
                assertThrows(BtfFormatException.class, () -> DataSecFixup.fixup(notAVar, elf(Map.of(), Map.of()))).getMessage());

        Btf noSymbol = btf(INT, new BtfType.Var(2, "lost", 1, BtfType.Var.GLOBAL_ALLOCATED),
                new BtfType.DataSec(3, ".data", 4, List.of(new BtfType.VarSecInfo(2, 0, 4))));
        assertEquals("type [3] DATASEC '.data': no global ELF symbol for variable 'lost' (type [2])",
                assertThrows(BtfFormatException.class, () -> DataSecFixup.fixup(noSymbol, elf(Map.of(), Map.of()))).getMessage());
    }
}
