package dev.bpf4j.linux;

import dev.bpf4j.Bpf4j;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What the kernel tests share: the backend (skipping with the reason where bpf(2) is unusable) and testdata objects. */
final class KernelObjects {
    private KernelObjects() {
    }

    /**
     * A fresh backend of the running kernel, pinning under the default root (use it only for
     * objects without pinned maps); the calling test is skipped, with the reason, where it cannot be used.
     */
    static LinuxBackend backend() {
        return backend(PinRoot.DEFAULT);
    }

    /** A fresh backend pinning under {@code pinRoot}. */
    static LinuxBackend backend(Path pinRoot) {
        LinuxBackend b = new LinuxBackend(pinRoot);
        Optional<String> why = b.unavailable();
        assumeTrue(why.isEmpty(), () -> "the kernel cannot be asked: " + why.orElse(""));
        return b;
    }

    /** A bpfel testdata object, opened under its own file name (which gives libbpf's internal map names). */
    static Bpf4j.OpenObject open(String name) {
        return Bpf4j.open(name + ".o", TestObjects.object(name, Target.BPFEL));
    }

    /**
     * A pin root of its own for one test, under /sys/fs/bpf, removed with whatever was pinned in
     * it on close, so that tests leave no pins and never meet another's (libbpf's KernelPeer
     * pins maps_btf's pinned_counts in /sys/fs/bpf itself).
     */
    record TempPinRoot(Path path) implements AutoCloseable {
        static TempPinRoot create() {
            assumeTrue(Files.isDirectory(PinRoot.DEFAULT), "no bpf file system at " + PinRoot.DEFAULT);
            try {
                return new TempPinRoot(Files.createTempDirectory(PinRoot.DEFAULT, "bpf4j-test-"));
            } catch (IOException e) {
                throw new AssertionError("cannot make a pin root under " + PinRoot.DEFAULT, e);
            }
        }

        /** The names pinned in it now. */
        java.util.List<String> pins() {
            try (var s = Files.list(path)) {
                return s.map(p -> p.getFileName().toString()).sorted().toList();
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }

        @Override
        public void close() {
            try (var s = Files.list(path)) {
                for (Path p : s.toList())
                    Files.delete(p);
                Files.delete(path);
            } catch (IOException e) {
                throw new AssertionError("cannot remove the pin root " + path, e);
            }
        }
    }

    /**
     * The number of this process's descriptors of BPF objects: maps, programs, BTF and links
     * ({@code anon_inode:bpf-map}, {@code anon_inode:bpf-prog}, {@code anon_inode:btf}...). Other
     * descriptors come and go with the JVM (class loading, jqwik's threads), so they are not counted.
     */
    static int bpfFds() {
        int n = 0;
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : s.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("anon_inode:bpf") || target.startsWith("anon_inode:btf"))
                        n++;
                } catch (IOException gone) {
                    // closed meanwhile (the listing's own descriptor, or another thread's)
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot list /proc/self/fd", e);
        }
        return n;
    }
}
