package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The seq_file helpers of map element iterators ({@link MapIterator}): what a program
 * writes with them is what reading the iterator returns.
 * <ul>
 * <li>{@code long bpf_seq_write(struct seq_file *m, const void *data, u32 len)}: appends
 *     {@code len} bytes;</li>
 * <li>{@code long bpf_seq_printf(struct seq_file *m, const char *fmt, u32 fmt_size,
 *     const void *data, u32 data_len)}: appends {@code fmt} formatted with the u64
 *     arguments at {@code data} by the kernel's rules ({@link KernelFormat}, as
 *     {@code bpf_trace_printk} and {@code bpf_snprintf}); {@code fmt} must hold a NUL within
 *     {@code fmt_size} bytes, {@code data_len} be a multiple of 8, at most 12 arguments,
 *     {@code data} non-NULL when {@code data_len} is not 0: otherwise {@code -EINVAL}.</li>
 * </ul>
 * Both return 0, or {@code -EOVERFLOW} when the output does not fit the iterator's
 * {@link SeqFile} buffer (nothing is written; the element runs again in the next read).
 * {@code bpf_seq_printf_btf} is not implemented: the verifier refuses programs calling it.
 *
 * <p>{@code m} must be the {@code ctx->meta->seq} of the iteration running on the caller's
 * CPU; the verifier offers the helpers to iterators only ({@code tracing} programs with
 * attach type {@code trace_iter}), so anything else is a misuse fault naming the helper.
 */
final class SeqHelpers {
    /** The most u64 arguments of bpf_seq_printf (MAX_BPRINTF_VARARGS). */
    static final int VARARGS = 12;

    private SeqHelpers() {
    }

    static void register(HelperTable.Builder b, EmulatorObject o) {
        b.add("seq_write", (r1, r2, r3, r4, r5, s) -> {
            int id = Verifier.helperId("seq_write");
            SeqFile seq = seqFile(o, r1, id, s);
            long len = r3 & 0xffffffffL;
            if (len > Integer.MAX_VALUE)
                throw HelperTable.misuse(id, s, "length " + len + " is larger than any region");
            byte[] data = len == 0 ? new byte[0] : named(id, s, () -> s.memory().read(r2, (int) len, s.slot()));
            return seq.write(data) ? 0 : -BackendException.EOVERFLOW;
        });
        b.add("seq_printf", (r1, r2, r3, r4, r5, s) -> {
            int id = Verifier.helperId("seq_printf");
            SeqFile seq = seqFile(o, r1, id, s);
            long fmtSize = r3 & 0xffffffffL;
            if (fmtSize == 0 || fmtSize > Integer.MAX_VALUE)
                throw HelperTable.misuse(id, s, "format size " + fmtSize + " is not a positive size");
            byte[] raw = named(id, s, () -> s.memory().read(r2, (int) fmtSize, s.slot()));
            int nul = 0;
            while (nul < raw.length && raw[nul] != 0)
                nul++;
            long dataLen = r5 & 0xffffffffL;
            if (nul == raw.length || dataLen % 8 != 0 || dataLen > 8L * VARARGS || (dataLen > 0 && r4 == 0))
                return -BackendException.EINVAL;
            long[] args = new long[(int) dataLen / 8];
            for (int i = 0; i < args.length; i++) {
                long at = r4 + 8L * i;
                args[i] = named(id, s, () -> s.memory().load(at, 8, s.slot(), -1, 0));
            }
            String text;
            try {
                text = KernelFormat.format(Arrays.copyOf(raw, nul), args, KernelFormat.Reader.of(s.memory()));
            } catch (KernelFormat.Invalid e) {
                return -BackendException.EINVAL;
            }
            return seq.write(text.getBytes(StandardCharsets.ISO_8859_1)) ? 0 : -BackendException.EOVERFLOW;
        });
    }

    private static SeqFile seqFile(EmulatorObject o, long address, int id, VmState s) {
        SeqFile f = o.kernel.iterators.seqFile(address, s.cpu());
        if (f == null)
            throw HelperTable.misuse(id, s, String.format("0x%x is not the seq_file (ctx->meta->seq) of a map iterator"
                    + " running on CPU %d", address, s.cpu()));
        return f;
    }

    private interface Access<T> {
        T get();
    }

    /** A memory access on behalf of the helper: a fault names it. */
    private static <T> T named(int id, VmState s, Access<T> a) {
        try {
            return a.get();
        } catch (VmFault f) {
            throw HelperTable.named(id, s, f);
        }
    }
}
