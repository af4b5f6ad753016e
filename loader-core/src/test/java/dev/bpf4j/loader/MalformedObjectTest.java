package dev.bpf4j.loader;

import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.BtfType;
import dev.bpf4j.elf.ObjectFormatException;
import dev.bpf4j.elf.ObjectPatcher;
import dev.bpf4j.elf.Relocation;
import dev.bpf4j.elf.Section;
import dev.bpf4j.elf.Symbol;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each malformed object gets one ObjectFormatException naming the file and the part at fault. */
class MalformedObjectTest {

    private static ObjectPatcher patcher(String object) {
        return new ObjectPatcher(object + ".o", TestObjects.object(object, Target.BPFEL));
    }

    private static void assertRejected(String object, byte[] bytes, String... parts) {
        String m = assertThrows(ObjectFormatException.class, () -> SpecReader.read(object + ".o", bytes)).getMessage();
        assertTrue(m.startsWith(object + ".o: "), m);
        for (String p : parts)
            assertTrue(m.contains(p), "'" + m + "' should mention '" + p + "'");
    }

    @Test
    void btfWithABadTypeId() {
        ObjectPatcher p = patcher("tail_calls");
        Section btfSection = p.section(".BTF");
        Btf btf = Btf.parse(p.elf().contents(btfSection));
        BtfType.Pointer ptr = btf.types().stream().filter(t -> t instanceof BtfType.Pointer).map(t -> (BtfType.Pointer) t)
                .findFirst().orElseThrow();
        // A PTR is {name_off = 0, info = kind 2 << 24, type}: find those 12 bytes and point type far away.
        ByteBuffer raw = p.elf().contents(btfSection);
        int typeStart = raw.getInt(4) + raw.getInt(8);
        long at = -1;
        for (int i = typeStart; i + 12 <= raw.limit(); i += 4)
            if (raw.getInt(i) == 0 && raw.getInt(i + 4) == 2 << 24 && raw.getInt(i + 8) == ptr.type()) {
                at = btfSection.offset() + i + 8;
                break;
            }
        assertTrue(at > 0, "pointer type not found in the raw BTF");
        assertRejected("tail_calls", p.u32(at, 99_999).bytes(), "section '.BTF'", "99999");
    }

    @Test
    void btfWithABadHeaderLength() {
        ObjectPatcher p = patcher("tail_calls");
        assertRejected("tail_calls", p.u32(p.section(".BTF").offset() + 4, 4).bytes(), "section '.BTF'");
    }

    @Test
    void btfMapWithAnUnknownField() {
        assertRejected("maps_btf", patcher("maps_btf").replace(".BTF", "max_entries\0", "max_entriez\0").bytes(),
                "map '", "unknown field 'max_entriez'");
    }

    @Test
    void btfMapWithValuesNotLast() {
        // counts' members are type, max_entries, key, value: rename max_entries to values.
        assertRejected("maps_btf", patcher("maps_btf").replace(".BTF", "max_entries\0", "values\0\0\0\0\0\0").bytes(),
                "map '", "'values' member should be last");
    }

    @Test
    void btfMapVariableWithoutItsElfSymbol() {
        assertRejected("maps_btf", patcher("maps_btf").replace(".strtab", "counts\0", "countz\0").bytes(),
                "sec '.maps'", "failed to find ELF symbol for VAR");
    }

    @Test
    void legacyMapOfUnknownType() {
        ObjectPatcher p = patcher("legacy_maps_iproute2");
        assertRejected("legacy_maps_iproute2", p.u32(p.section("maps").offset(), 0x7777).bytes(),
                "map 'tc_counts' (legacy)", "unknown map type 30583");
    }

    @Test
    void legacyMapWithNonZeroExtraFields() {
        ObjectPatcher p = patcher("legacy_maps_iproute2");
        assertRejected("legacy_maps_iproute2", p.u32(p.section("maps").offset() + 20, 1).bytes(),
                "map 'tc_counts' (legacy)", "non-zero options");
    }

    @Test
    void legacyMapsOfUnequalSize() {
        ObjectPatcher p = patcher("legacy_maps_iproute2");
        Section maps = p.section("maps");
        assertRejected("legacy_maps_iproute2", p.u64(p.sectionHeader(maps.index()) + ObjectPatcher.SHDR_SIZE, maps.size() - 3).bytes(),
                "section 'maps'", "legacy map definition size");
    }

    @Test
    void mapTraceOfAMissingMap() {
        byte[] bytes = patcher("map_trace").replace(".strtab", "map_trace/values/UPDATE_ELEM", "map_trace/valuez/UPDATE_ELEM").bytes();
        assertRejected("map_trace", bytes, "map_trace/valuez/UPDATE_ELEM", "'valuez'", "does not define");
    }

