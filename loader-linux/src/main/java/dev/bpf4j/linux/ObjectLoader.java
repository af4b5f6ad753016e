package dev.bpf4j.linux;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Instructions;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.asm.Reference;
import dev.bpf4j.backend.BackendException;
import dev.bpf4j.btf.FuncInfo;
import dev.bpf4j.btf.LineInfo;
import dev.bpf4j.loader.AttachType;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.MapKind;
import dev.bpf4j.loader.MapSlot;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.MapType;
import dev.bpf4j.loader.Pinning;
import dev.bpf4j.loader.ProgramSpec;
import dev.bpf4j.loader.SectionDef;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Loading one {@link LoadPlan} into the kernel, in libbpf's order ({@code bpf_object_load}):
 * the object's BTF, the maps (internal ones filled and, for {@code .rodata} and
 * {@code .kconfig}, frozen; map-in-map slots set), the programs with their map references bound
 * to the maps' descriptors, then the prog-array slots. On any failure every descriptor made so
 * far is closed before the exception leaves.
 */
final class ObjectLoader {
    /** BPF_F_SLEEPABLE and BPF_F_XDP_HAS_FRAGS (uapi linux/bpf.h prog_flags). */
    static final int F_SLEEPABLE = 1 << 4, F_XDP_HAS_FRAGS = 1 << 5;
    /** The first verifier log buffer; grown fourfold on -ENOSPC up to libbpf's BPF_LOG_BUF_SIZE (16 MiB). */
    static final int LOG_START = 64 * 1024, LOG_MAX = 16 * 1024 * 1024;

    private final Bpf bpf;
    private final KernelFeatures features;
    private final int cpus;
    private final AttachTargets attachTargets;
    private final Path pinRoot;
    private boolean pinRootChecked;
    private final LoadPlan plan;
    private final LinuxObject object;
    private final Map<String, LinuxMap> maps = new HashMap<>();
    private int btfFd = -1;

    private ObjectLoader(Bpf bpf, KernelFeatures features, int cpus, AttachTargets attachTargets, Path pinRoot, LoadPlan plan) {
        this.bpf = bpf;
        this.pinRoot = pinRoot;
        this.features = features;
        this.cpus = cpus;
        this.attachTargets = attachTargets;
        this.plan = plan;
        this.object = new LinuxObject(bpf, plan);
    }

    static LinuxObject load(Bpf bpf, KernelFeatures features, int cpus, AttachTargets attachTargets, Path pinRoot, LoadPlan plan) {
        if (plan.spec().byteOrder() != ByteOrder.nativeOrder())
            throw new BackendException(-BackendException.EINVAL, "object '" + plan.spec().name() + "' is "
                    + (plan.spec().byteOrder() == ByteOrder.BIG_ENDIAN ? "big" : "little") + "-endian (bpfeb/bpfel), but this kernel runs "
                    + (ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? "big" : "little") + "-endian BPF: compile it for the host");
        var loader = new ObjectLoader(bpf, features, cpus, attachTargets, pinRoot, plan);
        try {
            loader.run();
            return loader.object;
        } catch (RuntimeException | Error e) {
            loader.object.close();
            throw e;
        }
    }

    private void run() {
        Optional<ProgramBtf> btf = features.btf() ? ProgramBtf.of(plan.spec(), features.btfFeatures()) : Optional.empty();
        // the line info strings go into the blob before it is loaded
        Map<LineInfo, int[]> lineStrings = new HashMap<>();
        if (btf.isPresent() && features.btfFeatures().func())
            for (LinkedProgram p : plan.programs())
                for (LineInfo l : p.lineInfo())
                    lineStrings.put(l, new int[]{btf.get().string(l.fileName()), btf.get().string(l.line())});
        btf.ifPresent(this::loadBtf);
        for (MapSpec m : plan.maps())
            createMap(m);
        for (MapSpec m : plan.maps())
            if (m.type() == MapType.ARRAY_OF_MAPS || m.type() == MapType.HASH_OF_MAPS)
                for (MapSlot s : m.initialSlots())
                    setSlot(m, s, maps.get(s.target()) == null ? -1 : maps.get(s.target()).rawFd(), "map");
        Map<String, LinuxProgram> programs = new HashMap<>();
        for (LinkedProgram p : plan.programs()) {
            LinuxProgram loaded = new LinuxProgram(object, p, loadProgram(p, lineStrings));
            object.add(loaded);
            programs.put(p.name(), loaded);
        }
        for (MapSpec m : plan.maps())
            if (m.type() == MapType.PROG_ARRAY)
                for (MapSlot s : m.initialSlots())
                    setSlot(m, s, programs.get(s.target()) == null ? -1 : programs.get(s.target()).rawFd(), "program");
    }

