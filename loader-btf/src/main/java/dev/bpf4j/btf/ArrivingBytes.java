package dev.bpf4j.btf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.concurrent.locks.LockSupport;

/**
 * A file read into a direct buffer by a helper thread while the caller parses the part that has
 * already arrived. {@code /sys/kernel/btf/vmlinux} is the case this is for: sysfs hands out at
 * most one page per read(2), so reading its 5.5 MB is ~1350 system calls, about as long as
 * indexing and checking its types. Overlapping the two makes {@link Btf#read} cost about the
 * larger of the two rather than their sum; the CPU time is unchanged.
 *
 * <p>The buffer is allocated at the file's reported size plus one byte (so that a file longer
 * than reported is noticed). Bytes below {@link #await}'s answer are final, and the parser only
 * ever reads those. If the file turns out longer than reported, the reader keeps going into a
 * bigger buffer; {@link #finish} returns the whole file either way, and the caller compares its
 * length with the one it parsed against.
 */
final class ArrivingBytes {

    private final ReadableByteChannel channel;
    private final Thread reader;
    private final ByteBuffer first;  // the buffer the parser sees
    private volatile int filled;     // bytes of the first buffer that have arrived
    private volatile boolean done;
    // Written by the reader before it ends, read after join(), which orders the two.
    private ByteBuffer whole;
    private Throwable failure;

    private ArrivingBytes(ReadableByteChannel channel, int expected) {
        this.channel = channel;
        this.first = ByteBuffer.allocateDirect(expected + 1);
        this.reader = new Thread(this::readAll, "bpf4j-btf-read");
        reader.setDaemon(true);
    }

    /** Starts reading {@code channel} (which this does not close) in the background, expecting {@code expected} bytes. */
    static ArrivingBytes start(ReadableByteChannel channel, int expected) {
        var bytes = new ArrivingBytes(channel, expected);
        bytes.reader.start();
        return bytes;
    }

    /**
     * The first buffer, limited to the expected size, for parsing while it fills: read only below
     * what {@link #await} has answered, with absolute gets.
     */
    ByteBuffer view() {
        return first.duplicate().limit(first.capacity() - 1);
    }

    /**
     * Blocks until at least {@code needed} bytes have arrived or the file has ended; returns how
     * many have arrived (fewer than {@code needed} only at the end of the file, or after a read error).
     */
    int await(int needed) {
        int spins = 0;
        while (true) {
            int f = filled;
            if (f >= needed || done)
                return filled;
            // The reader delivers a page every microsecond or two: spin briefly, then give the
            // core away (on a busy machine the reader may be waiting for it).
            if (++spins < 100)
                Thread.onSpinWait();
            else if (spins < 2000)
                Thread.yield();
            else
                LockSupport.parkNanos(50_000);
        }
    }

    /**
     * Waits for the reader to finish and returns the whole file: position 0, limit its length,
     * in the same memory as {@link #view} unless the file was longer than expected.
     *
     * @throws IOException if reading failed
     */
    ByteBuffer finish() throws IOException {
        boolean interrupted = false;
        while (true) {
            try {
                reader.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the reader cannot be abandoned while it writes into our buffer
            }
        }
        if (interrupted)
            Thread.currentThread().interrupt();
        Throwable e = failure;
        if (e instanceof IOException io)
            throw new IOException(io.getMessage(), io); // rethrown here, so the trace shows the caller
        if (e instanceof RuntimeException r)
            throw r;
        if (e instanceof Error error)
            throw error; // e.g. no native memory for a bigger buffer
        return whole;
    }

    private void readAll() {
        try {
            ByteBuffer buf = first.duplicate(); // the reader's own position; the parser's views are separate
            while (true) {
                if (!buf.hasRemaining()) {
                    // Longer than the file said: continue in a bigger buffer (the first one stays
                    // valid for the parser, which reads only the bytes it was told had arrived).
                    if (buf.capacity() >= Integer.MAX_VALUE / 2)
                        throw new IOException("too large for a BTF blob (over 1 GiB)");
                    buf = ByteBuffer.allocateDirect(buf.capacity() * 2).put(buf.flip());
                }
                if (channel.read(buf) < 0)
                    break;
                if (buf.capacity() == first.capacity())
                    filled = buf.position(); // a volatile write: publishes the bytes just read
            }
            whole = buf.flip();
        } catch (IOException | RuntimeException | Error e) {
            failure = e; // handed to the parsing thread by finish()
        } finally {
            done = true;
        }
    }
}
