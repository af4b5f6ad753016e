package dev.bpf4j.linux;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.btf.BtfEncoder;
import dev.bpf4j.btf.BtfFeatures;
import dev.bpf4j.btf.BtfType;

import java.nio.ByteOrder;
import java.util.List;

/**
 * What the running kernel supports, probed once per backend the way libbpf's
 * {@code probe_kern_btf*} functions do: by loading a tiny BTF blob that uses the feature and
 * seeing whether BPF_BTF_LOAD accepts it.
 *
 * @param btf         the kernel loads BTF at all (Linux 4.18)
 * @param btfFeatures the BTF kinds and flags it accepts, for {@link dev.bpf4j.btf.BtfSanitizer}
 */
record KernelFeatures(boolean btf, BtfFeatures btfFeatures) {

    private static final BtfType.Int INT = new BtfType.Int(1, "int", 4, BtfType.Int.SIGNED, 0, 32);

    /**
     * Probes the kernel behind {@code bpf}.
     *
     * @throws BackendException when bpf(2) itself is refused ({@code -EPERM}: no privilege,
     *                          {@code -ENOSYS}: no bpf(2)), with one message saying which
     */
    static KernelFeatures probe(Bpf bpf) {
        long base = load(bpf, List.of(INT));
        if (base == -Errno.EPERM || base == -Errno.ENOSYS) {
            int errno = (int) -base;
            throw new BackendException(-errno, "the linux backend cannot use bpf(2): "
                    + (errno == Errno.EPERM ? Hints.NO_PRIVILEGE : Hints.NO_SYSCALL) + " (" + Errno.name(errno) + ")");
        }
        if (base < 0)
            return new KernelFeatures(false, BtfFeatures.none());
        var proto = new BtfType.FuncProto(2, "", 1, List.of(new BtfType.Param("x", 1)));
        boolean func = ok(bpf, List.of(INT, proto, new BtfType.Func(3, "a", 2, BtfType.Func.STATIC)));
        boolean global = ok(bpf, List.of(INT, proto, new BtfType.Func(3, "a", 2, BtfType.Func.GLOBAL)));
        var var = new BtfType.Var(2, "x", 1, BtfType.Var.STATIC);
        boolean datasec = ok(bpf, List.of(INT, var, new BtfType.DataSec(3, ".data", 4, List.of(new BtfType.VarSecInfo(2, 0, 4)))));
        boolean qmark = ok(bpf, List.of(INT, var, new BtfType.DataSec(3, "?.data", 4, List.of(new BtfType.VarSecInfo(2, 0, 4)))));
        boolean floats = ok(bpf, List.of(new BtfType.Float(1, "float", 4)));
        boolean declTag = ok(bpf, List.of(INT, var, new BtfType.DeclTag(3, "tag", 2, -1)));
        boolean typeTag = ok(bpf, List.of(INT, new BtfType.TypeTag(2, "tag", 1), new BtfType.Pointer(3, "", 2)));
        boolean enum64 = ok(bpf, List.of(new BtfType.Enum64(1, "e", 8, false, List.of(new BtfType.EnumValue("v", 1L << 40)))));
        return new KernelFeatures(true, new BtfFeatures(func, global, datasec, floats, declTag, typeTag, enum64, qmark));
    }

    private static boolean ok(Bpf bpf, List<BtfType> types) {
        return load(bpf, types) >= 0;
    }

    /** Loads the blob and closes it again: the fd, or {@code -errno}. */
    private static long load(Bpf bpf, List<BtfType> types) {
        long fd = bpf.btfLoad(BtfEncoder.encode(types, ByteOrder.nativeOrder()), null);
        if (fd >= 0)
            bpf.close((int) fd);
        return fd;
    }
}
