package dev.bpf4j.emulator;

import dev.bpf4j.loader.AttachType;
import dev.bpf4j.loader.ProgramType;

import java.util.List;
import java.util.Optional;

/**
 * The context a program type sees in r1, as the emulator lays it out: the user-visible
 * struct itself ({@code struct __sk_buff}, {@code struct xdp_md}, ...), followed by one
 * hidden 8-byte slot per {@link ContextField#pointer() u32 pointer field}.
 *
 * <pre>
 *   ctx region:  [ the struct, {@link #size()} bytes ][ pad to 8 ][ slot 0 ][ slot 1 ] ...
 *                  integer and u64 fields as plain     full addresses of data,
 *                  values; loads and stores just work  data_end, data_meta
 * </pre>
 *
 * Integer fields and writable fields are ordinary loads and stores into the struct, so a
 * test run's ctx_out is just those bytes. Only the u32 pointer fields need the load-time
 * rewrite ({@link ContextRewrite}): a program reads {@code ctx->data} as a u32, but an
 * emulator address ({@code (i + 1) << 44}) does not fit, so the load becomes an 8-byte
 * load of the field's hidden slot, as the kernel's verifier turns it into a load from
 * {@code struct sk_buff} or {@code struct xdp_buff}. Pointer fields that are already 8
 * bytes wide ({@code __bpf_md_ptr}: {@code bpf_sockopt->optval}, {@code __sk_buff->sk})
 * hold the address in the struct itself.
 *
 * <p>{@link #check} answers whether one access is allowed, following the type's
 * {@code *_is_valid_access} in the kernel; the message is the kernel's
 * {@code "invalid bpf_context access off=%d size=%d"}.
 *
 * @param struct    the C struct name, for messages ("struct __sk_buff")
 * @param size      sizeof the struct as the program sees it
 * @param fields    the fields a program may touch, in offset order; bytes in no field are refused
 * @param writable  whether any field is writable (the region is then written by programs)
 */
record ContextLayout(String struct, int size, List<ContextField> fields, boolean writable) {
    ContextLayout {
        fields = List.copyOf(fields);
    }

    ContextLayout(String struct, int size, List<ContextField> fields) {
        this(struct, size, fields, fields.stream().anyMatch(f -> f.writeSizes() != 0));
    }

    /**
     * The layout of {@code type}'s context, or empty for types whose context the emulator
     * does not model yet (their accesses are then neither checked nor rewritten).
     * {@code attach} matters where the kernel's rules depend on the expected attach type
     * (xdp's egress_ifindex for devmap programs, sockopt's get/set fields).
     */
    static Optional<ContextLayout> of(ProgramType type, Optional<AttachType> attach) {
        switch (type) {
            case SOCKET_FILTER:
            case SCHED_CLS:
            case SCHED_ACT:
            case CGROUP_SKB:
                return Optional.of(SkbContext.layout(type));
            case XDP:
                return Optional.of(XdpContext.layout(attach.orElse(null) == AttachType.XDP_DEVMAP));
            case CGROUP_SOCKOPT:
                return Optional.of(SockoptContext.layout(attach.orElse(null)));
            case KPROBE:
            case TRACEPOINT:
            case RAW_TRACEPOINT:
            case PERF_EVENT:
            case SYSCALL:
                return Optional.of(CallerContext.layout(type));
            case TRACING:
                if (attach.orElse(null) == AttachType.TRACE_MAP)
                    return Optional.of(MapTraceContext.LAYOUT);
                if (attach.orElse(null) == AttachType.TRACE_ITER)
                    return Optional.of(MapIterContext.LAYOUT);
                return Optional.empty();
            default:
                return Optional.empty();
        }
    }

    /** Offset of the first hidden slot: the struct size rounded up to 8. */
    int hiddenBase() {
        return (size + 7) & ~7;
    }

    /** Bytes of the ctx region: the struct and the hidden slots. */
    int regionSize() {
        return hiddenBase() + 8 * (int) fields.stream().filter(ContextField::pointer).count();
    }

    /** The offset in the ctx region of {@code f}'s hidden slot (f must be a pointer field). */
    int slotOf(ContextField f) {
        int i = 0;
        for (ContextField g : fields) {
            if (g == f)
                return hiddenBase() + 8 * i;
            if (g.pointer())
                i++;
        }
        throw new IllegalArgumentException(f + " is not a field of " + struct);
    }

    /** The hidden slot of the pointer field called {@code name}, or -1 when this layout has none. */
    int slotOf(String name) {
        for (ContextField f : fields)
            if (f.pointer() && f.name().equals(name))
                return slotOf(f);
        return -1;
    }

    /** The field holding byte {@code off}, or null. */
    ContextField fieldAt(int off) {
        for (ContextField f : fields)
            if (f.contains(off))
                return f;
        return null;
    }

    /**
     * Why an access of {@code size} bytes at {@code off} is refused, or null when it is
     * allowed. {@code signExtend}: a BPF_MEMSX load.
     */
    String check(int off, int size, boolean write, boolean signExtend) {
        String refused = "invalid bpf_context access off=" + off + " size=" + size;
        ContextField f = off < 0 ? null : fieldAt(off);
        if (f == null)
            return refused + " (" + struct + " has no " + (write ? "writable" : "readable") + " field there)";
        if (off + size > f.end() || off % size != 0)
            return refused + " (" + (off % size != 0 ? "misaligned" : "crosses the end of") + " field " + f.name() + ")";
        int allowed = write ? f.writeSizes() : f.readSizes();
        if (allowed == 0)
            return refused + " (" + struct + "->" + f.name() + " is " + (write ? "read-only" : "not readable")
                    + " for this program type)";
        if ((allowed & size) == 0)
            return refused + " (" + struct + "->" + f.name() + " allows " + widths(allowed) + "-byte "
                    + (write ? "stores" : "loads") + ")";
        if (signExtend && f.pointer())
            return refused + " (sign-extending load of a packet pointer)";
        return null;
    }

    private static String widths(int mask) {
        var b = new StringBuilder();
        for (int s = 1; s <= 8; s <<= 1)
            if ((mask & s) != 0)
                b.append(b.length() == 0 ? "" : "/").append(s);
        return b.toString();
    }
}
