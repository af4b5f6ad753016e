package dev.bpf4j.elf;

import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Every object file of the testdata, both byte orders: ours, and the Linux kernel selftest
 * objects when the testdata has them (objects we did not write, from another clang).
 */
public final class TestObjectFiles {
    private TestObjectFiles() {
    }

    /** {@code path} is under the testdata root: {@code bpfel/globals.o}, {@code bpfeb/selftests/bpf_loop.o}. */
    public record Entry(String path, Target target) {
        public String fileName() {
            return Path.of(path).getFileName().toString();
        }

        public byte[] bytes() {
            return TestObjects.resource(path);
        }

        @Override
        public String toString() {
            return path;
        }
    }

    public static List<Entry> all() {
        List<Entry> all = new ArrayList<>();
        for (String name : TestObjects.names())
            for (Target t : Target.values())
                all.add(new Entry(t.dir() + "/" + name + ".o", t));
        List<String> selftests;
        try {
            selftests = new String(TestObjects.resource("selftests-index.txt"), StandardCharsets.UTF_8).lines()
                    .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
        } catch (IllegalArgumentException absent) {
            selftests = List.of();
        }
        for (String name : selftests)
            for (Target t : Target.values())
                all.add(new Entry(t.dir() + "/selftests/" + name + ".o", t));
        return all;
    }
}
