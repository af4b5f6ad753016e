package dev.bpf4j.loader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * A kernel's configuration ({@code CONFIG_FOO=value} lines, as in {@code /proc/config.gz}) and
 * version, the values {@code __kconfig} externs read. {@link #system()} reads the running
 * kernel's on first use, looking where libbpf looks: {@code /boot/config-$(uname -r)}, then
 * {@code /proc/config.gz}.
 *
 * <pre>{@code
 * KernelConfig running = KernelConfig.system();
 * KernelConfig fixed = KernelConfig.parse("CONFIG_HZ=250\nCONFIG_BPF_SYSCALL=y\n", KernelConfig.version(6, 1, 0));
 * }</pre>
 */
public final class KernelConfig {
    private final String source;
    private final int kernelVersion;
    private final boolean hasBpfCookie;
    private final boolean hasSyscallWrapper;
    private final Loader loader;
    private Map<String, String> values; // read on first use: most objects have no kconfig externs

    private interface Loader {
        String read() throws IOException;
    }

    private KernelConfig(String source, int kernelVersion, Loader loader) {
        this.source = source;
        this.kernelVersion = kernelVersion;
        this.loader = loader;
        // libbpf probes these two; every kernel bpf4j supports (5.15+, x86_64/arm64) has both.
        this.hasBpfCookie = true;
        this.hasSyscallWrapper = true;
    }

    /** The running kernel: config from /boot/config-RELEASE or /proc/config.gz, version from its release string. */
    public static KernelConfig system() {
        String release = System.getProperty("os.version", "");
        Path boot = Path.of("/boot/config-" + release);
        Path proc = Path.of("/proc/config.gz");
        Path file = Files.isReadable(boot) ? boot : proc;
        String where = Files.isReadable(boot) ? boot.toString() : Files.isReadable(proc) ? proc.toString()
                : boot + " or " + proc + " (neither is readable)";
        return new KernelConfig(where, parseRelease(release), () -> read(file));
    }

    /** A config file (gzip-compressed or plain) and the kernel version to report. */
    public static KernelConfig of(Path file, int kernelVersion) {
        return new KernelConfig(file.toString(), kernelVersion, () -> read(file));
    }

    public static KernelConfig parse(String text, int kernelVersion) {
        return new KernelConfig("the given configuration", kernelVersion, () -> text);
    }

    /** KERNEL_VERSION(a, b, c) as the kernel's headers define it (c saturates at 255). */
    public static int version(int major, int minor, int patch) {
        return (major << 16) + (minor << 8) + Math.min(patch, 255);
    }

    /** Where the values come from, for messages. */
    public String source() {
        return source;
    }

    /** LINUX_KERNEL_VERSION. */
    public int kernelVersion() {
        return kernelVersion;
    }

    public boolean hasBpfCookie() {
        return hasBpfCookie;
    }

    public boolean hasSyscallWrapper() {
        return hasSyscallWrapper;
    }

    /** The raw value of {@code name} (e.g. {@code y}, {@code 250}, {@code "text"}), empty when unset. */
    public synchronized Optional<String> value(String name) {
        if (values == null)
            values = parseLines(load());
        return Optional.ofNullable(values.get(name));
    }

    private String load() {
        try {
            return loader.read();
        } catch (IOException e) {
            throw new LinkException("kconfig: failed to read " + source + ": " + e.getMessage(), e);
        }
    }

    private static String read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] head = in.readNBytes(2);
            boolean gzip = head.length == 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
            InputStream rest = new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(head), in);
            try (InputStream text = gzip ? new GZIPInputStream(rest) : rest) {
                return new String(text.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
    }

    // libbpf's bpf_object__process_kconfig_line: only "CONFIG_X=value" lines count ("# ... is not set" does not).
    private static Map<String, String> parseLines(String text) {
        Map<String, String> out = new HashMap<>();
        for (String line : text.split("\n")) {
            if (!line.startsWith("CONFIG_"))
                continue;
            int eq = line.indexOf('=');
            if (eq < 0)
                throw new LinkException("kconfig: failed to parse '" + line + "': no separator");
            if (eq == line.length() - 1)
                throw new LinkException("kconfig: failed to parse '" + line + "': no value");
            out.putIfAbsent(line.substring(0, eq), line.substring(eq + 1).stripTrailing());
        }
        return out;
    }

    static int parseRelease(String release) {
        List<String> parts = List.of(release.split("[^0-9]+", 4));
        try {
            int major = parts.size() > 0 ? Integer.parseInt(parts.get(0)) : 0;
            int minor = parts.size() > 1 ? Integer.parseInt(parts.get(1)) : 0;
            int patch = parts.size() > 2 ? Integer.parseInt(parts.get(2)) : 0;
            return version(major, minor, patch);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
