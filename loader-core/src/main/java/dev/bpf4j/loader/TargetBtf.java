package dev.bpf4j.loader;

import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.BtfFormatException;
import dev.bpf4j.btf.KernelBtf;
import dev.bpf4j.elf.ElfFile;
import dev.bpf4j.elf.ElfReader;
import dev.bpf4j.elf.ObjectFormatException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * The BTF that CO-RE relocations are computed against: the "kernel" a program is adapted to.
 * Resolved only when an object has CO-RE relocations that need it, as libbpf loads vmlinux BTF
 * only then.
 *
 * <pre>{@code
 * LinkOptions running = LinkOptions.defaults();                                   // /sys/kernel/btf/vmlinux
 * LinkOptions other = LinkOptions.defaults().withTargetBtf(TargetBtf.file(Path.of("vmlinux-5.15.btf")));
 * LinkOptions fromElf = LinkOptions.defaults().withTargetBtf(TargetBtf.file(Path.of("kernel-types.o")));
 * }</pre>
 */
public sealed interface TargetBtf {

    /**
     * The BTF to relocate against, or empty when there is none (the running kernel has no
     * {@code /sys/kernel/btf/vmlinux}).
     *
     * @throws LinkException if the file cannot be read or is not BTF, naming it
     */
    Optional<Btf> resolve();

    /** Where the types come from, for messages ("/sys/kernel/btf/vmlinux", a file name). */
    String source();

    /** libbpf's default: the running kernel's BTF, parsed once per {@code cache}. */
    static TargetBtf runningKernel(KernelBtf cache) {
        return new RunningKernel(cache);
    }

    /**
     * A file: raw BTF (as {@code /sys/kernel/btf/vmlinux}, or {@code bpftool btf dump ... format
     * raw} output), or an ELF object whose {@code .BTF} section holds the types (libbpf's
     * {@code btf_custom_path} accepts both).
     */
    static TargetBtf file(Path path) {
        return new File(path);
    }

    /** Types already parsed. */
    static TargetBtf of(Btf btf) {
        return new Given(btf);
    }

    record RunningKernel(KernelBtf cache) implements TargetBtf {
        public RunningKernel {
            Objects.requireNonNull(cache, "cache");
        }

        @Override
        public Optional<Btf> resolve() {
            try {
                return cache.vmlinux();
            } catch (IOException | BtfFormatException e) {
                throw new LinkException(KernelBtf.VMLINUX + ": cannot read the kernel's BTF: " + e.getMessage(), e);
            }
        }

        @Override
        public String source() {
            return KernelBtf.VMLINUX.toString();
        }
    }

    record File(Path path) implements TargetBtf {
        public File {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public Optional<Btf> resolve() {
            try {
                if (!isElf(path))
                    return Optional.of(Btf.read(path));
                ElfFile elf = ElfReader.read(path);
                return Optional.of(Btf.parse(elf.contents(elf.section(".BTF")
                        .orElseThrow(() -> new LinkException(path + ": target BTF: the object has no .BTF section")))));
            } catch (IOException e) {
                throw new LinkException(path + ": cannot read the target BTF: " + e.getMessage(), e);
            } catch (BtfFormatException | ObjectFormatException e) {
                throw new LinkException(path + ": not a usable target BTF: " + e.getMessage(), e);
            }
        }

        @Override
        public String source() {
            return path.toString();
        }

        private static boolean isElf(Path path) throws IOException {
            try (InputStream in = Files.newInputStream(path)) {
                return ElfReader.hasElfMagic(in.readNBytes(4));
            }
        }
    }

    record Given(Btf btf) implements TargetBtf {
        public Given {
            Objects.requireNonNull(btf, "btf");
        }

        @Override
        public Optional<Btf> resolve() {
            return Optional.of(btf);
        }

        @Override
        public String source() {
            return "the given BTF";
        }
    }
}
