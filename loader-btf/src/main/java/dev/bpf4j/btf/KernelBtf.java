package dev.bpf4j.btf;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Parsed BTF files shared between loads: each file is parsed once and handed out again as long
 * as its modification time and size are unchanged. The kernel's BTF is the hot case: every CO-RE
 * object loaded against the running kernel needs {@code /sys/kernel/btf/vmlinux}, and parsing it
 * again per load is what users of other loaders complain about.
 *
 * <p>There is no global instance (the project keeps no static mutable state): whoever loads
 * objects (a backend, the CLI, a test) holds one {@code KernelBtf} and passes it on.
 *
 * <pre>{@code
 * KernelBtf kernel = new KernelBtf();
 * Optional<Btf> vmlinux = kernel.vmlinux();          // empty where the kernel has no BTF
 * Btf same = kernel.vmlinux().orElseThrow();         // the very same object, not parsed again
 * Btf other = kernel.load(Path.of("my-kernel.btf"));
 * }</pre>
 *
 * <p>Thread-safe: concurrent first requests for one file parse it once.
 */
public final class KernelBtf {

    /** Where Linux exposes the running kernel's BTF (CONFIG_DEBUG_INFO_BTF), libbpf's default. */
    public static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    private record Entry(FileTime modified, long size, Btf btf) {}

    private final Map<Path, Entry> cache = new HashMap<>();

    /** The running kernel's BTF, parsed once; empty when {@link #VMLINUX} does not exist. */
    public Optional<Btf> vmlinux() throws IOException {
        if (!Files.isReadable(VMLINUX))
            return Optional.empty();
        return Optional.of(load(VMLINUX));
    }

    /**
     * The parsed BTF of a raw BTF file, from the cache when the file has not changed since it was
     * parsed (same path, modification time and size).
     *
     * @throws IOException if the file cannot be read
     * @throws BtfFormatException if it is malformed
     */
    public synchronized Btf load(Path file) throws IOException {
        Path key = file.toAbsolutePath().normalize();
        BasicFileAttributes attrs = Files.readAttributes(key, BasicFileAttributes.class);
        Entry e = cache.get(key);
        if (e != null && e.modified().equals(attrs.lastModifiedTime()) && e.size() == attrs.size())
            return e.btf();
        Btf btf = Btf.read(key);
        cache.put(key, new Entry(attrs.lastModifiedTime(), attrs.size(), btf));
        return btf;
    }

    /** Forgets every parsed file (their memory is freed once no one else holds them). */
    public synchronized void clear() {
        cache.clear();
    }
}
