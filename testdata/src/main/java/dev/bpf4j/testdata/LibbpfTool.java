package dev.bpf4j.testdata;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Builds and runs small C programs against the system's libbpf, the peer we compare with.
 * Where gcc or libbpf-dev is missing the calling test is skipped (JUnit assumption) with a
 * reason; CI installs both (.ci/run), so there the comparison always runs. Shared by the
 * tests of every module (loader-core's libbpf comparisons, loader-emulator's kernel peer).
 */
public final class LibbpfTool {
    private LibbpfTool() {
    }

    /** Compiles {@code source} with {@code gcc ... -lbpf} into {@code dir/name}. */
    public static Path build(Path dir, String name, String source) throws IOException, InterruptedException {
        assumeTrue(Files.isRegularFile(Path.of("/usr/include/bpf/libbpf.h")),
                "libbpf-dev is not installed (/usr/include/bpf/libbpf.h missing): cannot compare with the real libbpf");
        Path c = dir.resolve(name + ".c");
        Path binary = dir.resolve(name);
        Files.writeString(c, source);
        Process gcc;
        try {
            gcc = new ProcessBuilder("gcc", "-O1", "-o", binary.toString(), c.toString(), "-lbpf")
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "gcc is not available (" + e.getMessage() + "): cannot compare with the real libbpf");
            throw e;
        }
        String out = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(gcc.waitFor(120, TimeUnit.SECONDS) && gcc.exitValue() == 0,
                "could not build a program against libbpf (is libbpf-dev complete?):\n" + out);
        return binary;
    }

    public record Result(int exitCode, String stdout, String stderr) {
    }

    /** Runs {@code binary args...} with {@code input} on stdin; fails the test after 60 s. */
    public static Result run(Path binary, String input, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(binary.toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).start();
        // Drain both pipes while feeding stdin, so a chatty program never blocks on a full pipe.
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try (var in = p.getOutputStream()) {
            in.write(input.getBytes(StandardCharsets.UTF_8));
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(binary + " did not finish in 60 s");
        }
        return new Result(p.exitValue(), out.join(), err.join());
    }

    private static CompletableFuture<String> drain(java.io.InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }
}