    private void loadBtf(ProgramBtf btf) {
        byte[] blob = btf.blob();
        long fd = bpf.btfLoad(blob, null);
        if (fd < 0) {
            // libbpf goes on without BTF: maps without key/value types, programs without func/line info
            byte[] log = new byte[LOG_START];
            bpf.btfLoad(blob, log);
            object.btfProblem(Bpf.failure(BpfCommand.BTF_LOAD, "object '" + plan.spec().name() + "'", fd).getMessage()
                    + ": " + String.join(" | ", VerifierLog.tail(VerifierLog.text(log), 3)));
            return;
        }
        btfFd = (int) fd;
        object.own(btfFd);
    }

    // ---- maps

    private void createMap(MapSpec m) {
        Path pin = m.pinning() == Pinning.BY_NAME ? pinPath(m) : null;
        if (pin != null && Files.exists(pin, LinkOption.NOFOLLOW_LINKS)) {
            // as libbpf's bpf_object__reuse_map: the pinned map stands in for this one, as it is
            LinuxMap map = new LinuxMap(object, m, reuse(m, pin), cpus, pin, true);
            object.add(map);
            maps.put(m.name(), map);
            return;
        }
        int innerFd = -1;
        try {
            if (m.innerMap() != null)
                innerFd = create(m.innerMap(), -1, "inner map of map '" + m.name() + "'");
            int fd = create(m, innerFd, "map '" + m.name() + "'");
            LinuxMap map = new LinuxMap(object, m, fd, cpus, pin, false);
            object.add(map);
            maps.put(m.name(), map);
            fill(map);
            if (pin != null) {
                long r = bpf.pin(fd, pin.toString());
                if (r < 0)
                    throw Bpf.failure(BpfCommand.OBJ_PIN, "map '" + m.name() + "' at " + pin, r);
            }
        } finally {
            // the outer map keeps what it needs of its template; libbpf closes the template too
            if (innerFd >= 0)
                bpf.close(innerFd);
        }
    }

    /** {@code <pin root>/<map name>}, the root checked once per load. */
    private Path pinPath(MapSpec m) {
        if (!pinRootChecked) {
            PinRoot.check(pinRoot);
            pinRootChecked = true;
        }
        if (m.name().contains("/") || m.name().equals("..") || m.name().equals("."))
            throw new BackendException(-BackendException.EINVAL, "map '" + m.name() + "': cannot pin by a name that is not a file name");
        return pinRoot.resolve(m.name());
    }

    /**
     * Opens the map pinned at {@code pin} and checks that it can stand in for {@code m}: the
     * same type, key and value sizes, max_entries, flags and map_extra (libbpf's
     * {@code map_is_reuse_compat}); else {@code -EINVAL} naming the first difference.
     */
    private int reuse(MapSpec m, Path pin) {
        long fd = bpf.objGet(pin.toString());
        if (fd < 0)
            throw Bpf.failure(BpfCommand.OBJ_GET, "map '" + m.name() + "' pinned at " + pin, fd);
        int[] errno = new int[1];
        Bpf.MapInfo info = bpf.mapInfo((int) fd, errno);
        String mismatch = info == null ? "its info cannot be read (" + Errno.name(errno[0]) + ")"
                : info.type() != m.type().number() ? "type " + info.type() + " != " + m.type().number() + " (" + m.type().libbpfName() + ")"
                : info.keySize() != m.keySize() ? "key_size " + info.keySize() + " != " + m.keySize()
                : info.valueSize() != m.valueSize() ? "value_size " + info.valueSize() + " != " + m.valueSize()
                : info.maxEntries() != expectedMaxEntries(m) ? "max_entries " + info.maxEntries() + " != " + expectedMaxEntries(m)
                : info.flags() != m.flags() ? "map_flags 0x" + Integer.toHexString(info.flags()) + " != 0x" + Integer.toHexString(m.flags())
                : info.mapExtra() != m.mapExtra() ? "map_extra " + info.mapExtra() + " != " + m.mapExtra()
                : null;
        if (mismatch != null) {
            bpf.close((int) fd);
            throw new BackendException(-BackendException.EINVAL, "map '" + m.name() + "': couldn't reuse pinned map at '"
                    + pin + "': parameter mismatch: " + mismatch);
        }
        return (int) fd;
    }

    private int expectedMaxEntries(MapSpec m) {
        return m.type() == MapType.PERF_EVENT_ARRAY && m.maxEntries() == 0 ? cpus : m.maxEntries();
    }

