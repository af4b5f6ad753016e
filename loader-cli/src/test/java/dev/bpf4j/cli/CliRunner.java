package dev.bpf4j.cli;

import dev.bpf4j.testdata.TestObjects;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** Runs the command in-process and captures what it prints; writes testdata objects to disk. */
final class CliRunner {
    record Run(int status, String out, String err) {
    }

    private CliRunner() {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Run(status, out.toString(), err.toString());
    }

    /** Writes a testdata object to {@code dir/<target>/<name>.o} and returns the path. */
    static Path object(Path dir, String name, TestObjects.Target target) throws IOException {
        Path p = dir.resolve(target.dir()).resolve(name + ".o");
        Files.createDirectories(p.getParent());
        Files.write(p, TestObjects.object(name, target));
        return p;
    }
}
