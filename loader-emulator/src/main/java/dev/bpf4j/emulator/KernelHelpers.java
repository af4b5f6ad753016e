package dev.bpf4j.emulator;

import dev.bpf4j.backend.BackendException;

import java.nio.charset.StandardCharsets;

/**
 * The helpers that are neither about maps nor packets: time, the current task and CPU,
 * random numbers, printing, reads of (kernel or user) memory, strings, loops and spin
 * locks. The machine they describe is the object's {@link EmulatorConfig}.
 *
 * <p>Time: {@code ktime_get_ns} and {@code ktime_get_boot_ns} are the configured clock (the
 * emulated machine never suspends); {@code ktime_get_coarse_ns} is that clock cut to a
 * jiffy; {@code jiffies64} counts jiffies of {@value #HZ} Hz from the kernel's
 * INITIAL_JIFFIES. Memory reads ({@code probe_read*}) see the one address space of the
 * object: kernel and user memory are the same to the emulator.
 */
final class KernelHelpers {
    /** CONFIG_HZ of the emulated kernel (Debian's). */
    static final int HZ = 250;
    /** The kernel's INITIAL_JIFFIES: jiffies start 5 minutes before wrapping a u32. */
    static final long INITIAL_JIFFIES = (-300L * HZ) & 0xffffffffL;
    /** bpf_loop refuses more iterations than this (BPF_MAX_LOOPS). */
    static final long MAX_LOOPS = 1 << 23;
    /** bpf_trace_printk takes at most 3 arguments; bpf_snprintf and bpf_trace_vprintk 12 (MAX_BPRINTF_VARARGS). */
    static final int PRINTK_ARGS = 3, VARARGS = 12;
    /** The longest line bpf_trace_printk writes (BPF_TRACE_PRINTK_SIZE less the NUL). */
    static final int PRINTK_SIZE = 1024;

    private KernelHelpers() {
    }

    static void register(HelperTable.Builder b, EmulatorObject o) {
        b.add("ktime_get_ns", (r1, r2, r3, r4, r5, s) -> o.config.clockNs().getAsLong());
        b.add("ktime_get_boot_ns", (r1, r2, r3, r4, r5, s) -> o.config.clockNs().getAsLong());
        b.add("ktime_get_coarse_ns", (r1, r2, r3, r4, r5, s) -> {
            long jiffy = 1_000_000_000L / HZ;
            return o.config.clockNs().getAsLong() / jiffy * jiffy;
        });
        b.add("jiffies64", (r1, r2, r3, r4, r5, s) -> INITIAL_JIFFIES + o.config.clockNs().getAsLong() / (1_000_000_000L / HZ));
        b.add("get_prandom_u32", (r1, r2, r3, r4, r5, s) -> s.nextRandom() >>> 32);
        b.add("get_smp_processor_id", (r1, r2, r3, r4, r5, s) -> s.cpu());
        b.add("get_numa_node_id", (r1, r2, r3, r4, r5, s) -> 0);
        b.add("get_current_pid_tgid", (r1, r2, r3, r4, r5, s) ->
                (long) o.config.task().tgid() << 32 | (o.config.task().pid() & 0xffffffffL));
        b.add("get_current_uid_gid", (r1, r2, r3, r4, r5, s) ->
                (long) o.config.task().gid() << 32 | (o.config.task().uid() & 0xffffffffL));
        b.add("get_current_comm", (r1, r2, r3, r4, r5, s) -> { // long bpf_get_current_comm(buf, size)
            byte[] comm = o.config.task().comm().getBytes(StandardCharsets.UTF_8);
            int size = checkSize(r2, s);
            byte[] out = new byte[size]; // strscpy_pad: truncated, NUL-terminated, zero-padded
            System.arraycopy(comm, 0, out, 0, Math.min(comm.length, size - 1));
            s.write(r1, out);
            return 0;
        });
        for (String name : new String[] {"probe_read", "probe_read_kernel", "probe_read_user"})
            b.add(name, (r1, r2, r3, r4, r5, s) -> { // long bpf_probe_read(dst, size, unsafe_ptr)
                int size = checkSize(r2, s);
                byte[] data = o.memory.bytesOrNull(r3, size);
                s.write(r1, data == null ? new byte[size] : data);
                return data == null ? -BackendException.EFAULT : 0;
            });
        for (String name : new String[] {"probe_read_str", "probe_read_kernel_str", "probe_read_user_str"})
            b.add(name, (r1, r2, r3, r4, r5, s) -> { // long bpf_probe_read_str(dst, size, unsafe_ptr)
                int size = checkSize(r2, s);
                byte[] str = o.memory.stringOrNull(r3, size - 1);
                byte[] out = new byte[size];
                if (str == null) {
                    s.write(r1, out);
                    return -BackendException.EFAULT;
                }
                System.arraycopy(str, 0, out, 0, str.length);
                s.write(r1, java.util.Arrays.copyOf(out, str.length + 1));
                return str.length + 1;
            });
        b.add("trace_printk", (r1, r2, r3, r4, r5, s) -> { // long bpf_trace_printk(fmt, fmt_size, ...)
            byte[] fmt = formatString(o, r1, r2, s);
            return fmt == null ? -BackendException.EINVAL : printk(o, fmt, new long[] {r3, r4, r5}, s);
        });
        b.add("trace_vprintk", (r1, r2, r3, r4, r5, s) -> { // long bpf_trace_vprintk(fmt, fmt_size, data, data_len)
            byte[] fmt = formatString(o, r1, r2, s);
            long[] args = varargs(o, r3, r4, s);
            return fmt == null || args == null ? -BackendException.EINVAL : printk(o, fmt, args, s);
        });
        b.add("snprintf", (r1, r2, r3, r4, r5, s) -> { // long bpf_snprintf(str, str_size, fmt, data, data_len)
            byte[] fmt = o.memory.stringOrNull(r3, 1 << 16);
            long[] args = varargs(o, r4, r5, s);
            if (fmt == null || args == null)
                return -BackendException.EINVAL;
            byte[] text;
            try {
                text = KernelFormat.format(fmt, args, KernelFormat.Reader.of(o.memory)).getBytes(StandardCharsets.ISO_8859_1);
            } catch (KernelFormat.Invalid e) {
                return -BackendException.EINVAL;
            }
            if (r2 > 0) {
                int size = checkSize(r2, s);
                byte[] out = java.util.Arrays.copyOf(text, Math.min(text.length, size - 1) + 1); // NUL-terminated
                out[out.length - 1] = 0;
                s.write(r1, out);
            }
            return text.length + 1;
        });
        b.add("strncmp", (r1, r2, r3, r4, r5, s) -> { // long bpf_strncmp(s1, s1_sz, s2): lib/string.c's -1, 0, 1
            int n = checkSize(r2, s);
            for (int i = 0; i < n; i++) {
                int c1 = (int) s.memory().load(r1 + i, 1, s.slot(), -1, 0);
                int c2 = (int) s.memory().load(r3 + i, 1, s.slot(), -1, 0);
                if (c1 != c2)
                    return c1 < c2 ? -1 : 1;
                if (c1 == 0)
                    break;
            }
            return 0;
        });
        b.add("loop", (r1, r2, r3, r4, r5, s) -> { // long bpf_loop(nr_loops, callback_fn, callback_ctx, flags)
            if (r4 != 0)
                return -BackendException.EINVAL;
            if (Long.compareUnsigned(r1 & 0xffffffffL, MAX_LOOPS) > 0)
                return -BackendException.E2BIG;
            long n = r1 & 0xffffffffL;
            for (long i = 0; i < n; i++)
                if (s.vm.callback(s, r2, i, r3, 0, 0, 0) != 0)
                    return i + 1;
            return n;
        });
        b.add("spin_lock", (r1, r2, r3, r4, r5, s) -> {
            s.lock(r1);
            return 0;
        });
        b.add("spin_unlock", (r1, r2, r3, r4, r5, s) -> {
            s.unlock(r1);
            return 0;
        });
    }

