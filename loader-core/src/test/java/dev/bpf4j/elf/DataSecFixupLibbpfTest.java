package dev.bpf4j.elf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.BtfFeatures;
import dev.bpf4j.btf.BtfSanitizer;
import dev.bpf4j.btf.BtfType;
import dev.bpf4j.btf.DataSecFixup;
import dev.bpf4j.testdata.LibbpfTool;
import dev.bpf4j.testdata.TestObjects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DataSecFixup} against libbpf itself: libbpf applies the same fix-up when it opens an
 * object (bpf_object_fixup_btf), and {@code bpf_object__btf} + {@code btf__raw_data} hand the
 * result out, so every testdata object's fixed-up DATASECs and VARs must equal libbpf's.
 * {@code .kconfig} and {@code .ksyms} are left out of the comparison: libbpf lays them out from
 * the externs before this step, which is the linker's business, not this fix-up's.
 */
class DataSecFixupLibbpfTest {

    private static final String DUMP = """
            #include <bpf/libbpf.h>
            #include <bpf/btf.h>
            #include <stdarg.h>
            #include <stdio.h>
            static int quiet(enum libbpf_print_level l, const char *f, va_list a) { return 0; }
            int main(int argc, char **argv) {
                libbpf_set_print(quiet);
                struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
                if (libbpf_get_error(obj)) return 2;
                struct btf *btf = bpf_object__btf(obj);
                if (!btf) return 3;
                __u32 size;
                const void *raw = btf__raw_data(btf, &size);
                FILE *out = fopen(argv[2], "wb");
                fwrite(raw, 1, size, out);
                fclose(out);
                return 0;
            }
            """;

    /** What the fix-up needs, answered from our ELF reader as libbpf answers it from libelf. */
    static DataSecFixup.ElfFacts facts(ElfFile elf) {
        return new DataSecFixup.ElfFacts() {
            @Override
            public OptionalLong sectionSize(String name) {
                return elf.section(name).map(s -> OptionalLong.of(s.size())).orElse(OptionalLong.empty());
            }

            @Override
            public Optional<DataSecFixup.Symbol> globalObject(String name) {
                return elf.symbols().stream()
                        .filter(s -> s.type() == Symbol.STT_OBJECT && (s.isGlobal() || s.isWeak()) && s.name().equals(name))
                        .findFirst()
                        .map(s -> new DataSecFixup.Symbol(s.value(), s.visibility() == Symbol.STV_HIDDEN || s.visibility() == 1));
            }
        };
    }

    @Test
    void fixedUpDatasecsEqualLibbpfs(@TempDir Path dir) throws Exception {
        Path tool = LibbpfTool.build(dir, "btf_fixup_dump", DUMP);
        List<String> compared = new ArrayList<>();
        for (String name : TestObjects.names()) {
            byte[] object = TestObjects.object(name, TestObjects.Target.BPFEL);
            ElfFile elf = ElfReader.read(name, object);
            Optional<Section> btfSection = elf.section(".BTF");
            if (btfSection.isEmpty())
                continue;
            Path obj = dir.resolve(name + ".o"), out = dir.resolve(name + ".btf");
            Files.write(obj, object);
            var run = LibbpfTool.run(tool, "", obj.toString(), out.toString());
            if (run.exitCode() != 0)
                continue; // libbpf refuses some objects (legacy map formats); nothing to compare
            Btf libbpf = Btf.parse(Files.readAllBytes(out));
            Btf ours = DataSecFixup.fixup(Btf.parse(elf.bytes(btfSection.get())), facts(elf));
            assertEquals(libbpf.typeCount(), ours.typeCount(), name);
            Set<Integer> externVars = new HashSet<>();
            for (int id = 1; id < libbpf.typeCount(); id++)
                if (libbpf.type(id) instanceof BtfType.DataSec d && (d.name().equals(".kconfig") || d.name().equals(".ksyms")))
                    d.vars().forEach(v -> externVars.add(v.type()));
            for (int id = 1; id < libbpf.typeCount(); id++) {
                BtfType t = libbpf.type(id);
                if (t instanceof BtfType.DataSec d && (d.name().equals(".kconfig") || d.name().equals(".ksyms")))
                    continue;
                if (externVars.contains(id))
                    continue;
                assertEquals(t, ours.type(id), name + " type " + id);
            }
            // And the sanitized form of every real object is valid BTF for every feature set.
            for (BtfFeatures f : List.of(BtfFeatures.none(), BtfFeatures.all().withEnum64(false), BtfFeatures.all().withDatasec(false)))
                BtfSanitizer.sanitize(ours, f);
            compared.add(name);
        }
        assertTrue(compared.size() >= 10, "compared only " + compared);
        assertTrue(compared.contains("globals"), "globals.o must be compared: " + compared);
    }
}
