package dev.bpf4j.btf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/** Runs bpftool's BTF dumps, the oracle of the dump tests; stdout only (libbpf warns on stderr). */
final class Bpftool {

    static final Path BPFTOOL = Path.of("/usr/sbin/bpftool");

    /** What bpftool printed and how it exited. */
    record Result(int status, String out) {
    }

    private Bpftool() {
    }

    static boolean available() {
        return Files.isExecutable(BPFTOOL);
    }

    /** {@code bpftool [-j] btf dump file FILE [format c]} for format "raw", "json" or "c". */
    static Result dump(Path file, String format) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(BPFTOOL.toString()));
        if (format.equals("json"))
            cmd.add("-j");
        cmd.addAll(List.of("btf", "dump", "file", file.toString()));
        if (format.equals("c"))
            cmd.addAll(List.of("format", "c"));
        Path out = Files.createTempFile("bpftool", ".out");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD)
                    .redirectOutput(out.toFile()).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("bpftool did not finish in 120 s: " + cmd);
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    private static final Pattern MODE_ATTRIBUTE = Pattern.compile(" __attribute__\\(\\(mode\\((byte|word)\\)\\)\\)");

    /**
     * Our C header, adjusted for the one libbpf change the installed bpftool may predate: libbpf
     * 1.1 (Dec 2022) marks enums of 1 and 8 bytes with mode(byte) and mode(word), which keeps
     * struct layouts right; bpftool built from Linux 6.1 sources (Debian 12's) does not. We
     * print them; when bpftool's text has none at all, they are dropped from ours before
     * comparing. Likewise an old bpftool prints "()" where libbpf since 2024 prints "(void)".
     */
    static String comparableC(String ours, String bpftools) {
        String s = ours;
        if (!bpftools.contains("__attribute__((mode("))
            s = MODE_ATTRIBUTE.matcher(s).replaceAll("");
        if (!bpftools.contains("(void)"))
            s = s.replace("(void)", "()");
        return s;
    }
}