    private static long printk(EmulatorObject o, byte[] fmt, long[] args, VmState s) {
        String line;
        try {
            line = KernelFormat.format(fmt, args, KernelFormat.Reader.of(o.memory));
        } catch (KernelFormat.Invalid e) {
            return -BackendException.EINVAL;
        }
        int length = line.length();
        if (line.length() > PRINTK_SIZE)
            line = line.substring(0, PRINTK_SIZE);
        if (s.kernelRun != null)
            s.kernelRun.trace.add(line.endsWith("\n") ? line.substring(0, line.length() - 1) : line);
        return length;
    }

    /** The format of trace_printk: {@code size} bytes that must hold a NUL; its bytes before the NUL, or null. */
    private static byte[] formatString(EmulatorObject o, long address, long size, VmState s) {
        int n = checkSize(size, s);
        byte[] raw = s.read(address, n);
        for (int i = 0; i < n; i++)
            if (raw[i] == 0)
                return java.util.Arrays.copyOf(raw, i);
        return null;
    }

    /** The u64 arguments of the vprintk-style helpers: {@code length} a multiple of 8, at most 12 of them; or null. */
    private static long[] varargs(EmulatorObject o, long address, long length, VmState s) {
        if (length % 8 != 0 || Long.compareUnsigned(length, 8L * VARARGS) > 0 || (length > 0 && address == 0))
            return null;
        long[] args = new long[(int) length / 8];
        for (int i = 0; i < args.length; i++)
            args[i] = s.memory().load(address + 8L * i, 8, s.slot(), -1, 0);
        return args;
    }

    /** A size argument (ARG_CONST_SIZE): positive and within what one region can hold. */
    private static int checkSize(long size, VmState s) {
        if (size <= 0 || size > Integer.MAX_VALUE)
            throw new VmFault(VmFault.Kind.HELPER_ARGUMENT, s.slot(), "size argument " + size + " is not a positive 32-bit size");
        return (int) size;
    }
}
