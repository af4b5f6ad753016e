package dev.bpf4j.testdata;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The committed BPF test objects, read from the classpath: {@code names()} lists them (from
 * {@code obj/index.txt}, which {@code build.sh} writes), {@code object(name, target)} returns
 * the bytes compiled for {@code bpfel} or {@code bpfeb}.
 *
 * <pre>{@code
 * for (String name : TestObjects.names())
 *     byte[] elf = TestObjects.object(name, TestObjects.Target.BPFEL);
 * }</pre>
 */
public final class TestObjects {
    /** The clang targets the objects were compiled for. */
    public enum Target {
        BPFEL, BPFEB;

        public String dir() {
            return name().toLowerCase();
        }
    }

    private static final String ROOT = "/dev/bpf4j/testdata/";

    private TestObjects() {
    }

    /** Object names (file names without {@code .o}), in index order. */
    public static List<String> names() {
        return new String(resource("index.txt"), StandardCharsets.UTF_8).lines()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    public static byte[] object(String name, Target target) {
        return resource(target.dir() + "/" + name + ".o");
    }

    /**
     * Names of the Linux kernel BPF selftests kept as objects we did not write (from
     * {@code obj/selftests-index.txt}; sources in {@code testdata/src/selftests}). They have
     * no expectation files: tests compare them with libbpf instead.
     */
    public static List<String> selftestNames() {
        return new String(resource("selftests-index.txt"), StandardCharsets.UTF_8).lines()
                .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    }

    /** A kernel selftest object compiled for bpfel, the byte order libbpf opens on x86. */
    public static byte[] selftest(String name) {
        return selftest(name, Target.BPFEL);
    }

    public static byte[] selftest(String name, Target target) {
        return resource(target.dir() + "/selftests/" + name + ".o");
    }

    /** The hand-written expectation file for an object (format in testdata/README.md). */
    public static String expected(String name) {
        return new String(resource("expected/" + name + ".txt"), StandardCharsets.UTF_8);
    }

    /** A file under the testdata classpath root, e.g. {@code tools/libbpf_inspect.c}. */
    /**
     * The frames of the bundled classic pcap {@code path} (e.g. {@code "pcap/sample.pcap"}),
     * either byte order. Only for the captures kept here; the command line's reader
     * (loader-cli) is the one that checks hostile files.
     */
    public static List<byte[]> pcapFrames(String path) {
        byte[] pcap = resource(path);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(pcap).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1)
            b.order(java.nio.ByteOrder.BIG_ENDIAN);
        else if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d)
            throw new IllegalArgumentException(String.format("%s: not a pcap file (magic 0x%08x)", path, magic));
        var out = new java.util.ArrayList<byte[]>();
        for (int p = 24; p + 16 <= pcap.length; ) {
            int length = b.getInt(p + 8);
            p += 16;
            if (length < 0 || p + length > pcap.length)
                throw new IllegalArgumentException(path + ": truncated pcap record at " + (p - 16));
            out.add(java.util.Arrays.copyOfRange(pcap, p, p + length));
            p += length;
        }
        return out;
    }

    public static byte[] resource(String path) {
        try (InputStream in = TestObjects.class.getResourceAsStream(ROOT + path)) {
            if (in == null)
                throw new IllegalArgumentException("no testdata resource " + ROOT + path);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
