package dev.bpf4j.linux;

import dev.bpf4j.Bpf4j;
import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.backend.UpdateFlag;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.testdata.TestObjects;
import dev.bpf4j.testdata.TestObjects.Target;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading testdata objects into the running kernel, and what the kernel then holds. */
class LinuxBackendTest {

    @ParameterizedTest
    @ValueSource(strings = {"xdp_parser", "sock_filter", "tc_rewrite", "globals", "maps_btf", "tail_calls", "subprogs",
            "kernel_helpers", "hooks", "legacy_maps", "kconfig"})
    void loadsAndReleasesEveryFd(String name) {
        try (var pins = KernelObjects.TempPinRoot.create()) {
            loadsAndReleasesEveryFd(name, KernelObjects.backend(pins.path()));
        }
    }

    private void loadsAndReleasesEveryFd(String name, LinuxBackend linux) {
        linux.btfFeatures();                         // probe first: its fds come and go before the count
        Bpf4j.OpenObject open = KernelObjects.open(name);
        int before = KernelObjects.bpfFds();
        LoadedObject obj = open.load(linux);
        try {
            // every map and autoloaded program of the plan is in the kernel, with a kernel id
            assertEquals(open.spec().maps().stream().map(MapSpec::name).toList(), obj.maps().stream().map(MapHandle::name).toList());
            Set<Integer> ids = new HashSet<>();
            for (MapHandle m : obj.maps())
                assertTrue(ids.add(((LinuxMap) m).id()), m.name());
            for (ProgramHandle p : obj.programs())
                assertTrue(((LinuxProgram) p).id() > 0, p.name());
            assertFalse(obj.programs().isEmpty());
            assertEquals("", ((LinuxObject) obj).btfProblem(), "the kernel should take the object's BTF");
            // one fd per map and program, plus the BTF object's when the object has BTF
            int btf = open.spec().btf() == null ? 0 : 1;
            assertEquals(before + obj.maps().size() + obj.programs().size() + btf, KernelObjects.bpfFds());
        } finally {
            obj.close();
        }
        assertTrue(obj.isClosed());
        assertEquals(before, KernelObjects.bpfFds(), "fds left open after close");
        obj.close();                                 // idempotent
        ProgramHandle p = obj.programs().get(0);
        BackendException e = assertThrows(BackendException.class, () -> p.testRun(dev.bpf4j.backend.TestRun.ofData(new byte[64])));
        assertEquals(-BackendException.EBADF, e.errno());
        for (MapHandle m : obj.maps())
            assertEquals(-BackendException.EBADF, assertThrows(BackendException.class, () -> m.keys()).errno());
    }

    @Test
    void internalMapsHoldTheSectionsAndRodataIsFrozen() {
        LinuxBackend linux = KernelObjects.backend();
        Bpf4j.OpenObject open = KernelObjects.open("globals");
        try (LoadedObject obj = open.load(linux)) {
            for (MapSpec spec : open.spec().maps()) {
                MapHandle m = obj.map(spec.name());
                byte[] expected = spec.initialData() == null ? new byte[spec.valueSize()] : spec.initialData();
                assertArrayEquals(expected, m.lookup(0).orElseThrow(), spec.name());
            }
            MapHandle rodata = obj.map("globals.rodata");
            BackendException e = assertThrows(BackendException.class,
                    () -> rodata.update(rodata.key(0), new byte[rodata.spec().valueSize()]));
            assertEquals(-BackendException.EPERM, e.errno(), e.getMessage());
            assertTrue(e.getMessage().contains("BPF_MAP_UPDATE_ELEM") && e.getMessage().contains("globals.rodata"), e.getMessage());
            // .data is not frozen: user space may write it
            MapHandle data = obj.map("globals.data");
            byte[] v = new byte[data.spec().valueSize()];
            v[0] = 9;
            data.update(data.key(0), v);
            assertArrayEquals(v, data.lookup(0).orElseThrow());
        }
    }

    @Test
    void progArrayAndMapInMapSlotsArePopulated() {
        LinuxBackend linux = KernelObjects.backend();
        try (LoadedObject obj = KernelObjects.open("tail_calls").load(linux)) {
            // from user space a prog array and a map of maps give back the ids of what they hold
            MapHandle jmp = obj.map("jmp_table");
            assertEquals(((LinuxProgram) obj.program("tail_a")).id(), jmp.lookupLong(0).orElseThrow());
            assertEquals(((LinuxProgram) obj.program("tail_b")).id(), jmp.lookupLong(2).orElseThrow());
            assertTrue(jmp.lookup(1).isEmpty());
            MapHandle outer = obj.map("outer_arr");
            assertEquals(((LinuxMap) obj.map("inner_a")).id(), outer.lookupLong(0).orElseThrow());
            assertEquals(((LinuxMap) obj.map("inner_b")).id(), outer.lookupLong(1).orElseThrow());
            assertEquals(List.of(3L), obj.map("outer_hash").keys().stream().map(k -> MapHandle.decode(k, ByteOrder.nativeOrder())).toList());
        }
    }

