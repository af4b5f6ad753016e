package dev.bpf4j.loader;

/**
 * A constant of one of the kernel's BPF enums (program, attach and map types): its number in
 * {@code linux/bpf.h} and the name libbpf prints for it.
 *
 * <pre>{@code
 * KernelEnum t = ProgramType.XDP;
 * System.out.println(t.number() + " " + t.libbpfName()); // 6 xdp
 * }</pre>
 */
public interface KernelEnum {
    /** The value passed to and reported by the kernel. */
    int number();

    /** libbpf's name for it ({@code libbpf_bpf_*_type_str()}). */
    String libbpfName();
}
