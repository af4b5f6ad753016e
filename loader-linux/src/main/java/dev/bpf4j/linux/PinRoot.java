package dev.bpf4j.linux;

import dev.bpf4j.backend.BackendException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The directory maps are pinned in by name (libbpf's pin root, {@code /sys/fs/bpf} by default),
 * checked before the first pin: it must exist and lie on a bpf file system, or BPF_OBJ_PIN fails
 * with an errno that does not say why.
 */
final class PinRoot {
    static final Path DEFAULT = Path.of("/sys/fs/bpf");
    static final Path MOUNTS = Path.of("/proc/self/mounts");

    private PinRoot() {
    }

    /**
     * @throws BackendException {@code -ENOENT} when {@code root} is not a directory,
     *                          {@code -EPERM} when it is not on a bpf file system
     */
    static void check(Path root) {
        if (!Files.isDirectory(root))
            throw new BackendException(-BackendException.ENOENT, "pin root " + root + " is not a directory"
                    + (root.startsWith(DEFAULT) ? " (is the bpf file system mounted? mount -t bpf bpf " + DEFAULT + ")" : ""));
        List<String> mounts;
        try {
            mounts = Files.readAllLines(MOUNTS);
            root = root.toRealPath();
        } catch (IOException e) {
            throw new BackendException(-BackendException.ENOENT, "cannot check the pin root " + root + ": " + e.getMessage(), e);
        }
        String type = fileSystemOf(root, mounts);
        if (!"bpf".equals(type))
            throw new BackendException(-BackendException.EPERM, "pin root " + root + " is on a " + type
                    + " file system, not bpf: maps can only be pinned on a bpf file system (mount -t bpf bpf DIR)");
    }

    /** The type of the file system {@code path} lies on: that of the longest mount point containing it. */
    static String fileSystemOf(Path path, List<String> mounts) {
        String best = "unknown";
        int bestLength = -1;
        for (String line : mounts) {
            String[] f = line.split(" ");
            if (f.length < 3)
                continue;
            // mount points escape spaces and the like as octal (\040)
            Path mountPoint = Path.of(f[1].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\"));
            int length = mountPoint.getNameCount();
            if (path.startsWith(mountPoint) && length >= bestLength) {
                best = f[2];
                bestLength = length;
            }
        }
        return best;
    }
}