    @Test
    void mapOperationsFollowTheKernel() {
        LinuxBackend linux = KernelObjects.backend();
        try (LoadedObject obj = KernelObjects.open("xdp_parser").load(linux)) {
            MapHandle counts = obj.map("ip_proto_count");       // HASH u32 -> u64
            assertTrue(counts.keys().isEmpty());
            counts.update(counts.key(17), counts.value(5), UpdateFlag.NOEXIST);
            BackendException exists = assertThrows(BackendException.class,
                    () -> counts.update(counts.key(17), counts.value(6), UpdateFlag.NOEXIST));
            assertEquals(-BackendException.EEXIST, exists.errno());
            BackendException absent = assertThrows(BackendException.class,
                    () -> counts.update(counts.key(6), counts.value(6), UpdateFlag.EXIST));
            assertEquals(-BackendException.ENOENT, absent.errno());
            counts.update(counts.key(6), counts.value(1));
            assertEquals(5, counts.lookupLong(17).orElseThrow());
            List<Long> keys = new ArrayList<>();
            for (byte[] k : counts.keys())
                keys.add(MapHandle.decode(k, counts.byteOrder()));
            assertEquals(Set.of(6L, 17L), new HashSet<>(keys));
            assertEquals(5, MapHandle.decode(counts.lookupAndDelete(counts.key(17)).orElseThrow(), counts.byteOrder()));
            assertTrue(counts.lookup(17).isEmpty());
            counts.delete(counts.key(6));
            BackendException gone = assertThrows(BackendException.class, () -> counts.delete(counts.key(6)));
            assertEquals(-BackendException.ENOENT, gone.errno());
            assertTrue(gone.getMessage().contains("ENOENT") && gone.getMessage().contains("ip_proto_count"), gone.getMessage());
            BackendException badKey = assertThrows(BackendException.class, () -> counts.lookup(new byte[3]));
            assertEquals(-BackendException.EINVAL, badKey.errno());
            BackendException badValue = assertThrows(BackendException.class, () -> counts.update(counts.key(1), new byte[4]));
            assertEquals(-BackendException.EINVAL, badValue.errno());
            // arrays have every index; deleting from one is the kernel's EINVAL
            MapHandle pkt = obj.map("pkt_count");
            assertEquals(pkt.spec().maxEntries(), pkt.keys().size());
            assertEquals(-BackendException.EINVAL, assertThrows(BackendException.class, () -> pkt.delete(pkt.key(0))).errno());
        }
    }

    @Test
    void perCpuValuesHaveOneSlotPerPossibleCpu() throws Exception {
        int cpus = PossibleCpus.count(Files.readString(Path.of("/sys/devices/system/cpu/possible")));
        try (var pins = KernelObjects.TempPinRoot.create();
             LoadedObject obj = KernelObjects.open("maps_btf").load(KernelObjects.backend(pins.path()))) {
            MapHandle m = obj.map("cpu_stats");
            int stride = (m.spec().valueSize() + 7) / 8 * 8;
            assertEquals(stride * cpus, m.userValueSize());
            byte[] v = new byte[m.userValueSize()];
            for (int i = 0; i < v.length; i++)
                v[i] = (byte) (i % stride < m.spec().valueSize() ? i + 1 : 0);   // padding reads back as 0
            m.update(m.key(0), v);
            assertArrayEquals(v, m.lookup(0).orElseThrow());
        }
    }

    @Test
    void bigEndianObjectsAreRefusedOnALittleEndianKernel() {
        LinuxBackend linux = KernelObjects.backend();
        org.junit.jupiter.api.Assumptions.assumeTrue(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN, "a big-endian host");
        int before = KernelObjects.bpfFds();
        var open = Bpf4j.open("xdp_parser.o", TestObjects.object("xdp_parser", Target.BPFEB));
        BackendException e = assertThrows(BackendException.class, () -> open.load(linux));
        assertEquals(-BackendException.EINVAL, e.errno());
        assertTrue(e.getMessage().contains("big-endian") && e.getMessage().contains("xdp_parser"), e.getMessage());
        assertEquals(before, KernelObjects.bpfFds());
    }

    @Test
    void emulatorStaysTheDefaultBackend() {
        assertEquals("emulator", Bpf4j.defaultBackend().name());
        assertTrue(Bpf4j.backends().stream().anyMatch(b -> b.name().equals("linux")), "linux is registered");
    }
}
