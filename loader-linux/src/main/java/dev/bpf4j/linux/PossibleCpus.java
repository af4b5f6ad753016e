package dev.bpf4j.linux;

import dev.bpf4j.backend.BackendException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The number of possible CPUs, which sizes the values of per-CPU maps in bpf(2) (the kernel
 * copies one value per possible CPU), read as libbpf's {@code libbpf_num_possible_cpus} reads
 * it: the CPU list in {@code /sys/devices/system/cpu/possible} ("0-3", "0,2-5").
 */
final class PossibleCpus {
    static final Path FILE = Path.of("/sys/devices/system/cpu/possible");

    private PossibleCpus() {
    }

    static int read() {
        try {
            return count(Files.readString(FILE));
        } catch (IOException e) {
            throw new BackendException(-BackendException.ENOENT, "cannot read the possible CPUs from " + FILE + ": " + e.getMessage(), e);
        }
    }

    /**
     * How many CPUs a kernel CPU list names.
     *
     * @throws BackendException {@code -EINVAL} naming the list and the bad part
     */
    static int count(String list) {
        String s = list.strip();
        if (s.isEmpty())
            throw bad(list, "it is empty");
        int n = 0;
        for (String part : s.split(",")) {
            String[] range = part.split("-", -1);
            if (range.length > 2)
                throw bad(list, "'" + part + "' is not a CPU or a range of CPUs");
            int from = number(list, range[0]);
            int to = range.length == 2 ? number(list, range[1]) : from;
            if (to < from)
                throw bad(list, "range '" + part + "' ends before it starts");
            n += to - from + 1;
            if (n > 1 << 16)
                throw bad(list, "more than 65536 CPUs");
        }
        return n;
    }

    private static int number(String list, String s) {
        if (s.isEmpty() || s.length() > 6 || !s.chars().allMatch(Character::isDigit))
            throw bad(list, "'" + s + "' is not a CPU number");
        return Integer.parseInt(s);
    }

    private static BackendException bad(String list, String why) {
        return new BackendException(-BackendException.EINVAL, "possible CPU list '" + list.strip() + "' in " + FILE + ": " + why);
    }
}