    private int create(MapSpec m, int innerFd, String what) {
        // libbpf sizes a perf event array left at 0 entries by the possible CPUs
        int maxEntries = expectedMaxEntries(m);
        var request = new Bpf.MapCreate(m.type().number(), m.keySize(), m.valueSize(), maxEntries, m.flags(),
                Math.max(innerFd, 0), m.numaNode(), m.kernelName(), 0, 0, 0, m.mapExtra());
        if (btfFd >= 0 && m.valueType() != null && takesBtf(m.type()))
            request = new Bpf.MapCreate(request.type(), request.keySize(), request.valueSize(), maxEntries, request.flags(),
                    request.innerMapFd(), request.numaNode(), request.name(), btfFd,
                    m.keyType() == null ? 0 : m.keyType().id(), m.valueType().id(), request.mapExtra());
        long fd = bpf.mapCreate(request);
        if (fd < 0 && request.btfFd() != 0) {
            // as libbpf: a kernel that refuses the BTF types may still take the map without them
            long retry = bpf.mapCreate(request.withoutBtf());
            if (retry >= 0)
                fd = retry;
        }
        if (fd < 0)
            throw Bpf.failure(BpfCommand.MAP_CREATE, what + " (" + m.type().libbpfName() + ", key " + m.keySize()
                    + ", value " + m.valueSize() + ", max_entries " + maxEntries + ", flags 0x" + Integer.toHexString(m.flags()) + ")", fd);
        return (int) fd;
    }

    /** Whether libbpf passes BTF key/value types for maps of this type (bpf_object__create_map drops them for these). */
    static boolean takesBtf(MapType t) {
        return switch (t) {
            case PERF_EVENT_ARRAY, CGROUP_ARRAY, STACK_TRACE, ARRAY_OF_MAPS, HASH_OF_MAPS, DEVMAP, DEVMAP_HASH, CPUMAP,
                    XSKMAP, SOCKMAP, SOCKHASH, QUEUE, STACK -> false;
            default -> true;
        };
    }

    /** Writes an internal map's initial contents and freezes {@code .rodata} and {@code .kconfig}, as libbpf does. */
    private void fill(LinuxMap map) {
        MapSpec m = map.spec();
        if (!m.kind().isInternal())
            return;
        byte[] data = m.initialData();
        if (data != null && m.kind() != MapKind.BSS) {
            byte[] value = java.util.Arrays.copyOf(data, m.valueSize());
            long r = bpf.update(map.rawFd(), new byte[4], value, 0);
            if (r < 0)
                throw Bpf.failure(BpfCommand.MAP_UPDATE_ELEM, "internal map '" + m.name() + "' (its initial contents)", r);
        }
        if (m.kind() == MapKind.RODATA || m.kind() == MapKind.KCONFIG) {
            long r = bpf.freeze(map.rawFd());
            if (r < 0)
                throw Bpf.failure(BpfCommand.MAP_FREEZE, "internal map '" + m.name() + "'", r);
        }
    }

    private void setSlot(MapSpec m, MapSlot s, int targetFd, String kind) {
        if (targetFd < 0)
            throw new BackendException(-BackendException.ENOENT, "map '" + m.name() + "': slot " + s.index() + " names "
                    + kind + " '" + s.target() + "', which was not loaded");
        byte[] key = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(s.index()).array();
        byte[] value = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(targetFd).array();
        long r = bpf.update(maps.get(m.name()).rawFd(), key, value, 0);
        if (r < 0)
            throw Bpf.failure(BpfCommand.MAP_UPDATE_ELEM, "map '" + m.name() + "' slot " + s.index() + " (" + kind + " '" + s.target() + "')", r);
    }

    // ---- programs

