package dev.bpf4j.emulator;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.asm.Reference;
import dev.bpf4j.backend.BackendException;
import dev.bpf4j.backend.LoadedObject;
import dev.bpf4j.backend.MapHandle;
import dev.bpf4j.backend.ProgramHandle;
import dev.bpf4j.loader.LinkedProgram;
import dev.bpf4j.loader.LoadPlan;
import dev.bpf4j.loader.MapSpec;
import dev.bpf4j.loader.ProgramType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One object loaded into the emulator kernel: an address space ({@link Memory}) holding
 * its maps' values, the maps, and the programs with their references bound. Operations on
 * its maps and programs are serialized on this object; closing it unmaps everything and
 * makes every handle fail with {@code -EBADF}.
 *
 * <p>Helpers (numbered as in the kernel's uapi): 1 bpf_map_lookup_elem (value address or
 * 0), 2 bpf_map_update_elem (0 or negative errno), 3 bpf_map_delete_elem (0 or negative
 * errno). Keys and values are read from the program's memory through its pointers; a bad
 * pointer is a {@link VmFault}. Any other helper is an unknown-helper fault.
 */
final class EmulatorObject implements LoadedObject {
    final Memory memory;
    final VmState state;
    private final String name;
    private final Map<String, EmulatorMap> maps = new LinkedHashMap<>();
    private final Map<Long, EmulatorMap> byHandle = new java.util.HashMap<>();
    private final Map<String, EmulatorProgram> programs = new LinkedHashMap<>();
    private boolean closed;

    EmulatorObject(LoadPlan plan) {
        this.name = plan.spec().name();
        this.memory = new Memory(plan.spec().byteOrder());
        this.state = new VmState(memory);
        for (MapSpec m : plan.maps()) {
            EmulatorMap map = createMap(m);
            maps.put(m.name(), map);
            byHandle.put(map.handle.base(), map);
        }
        Helpers helpers = this::helper;
        for (LinkedProgram p : plan.programs()) {
            if (!p.spec().autoload())
                continue;
            // As BPF_PROG_LOAD does: the verifier's rejection is -EACCES with its log.
            VerifierResult verdict = Verifier.verify(p.instructions(), p.spec().type());
            if (!verdict.ok())
                throw new BackendException(-BackendException.EACCES, "program '" + p.name() + "': verifier rejected it: "
                        + verdict.error() + "\n" + verdict.log(), new VerifierException(verdict));
            List<Instruction> insns = p.instructions();
            if (p.spec().type() == ProgramType.XDP)
                insns = XdpContext.rewrite(insns, memory.byteOrder());
            Vm vm;
            try {
                vm = new Vm(insns, memory.byteOrder(), helpers, this::resolve, Vm.DEFAULT_BUDGET);
            } catch (VmFault | IllegalArgumentException e) {
                throw new BackendException(-BackendException.EINVAL, "program '" + p.name() + "': " + e.getMessage(), e);
            }
            programs.put(p.name(), new EmulatorProgram(this, p, vm));
        }
    }

    private EmulatorMap createMap(MapSpec m) {
        switch (m.type()) {
            case ARRAY:
                return new ArrayMap(this, m);
            case HASH:
                return new BpfHashMap(this, m);
            default:
                throw new BackendException(-BackendException.ENOTSUPP, "map '" + m.name() + "': type "
                        + m.type().libbpfName() + " is not supported by the emulator yet (array, hash)");
        }
    }

    /** The value of a pseudo ld_imm64: map handles (src 1), map values (src 2), function offsets (src 4, as written). */
    private long resolve(Instruction insn) {
        Reference ref = insn.reference();
        if (insn.src() == Opcodes.PSEUDO_MAP_FD && ref instanceof Reference.Map) {
            return mapNamed(((Reference.Map) ref).name()).handle.base();
        }
        if (insn.src() == Opcodes.PSEUDO_MAP_VALUE && ref instanceof Reference.MapValue) {
            Reference.MapValue v = (Reference.MapValue) ref;
            return mapNamed(v.map()).valueAddress(v.offset());
        }
        if (insn.src() == Opcodes.PSEUDO_FUNC)
            return insn.constant(); // the callee's slot offset as written; callback helpers (bpf_loop) come with issue 5
        throw new BackendException(-BackendException.EINVAL, "ld_imm64 with pseudo source " + insn.src()
                + (ref == null ? " and no reference" : " and reference " + ref) + " is not supported by the emulator yet");
    }

    private EmulatorMap mapNamed(String n) {
        EmulatorMap m = maps.get(n);
        if (m == null)
            throw new BackendException(-BackendException.EINVAL, "reference to unknown map '" + n + "'");
        return m;
    }

    // ---- helpers

    private long helper(int id, long r1, long r2, long r3, long r4, long r5, VmState s) {
        switch (id) {
            case 1: { // void *bpf_map_lookup_elem(map, key)
                EmulatorMap m = mapAt(r1, id, s);
                return m.lookupAddress(read(r2, m.spec.keySize(), s));
            }
            case 2: { // long bpf_map_update_elem(map, key, value, flags)
                EmulatorMap m = mapAt(r1, id, s);
                byte[] key = read(r2, m.spec.keySize(), s);
                byte[] value = read(r3, m.spec.valueSize(), s);
                return m.update(key, value, r4, true);
            }
            case 3: { // long bpf_map_delete_elem(map, key)
                EmulatorMap m = mapAt(r1, id, s);
                return m.delete(read(r2, m.spec.keySize(), s), true);
            }
            default:
                throw VmState.unknownHelper(id, s);
        }
    }

    private EmulatorMap mapAt(long address, int helper, VmState s) {
        EmulatorMap m = byHandle.get(address);
        if (m == null)
            throw new VmFault(VmFault.Kind.OUT_OF_REGION, s.slot(), String.format(
                    "helper #%d: r1 = 0x%x is not a map (an ld_imm64 map reference)", helper, address));
        return m;
    }

    /** {@code n} bytes of the program's memory at {@code address}, or a fault. */
    private byte[] read(long address, int n, VmState s) {
        Region r = memory.regionAt(address);
        if (r == null || address - r.base() + n > r.size())
            throw memory.fault(address, n, false, s.slot(), -1, 0);
        byte[] out = new byte[n];
        System.arraycopy(r.bytes(), (int) (address - r.base()), out, 0, n);
        return out;
    }

    // ---- LoadedObject

    void checkOpen() {
        if (closed)
            throw new BackendException(-BackendException.EBADF, "object '" + name + "' was closed");
    }

    @Override
    public synchronized Optional<MapHandle> findMap(String n) {
        checkOpen();
        return Optional.ofNullable(maps.get(n));
    }

    @Override
    public synchronized Optional<ProgramHandle> findProgram(String n) {
        checkOpen();
        return Optional.ofNullable(programs.get(n));
    }

    @Override
    public synchronized List<MapHandle> maps() {
        checkOpen();
        return new ArrayList<>(maps.values());
    }

    @Override
    public synchronized List<ProgramHandle> programs() {
        checkOpen();
        return new ArrayList<>(programs.values());
    }

    @Override
    public synchronized boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        if (closed)
            return;
        closed = true;
        for (Region r : memory.regions())
            memory.unmap(r);
    }

    @Override
    public String toString() {
        return "emulator object '" + name + "' (" + maps.size() + " maps, " + programs.size() + " programs)";
    }
}
