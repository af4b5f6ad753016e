package dev.bpf4j.linux;

import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.Linker;
import dev.bpf4j.loader.MapSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Maps pinned by name (maps_btf's pinned_counts), reused by later loads when compatible, as libbpf does. */
class PinningTest {

    @Test
    void pinnedMapOutlivesTheObjectAndIsReused() {
        try (var pins = KernelObjects.TempPinRoot.create()) {
            LinuxBackend linux = KernelObjects.backend(pins.path());
            int id;
            try (LoadedObject first = KernelObjects.open("maps_btf").load(linux)) {
                LinuxMap pinned = (LinuxMap) first.map("pinned_counts");
                assertEquals(pins.path().resolve("pinned_counts"), pinned.pinPath().orElseThrow());
                assertFalse(pinned.reused());
                assertEquals(List.of("pinned_counts"), pins.pins(), "only the LIBBPF_PIN_BY_NAME map is pinned");
                pinned.update(pinned.key(7), pinned.value(70));
                id = pinned.id();
            }
            assertEquals(List.of("pinned_counts"), pins.pins(), "closing the object keeps the pin");
            try (LoadedObject second = KernelObjects.open("maps_btf").load(linux)) {
                LinuxMap pinned = (LinuxMap) second.map("pinned_counts");
                assertTrue(pinned.reused());
                assertEquals(id, pinned.id(), "the same kernel map");
                assertEquals(70, pinned.lookupLong(7).orElseThrow(), "its contents survive");
                pinned.unpin();
                assertEquals(List.of(), pins.pins());
            }
        }
    }

    /** A map pinned under the name with another max_entries is refused, naming the difference, and nothing leaks. */
    @Test
    void incompatiblePinIsRefused() {
        try (var pins = KernelObjects.TempPinRoot.create()) {
            LinuxBackend linux = KernelObjects.backend(pins.path());
            var open = KernelObjects.open("maps_btf");
            LoadPlan plan = Linker.link(open.spec(), open.options());
            // the same object, but pinned_counts with 32 entries instead of 64
            List<MapSpec> maps = new ArrayList<>();
            for (MapSpec m : plan.maps())
                maps.add(!m.name().equals("pinned_counts") ? m : new MapSpec(m.name(), m.kind(), m.type(), m.keySize(), m.valueSize(),
                        32, m.flags(), m.numaNode(), m.pinning(), m.mapExtra(), m.sectionName(), m.sectionOffset(), m.keyType(),
                        m.valueType(), m.innerMap(), m.initialData(), m.initialSlots()));
            try (LoadedObject small = linux.load(new LoadPlan(plan.spec(), plan.programs(), maps))) {
                assertEquals(32, small.map("pinned_counts").spec().maxEntries());
            }
            int before = KernelObjects.bpfFds();
            BackendException e = assertThrows(BackendException.class, () -> linux.load(plan));
            assertEquals(-BackendException.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("couldn't reuse pinned map at '" + pins.path().resolve("pinned_counts") + "'")
                    && e.getMessage().contains("max_entries 32 != 64"), e.getMessage());
            assertEquals(before, KernelObjects.bpfFds(), "the refused load closed what it had made");
        }
    }

    @Test
    void pinRootMustBeOnABpfFileSystem(@TempDir Path notBpffs) {
        LinuxBackend linux = KernelObjects.backend(notBpffs);
        BackendException e = assertThrows(BackendException.class, () -> KernelObjects.open("maps_btf").load(linux));
        assertEquals(-BackendException.EPERM, e.errno());
        assertTrue(e.getMessage().contains("not bpf") && e.getMessage().contains(notBpffs.toString()), e.getMessage());
        LinuxBackend missing = KernelObjects.backend(notBpffs.resolve("absent"));
        BackendException m = assertThrows(BackendException.class, () -> KernelObjects.open("maps_btf").load(missing));
        assertEquals(-BackendException.ENOENT, m.errno());
        assertTrue(m.getMessage().contains("is not a directory"), m.getMessage());
    }

    @Test
    void fileSystemOfAPathIsItsLongestMountPoint() {
        List<String> mounts = List.of("/dev/root / ext4 rw 0 0", "bpf /sys/fs/bpf bpf rw 0 0", "sysfs /sys sysfs rw 0 0",
                "tmp /mnt/a\\040b tmpfs rw 0 0");
        assertEquals("bpf", PinRoot.fileSystemOf(Path.of("/sys/fs/bpf/app"), mounts));
        assertEquals("sysfs", PinRoot.fileSystemOf(Path.of("/sys/fs/bpfx"), mounts));
        assertEquals("ext4", PinRoot.fileSystemOf(Path.of("/tmp"), mounts));
        assertEquals("tmpfs", PinRoot.fileSystemOf(Path.of("/mnt/a b/c"), mounts));
        assertEquals("unknown", PinRoot.fileSystemOf(Path.of("/x"), List.of("garbage")));
    }
}
