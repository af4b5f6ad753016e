package dev.bpf4j.linux;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Reference;
import dev.bpf4j.backend.BackendException;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.MapType;
import dev.bpf4j.loader.Pinning;
import dev.bpf4j.loader.ProgramType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.nio.file.Files;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Plans the kernel or the backend refuses: each a BackendException naming what and why, and no fd left behind. */
class LoadErrorsTest {
    static final List<Instruction> RET_0 = List.of(HandBuilt.mov(0, 0), HandBuilt.exit());

    /** Runs {@code load}, expecting {@code errno} and a message with every one of {@code words}; no fd may leak. */
    static void refused(Executable load, int errno, String... words) {
        int before = KernelObjects.bpfFds();
        BackendException e = assertThrows(BackendException.class, load);
        assertEquals(errno, e.errno(), e.getMessage());
        for (String w : words)
            assertTrue(e.getMessage().contains(w), "'" + w + "' missing from: " + e.getMessage());
        assertEquals(before, KernelObjects.bpfFds(), "fds left open");
    }

    @Test
    void mapTheKernelRefuses() {
        LinuxBackend linux = KernelObjects.backend();
        var good = HandBuilt.map("good", MapType.ARRAY, 4, 8, 4, Pinning.NONE);
        var bad = HandBuilt.map("zero_key", MapType.HASH, 0, 8, 4, Pinning.NONE);     // a hash map needs a key
        refused(() -> linux.load(HandBuilt.plan("p", ProgramType.SOCKET_FILTER, RET_0, List.of(good, bad))),
                -BackendException.EINVAL, "BPF_MAP_CREATE", "map 'zero_key'", "hash, key 0, value 8", "EINVAL");
    }

    @Test
    void referenceToAMapTheObjectLacks() {
        LinuxBackend linux = KernelObjects.backend();
        var insns = List.of(Instruction.loadImm64(1, 0).withSrc(1).withReference(new Reference.Map("nowhere")), HandBuilt.mov(0, 0), HandBuilt.exit());
        refused(() -> linux.load(HandBuilt.plan("uses_nowhere", ProgramType.SOCKET_FILTER, insns)),
                -BackendException.ENOENT, "program 'uses_nowhere'", "map 'nowhere'");
    }

    @Test
    void unresolvedExternIsNotSupportedYet() {
        LinuxBackend linux = KernelObjects.backend();
        var insns = List.of(Instruction.loadImm64(1, 0).withReference(new Reference.Extern("bpf_prog_active")), HandBuilt.mov(0, 0), HandBuilt.exit());
        refused(() -> linux.load(HandBuilt.plan("ksym_user", ProgramType.SOCKET_FILTER, insns)),
                -BackendException.ENOTSUPP, "program 'ksym_user'", "extern 'bpf_prog_active'");
    }

    /** jmp_table's slot 2 names tail_b; a plan without tail_b cannot fill it. */
    @Test
    void progArraySlotNamingAProgramNotLoaded() {
        LinuxBackend linux = KernelObjects.backend();
        var open = KernelObjects.open("tail_calls");
        LoadPlan plan = Linker.link(open.spec(), open.options());
        List<LinkedProgram> withoutB = plan.programs().stream().filter(p -> !p.name().equals("tail_b")).toList();
        refused(() -> linux.load(new LoadPlan(plan.spec(), withoutB, plan.maps())),
                -BackendException.ENOENT, "map 'jmp_table'", "slot 2", "program 'tail_b'", "not loaded");
    }

    @Test
    void pinPathThatIsNotAPinnedMap() throws Exception {
        try (var pins = KernelObjects.TempPinRoot.create()) {
            LinuxBackend linux = KernelObjects.backend(pins.path());
            Files.createDirectory(pins.path().resolve("pinned_counts"));     // a directory where the map's pin would be
            // the kernel: EACCES for a bpffs inode that is neither map, program nor link
            refused(() -> KernelObjects.open("maps_btf").load(linux), -BackendException.EACCES,
                    "BPF_OBJ_GET", "map 'pinned_counts'", pins.path().resolve("pinned_counts").toString());
        }
    }

    @Test
    void pinByANameThatIsNotAFileName() {
        try (var pins = KernelObjects.TempPinRoot.create()) {
            LinuxBackend linux = KernelObjects.backend(pins.path());
            var m = HandBuilt.map("../escape", MapType.ARRAY, 4, 4, 1, Pinning.BY_NAME);
            refused(() -> linux.load(HandBuilt.plan("p", ProgramType.SOCKET_FILTER, RET_0, List.of(m))),
                    -BackendException.EINVAL, "map '../escape'", "not a file name");
            assertEquals(List.of(), pins.pins());
        }
    }
}
