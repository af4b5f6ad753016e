package dev.bpf4j.testdata;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The Linux kernel as the peer the emulator must agree with: one {@code kernel_test_run}
 * process (testdata/tools/kernel_test_run.c, built here with gcc and the system's libbpf)
 * that has loaded one object and answers BPF_PROG_TEST_RUN and map requests.
 *
 * <pre>{@code
 * try (KernelPeer kernel = KernelPeer.start(workDir, objectFile)) {
 *     KernelPeer.Run r = kernel.run("xdp_parser", packet, null, 1);   // r.retval(), r.dataOut()
 *     Map<String, Map<String, String>> maps = kernel.maps();          // map -> key hex -> value hex
 *     kernel.reset();                                                 // maps as right after loading
 * }
 * }</pre>
 *
 * {@link #start} skips the calling test (a JUnit assumption, so outside JUnit an
 * {@code org.opentest4j.TestAbortedException}) where the kernel cannot be asked: not root,
 * no gcc or libbpf-dev, or bpf(2) refused. An object the kernel refuses is not a reason to
 * skip: that is an {@link AssertionError} carrying libbpf's log. Requests are serialized
 * (one answer is read before the next request is sent), so threads may share a peer.
 */
public final class KernelPeer implements AutoCloseable {
    /**
     * One BPF_PROG_TEST_RUN answer: {@code errno} is 0 when the run happened; otherwise the
     * other fields are empty and {@code message} says what the kernel refused.
     *
     * @param retval     the program's return value (the kernel's u32)
     * @param dataOut    data_out, or an empty array
     * @param ctxOut     ctx_out when a ctx_in was given, else null
     * @param durationNs the kernel's mean time per run
     */
    public record Run(int errno, String message, int retval, byte[] dataOut, byte[] ctxOut, long durationNs) {
        public boolean ok() {
            return errno == 0;
        }
    }

    private static final HexFormat HEX = HexFormat.of();
    private static Path helper;

    private final Process process;
    private final BufferedReader out;
    private final Writer in;
    private final StringBuffer stderr = new StringBuffer();
    private final List<String> programs;
    private final Path object;

    private KernelPeer(Process process, Path object) throws IOException {
        this.process = process;
        this.object = object;
        this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII);
        Thread drain = new Thread(() -> collect(process.getErrorStream()), "kernel_test_run stderr");
        drain.setDaemon(true);
        drain.start();
        String first = out.readLine();
        if (first == null)
            first = "error - no answer";
        String[] f = first.split(" ", 3);
        if (f[0].equals("unavailable")) {
            close();
            assumeTrue(false, "bpf(2) does not work here (" + f[2] + "): cannot compare with the kernel");
        }
        if (!f[0].equals("ready")) {
            close();
            throw new AssertionError("the kernel refused " + object + ": " + first + "\nlibbpf said:\n" + stderr);
        }
        this.programs = List.of(first.substring("ready".length()).strip().split(" "));
    }

    /**
     * Builds the helper (once per JVM, in {@code workDir}) and loads {@code object} into the
     * kernel. Skips the calling test where that cannot work here.
     */
    public static KernelPeer start(Path workDir, Path object) throws IOException, InterruptedException {
        assumeTrue(isRoot(), "not root: BPF_PROG_TEST_RUN needs root (or CAP_BPF and CAP_NET_ADMIN)");
        Path binary = helper(workDir);
        Process p = new ProcessBuilder(binary.toString(), object.toString()).start();
        return new KernelPeer(p, object);
    }

    private static synchronized Path helper(Path workDir) throws IOException, InterruptedException {
        if (helper == null || !Files.isExecutable(helper)) {
            String source = new String(TestObjects.resource("tools/kernel_test_run.c"), StandardCharsets.UTF_8);
            helper = LibbpfTool.build(workDir, "kernel_test_run", source);
        }
        return helper;
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status")))
                if (line.startsWith("Uid:"))
                    return line.split("\\s+")[2].equals("0");   // real, effective, saved, fs
        } catch (IOException e) {
            return false;
        }
        return false;
    }

    private void collect(InputStream s) {
        try (var r = new BufferedReader(new InputStreamReader(s, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; )
                stderr.append(line).append('\n');
        } catch (IOException e) {
            // the process ended; what was read is kept
        }
    }

    /** The object's programs as libbpf names them. */
    public List<String> programs() {
        return programs;
    }

    /** BPF_PROG_TEST_RUN of {@code program}; null or empty data/ctx are not passed. */
    public synchronized Run run(String program, byte[] data, byte[] ctx, int repeat) {
        String answer = ask("run " + program + " " + hex(data) + " " + hex(ctx) + " " + repeat);
        String[] f = answer.split(" ", 5);
        if (f[0].equals("err"))
            return new Run(Integer.parseInt(f[1]), f.length > 2 ? answer.split(" ", 3)[2] : "", 0, new byte[0], null, 0);
        if (!f[0].equals("ok") || f.length != 5)
            throw protocol("run", answer);
        return new Run(0, "", Integer.parseUnsignedInt(f[1]), unhex(f[2]),
                ctx == null || ctx.length == 0 ? null : unhex(f[3]), Long.parseLong(f[4]));
    }

    /**
     * Every array and hash map of the object, by libbpf name (internal maps included), each
     * as key hex to value hex in key order.
     */
    public synchronized Map<String, Map<String, String>> maps() {
        Map<String, Map<String, String>> maps = new TreeMap<>();
        send("maps");
        for (String line = read("maps"); !line.equals("end"); line = read("maps")) {
            String[] f = line.split(" ");
            if (f.length != 4 || !f[0].equals("entry"))
                throw protocol("maps", line);
            maps.computeIfAbsent(f[1], k -> new TreeMap<>()).put(f[2], f[3]);
        }
        return maps;
    }

    /** Puts every map back to its load-time contents. */
    public synchronized void reset() {
        String answer = ask("reset");
        if (!answer.equals("ok"))
            throw new AssertionError("kernel_test_run could not reset the maps of " + object + ": " + answer);
    }

    private String ask(String request) {
        send(request);
        return read(request.split(" ", 2)[0]);
    }

    private void send(String request) {
        try {
            in.write(request);
            in.write('\n');
            in.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("kernel_test_run for " + object + " is gone; it said:\n" + stderr, e);
        }
    }

    private String read(String request) {
        try {
            String line = out.readLine();
            if (line == null)
                throw new AssertionError("kernel_test_run for " + object + " ended during '" + request + "'; it said:\n" + stderr);
            return line;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private AssertionError protocol(String request, String line) {
        return new AssertionError("kernel_test_run answered '" + request + "' with: " + line);
    }

    private static String hex(byte[] b) {
        return b == null || b.length == 0 ? "-" : HEX.formatHex(b);
    }

    private static byte[] unhex(String s) {
        return s.equals("-") ? new byte[0] : HEX.parseHex(s);
    }

    /** Ends the helper (which closes the object: nothing stays loaded). */
    @Override
    public synchronized void close() {
        try {
            in.write("quit\n");
            in.close();
        } catch (IOException e) {
            // already gone
        }
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS))
                process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
