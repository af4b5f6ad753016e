package dev.bpf4j.linux;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.BtfKind;
import dev.bpf4j.btf.KernelBtf;
import dev.bpf4j.loader.AttachType;
import dev.bpf4j.loader.ProgramSpec;
import dev.bpf4j.loader.ProgramType;

import java.io.IOException;
import java.util.OptionalInt;

/**
 * The kernel BTF id a tracing program attaches to ({@code attach_btf_id}), found in the running
 * kernel's BTF as libbpf's {@code find_kernel_btf_id} finds it: the section's target name with
 * a prefix per attach type ({@code btf_trace_} TYPEDEF for tp_btf, {@code bpf_lsm_} FUNC for
 * lsm, {@code bpf_iter_} FUNC for iter), else the FUNC of that name (fentry, fexit, fmod_ret).
 */
final class AttachTargets {
    private final KernelBtf kernelBtf = new KernelBtf();

    int resolve(ProgramSpec p) {
        String target = p.attachTarget();
        if (target == null || target.isEmpty())
            return 0;
        if (p.type() == ProgramType.EXT)
            throw new BackendException(-BackendException.ENOTSUPP, "program '" + p.name() + "': freplace (extension)"
                    + " programs need a target program, which the linux backend does not take yet");
        AttachType a = p.expectedAttachType().orElse(null);
        String name;
        BtfKind kind = BtfKind.FUNC;
        if (a == AttachType.TRACE_RAW_TP) {
            name = "btf_trace_" + target;
            kind = BtfKind.TYPEDEF;
        } else if (a == AttachType.LSM_MAC || a == AttachType.LSM_CGROUP) {
            name = "bpf_lsm_" + target;
        } else if (a == AttachType.TRACE_ITER) {
            name = "bpf_iter_" + target;
        } else {
            name = target;
        }
        Btf vmlinux;
        try {
            vmlinux = kernelBtf.vmlinux().orElseThrow(() -> new BackendException(-BackendException.ENOENT, "program '"
                    + p.name() + "': attaching to '" + target + "' needs the kernel's BTF, and " + KernelBtf.VMLINUX + " is missing"));
        } catch (IOException e) {
            throw new BackendException(-BackendException.ENOENT, "program '" + p.name() + "': cannot read "
                    + KernelBtf.VMLINUX + ": " + e.getMessage(), e);
        }
        OptionalInt id = vmlinux.findId(name, kind);
        if (id.isEmpty())
            throw new BackendException(-BackendException.ENOENT, "program '" + p.name() + "': the kernel has no "
                    + kind + " '" + name + "' to attach to (section '" + p.sectionName() + "')");
        return id.getAsInt();
    }
}