    private int loadProgram(LinkedProgram p, Map<LineInfo, int[]> lineStrings) {
        ProgramSpec spec = p.spec();
        byte[] insns = Instructions.encode(bind(p), ByteOrder.nativeOrder());
        boolean extInfo = btfFd >= 0 && features.btfFeatures().func();
        byte[] funcInfo = extInfo ? funcInfo(p.funcInfo()) : new byte[0];
        byte[] lineInfo = extInfo ? lineInfo(p.lineInfo(), lineStrings) : new byte[0];
        SectionDef def = spec.sectionDef();
        int flags = 0;
        if (def != null && def.has(SectionDef.Flag.SLEEPABLE))
            flags |= F_SLEEPABLE;
        if (def != null && def.has(SectionDef.Flag.XDP_FRAGS))
            flags |= F_XDP_HAS_FRAGS;
        int attachBtfId = def != null && def.has(SectionDef.Flag.ATTACH_BTF) ? attachTargets.resolve(spec) : 0;
        String name = spec.name().length() >= Bpf.OBJ_NAME_LEN ? spec.name().substring(0, Bpf.OBJ_NAME_LEN - 1) : spec.name();
        var request = new Bpf.ProgLoad(spec.type().number(), insns, spec.license() == null ? "" : spec.license(),
                spec.kernelVersion(), flags, name, spec.expectedAttachType().map(AttachType::number).orElse(0),
                extInfo ? btfFd : 0, funcInfo, lineInfo, attachBtfId);
        long fd = bpf.progLoad(request, null, 0);
        if (fd >= 0)
            return (int) fd;
        // as libbpf: load again with a verifier log, growing the buffer while the kernel says it is too small
        int first = (int) -fd;
        for (int size = LOG_START; ; size *= 4) {
            byte[] log = new byte[size];
            long retry = bpf.progLoad(request, log, 1);
            if (retry >= 0)
                return (int) retry;   // the kernel changed its mind (resources freed meanwhile): take it
            if (retry == -Errno.ENOSPC && size < LOG_MAX)
                continue;
            throw rejected(spec, first, VerifierLog.text(log));
        }
    }

    private static VerifierException rejected(ProgramSpec spec, int errno, String log) {
        int insn = VerifierLog.lastInstruction(log);
        StringBuilder msg = new StringBuilder("bpf(BPF_PROG_LOAD) for program '" + spec.name() + "' (" + spec.type().libbpfName()
                + ", section '" + spec.sectionName() + "') failed: " + Errno.name(errno));
        msg.append(Hints.of(BpfCommand.PROG_LOAD, errno));
        if (insn >= 0)
            msg.append("; the verifier stopped at instruction ").append(insn);
        if (log.isBlank())
            msg.append("; the kernel wrote no verifier log");
        else
            msg.append("; verifier log (end):\n  ").append(String.join("\n  ", VerifierLog.tail(log, VerifierLog.TAIL_LINES)));
        return new VerifierException(-errno, spec.name(), log, insn, msg.toString());
    }

    /** The program's instructions with map references bound to the maps' descriptors (a copy). */
    private List<Instruction> bind(LinkedProgram p) {
        List<Instruction> out = new ArrayList<>(p.instructions().size());
        for (Instruction insn : p.instructions()) {
            Reference r = insn.reference();
            if (r instanceof Reference.Map m) {
                insn = insn.withSrc(Opcodes.PSEUDO_MAP_FD).withConstant(Integer.toUnsignedLong(fdOf(p, m.name())));
            } else if (r instanceof Reference.MapValue v) {
                insn = insn.withSrc(Opcodes.PSEUDO_MAP_VALUE)
                        .withConstant((long) v.offset() << 32 | Integer.toUnsignedLong(fdOf(p, v.map())));
            } else if (r instanceof Reference.Extern e) {
                throw new BackendException(-BackendException.ENOTSUPP, "program '" + p.name() + "': extern '" + e.name()
                        + "' (a __ksym variable or kfunc) needs the kernel's BTF ids, which the linux backend does not resolve yet");
            }
            out.add(insn);
        }
        return out;
    }

    private int fdOf(LinkedProgram p, String map) {
        LinuxMap m = maps.get(map);
        if (m == null)
            throw new BackendException(-BackendException.ENOENT, "program '" + p.name() + "' refers to map '" + map
                    + "', which the object does not have");
        return m.rawFd();
    }

    /** struct bpf_func_info { __u32 insn_off; __u32 type_id; }, one per function. */
    private static byte[] funcInfo(List<FuncInfo> infos) {
        ByteBuffer b = ByteBuffer.allocate(infos.size() * Bpf.FUNC_INFO_SIZE).order(ByteOrder.nativeOrder());
        for (FuncInfo f : infos)
            b.putInt(f.slot()).putInt(f.typeId());
        return b.array();
    }

    /** struct bpf_line_info { __u32 insn_off; __u32 file_name_off; __u32 line_off; __u32 line_col; }. */
    private static byte[] lineInfo(List<LineInfo> infos, Map<LineInfo, int[]> strings) {
        ByteBuffer b = ByteBuffer.allocate(infos.size() * Bpf.LINE_INFO_SIZE).order(ByteOrder.nativeOrder());
        for (LineInfo l : infos) {
            int[] s = strings.get(l);
            b.putInt(l.slot()).putInt(s[0]).putInt(s[1]).putInt(l.lineCol());
        }
        return b.array();
    }
}