    @Test
    void mapTraceOfAnUnknownOperation() {
        byte[] bytes = patcher("map_trace").replace(".strtab", "map_trace/values/UPDATE_ELEM", "map_trace/values/UPDATE_ELEX").bytes();
        assertRejected("map_trace", bytes, "map_trace/values/UPDATE_ELEX", "UPDATE_ELEM or DELETE_ELEM");
    }

    @Test
    void relocationOffsetNotAligned() {
        ObjectPatcher p = patcher("globals");
        assertRejected("globals", p.u64(p.section(".relxdp").offset(), 3).bytes(), "sec '.relxdp'", "invalid offset 0x3 for relo #0");
    }

    @Test
    void relocationOffsetOutsideItsSection() {
        ObjectPatcher p = patcher("globals");
        assertRejected("globals", p.u64(p.section(".relxdp").offset() + 16, 1 << 20).bytes(), "sec '.relxdp'", "relo #1");
    }

    @Test
    void programCrossingItsSectionBoundary() {
        ObjectPatcher p = patcher("globals");
        Symbol prog = p.symbol("globals_xdp");
        assertRejected("globals", p.u64(p.symbolEntry(prog) + ObjectPatcher.SYM_SIZE, 1 << 20).bytes(),
                "sec 'xdp'", "'globals_xdp'", "crosses section boundary");
    }

    @Test
    void programOfCorruptedSize() {
        ObjectPatcher p = patcher("globals");
        Symbol prog = p.symbol("globals_xdp");
        assertRejected("globals", p.u64(p.symbolEntry(prog) + ObjectPatcher.SYM_SIZE, 12).bytes(),
                "corrupted program 'globals_xdp'", "size 12");
    }

    @Test
    void staticProgramOutsideText() {
        ObjectPatcher p = patcher("globals");
        Symbol prog = p.symbol("globals_xdp");
        assertRejected("globals", p.u8(p.symbolEntry(prog) + ObjectPatcher.SYM_INFO, Symbol.STT_FUNC).bytes(),
                "program 'globals_xdp' is static and not supported");
    }

    @Test
    void loadImm64MissingItsSecondHalf() {
        ObjectPatcher p = patcher("globals");
        Symbol prog = p.symbol("globals_xdp");
        Section xdp = p.section("xdp");
        long last = xdp.offset() + prog.value() + prog.size() - 8;
        assertRejected("globals", p.u8(last, 0x18).bytes(), "sec 'xdp'", "program 'globals_xdp'", "second half");
    }

    @Test
    void progArraySlotPointingAtAMap() {
        ObjectPatcher p = patcher("tail_calls");
        Section rel = p.section(".rel.maps");
        int slot = indexOfRelocationTo(p, rel, "tail_a");
        Symbol map = p.symbol("inner_a");
        assertRejected("tail_calls", p.u64(rel.offset() + 16L * slot + 8, ((long) map.index() << 32) | 2).bytes(),
                ".maps relo #" + slot, "'inner_a' isn't a valid program reference");
    }

    @Test
    void mapInMapSlotPointingAtAProgram() {
        ObjectPatcher p = patcher("tail_calls");
        Section rel = p.section(".rel.maps");
        int slot = indexOfRelocationTo(p, rel, "inner_a");
        Symbol prog = p.symbol("tail_a");
        assertRejected("tail_calls", p.u64(rel.offset() + 16L * slot + 8, ((long) prog.index() << 32) | 2).bytes(),
                ".maps relo #" + slot, "'tail_a' isn't a BTF-defined map");
    }

    @Test
    void externMissingFromBtf() {
        byte[] bytes = patcher("kconfig").replace(".strtab", "LINUX_KERNEL_VERSION\0", "LINUX_KERNEL_VERSIOX\0").bytes();
        assertRejected("kconfig", bytes, "failed to find BTF for extern 'LINUX_KERNEL_VERSIOX'");
    }

    @Test
    void btfMapsWithoutBtf() {
        byte[] bytes = patcher("maps_btf").replace(".strtab", ".BTF\0", ".BTX\0").bytes();
        assertRejected("maps_btf", bytes, "section '.maps'", "BTF is required");
    }

    private static int indexOfRelocationTo(ObjectPatcher p, Section rel, String symbol) {
        var records = p.elf().relocations(rel);
        for (int i = 0; i < records.size(); i++) {
            Relocation r = records.get(i);
            if (p.elf().symbols().get(r.symbol()).name().equals(symbol))
                return i;
        }
        throw new AssertionError("no relocation to " + symbol);
    }
}
