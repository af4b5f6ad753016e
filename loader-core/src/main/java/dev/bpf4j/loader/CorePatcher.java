package dev.bpf4j.loader;

import dev.bpf4j.asm.Instruction;
import dev.bpf4j.asm.InstructionList;
import dev.bpf4j.asm.Opcodes;
import dev.bpf4j.asm.Reference;
import dev.bpf4j.asm.SlotMap;
import dev.bpf4j.btf.Btf;
import dev.bpf4j.btf.CoreRelocation;
import dev.bpf4j.btf.CoreRelocationException;
import dev.bpf4j.btf.CoreRelocator;
import dev.bpf4j.btf.CoreResult;
import dev.bpf4j.btf.KernelBtf;
import dev.bpf4j.elf.ObjectFormatException;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Applies an object's CO-RE relocations to its functions' own code, as libbpf's
 * {@code bpf_object__relocate_core} and {@code bpf_core_patch_insn} do, before anything else is
 * linked, so that every copy of a subprogram carries the patch.
 *
 * <p>Functions are taken in section order, then by offset (libbpf walks the {@code .BTF.ext}
 * sections in file order, which clang writes in section order: the order matters only because
 * matched candidates narrow the candidates of later relocations of the same type); relocations
 * are numbered ("relo #N") by their index among their section's CO-RE records, as libbpf numbers
 * them. Entry programs
 * with autoload off are left alone, as in libbpf; {@code .text} subprograms always load.
 *
 * <p>Failures: a malformed access string, an instruction that does not hold what the local BTF
 * says it should, or one that cannot take a CO-RE value is an {@link ObjectFormatException};
 * anything that depends on the target (ambiguous candidates, a value that does not fit, missing
 * target BTF) is a {@link LinkException}. Both name the program, the relocation, the instruction
 * and the spec.
 */
final class CorePatcher {

    private final String file;

    /** @param file the object's name, for messages */
    CorePatcher(String file) {
        this.file = file;
    }

    /**
     * The patched code of every function whose code CO-RE changed, by identity. A poisoned
     * ld_imm64 becomes two one-slot {@code call 0xbad2310} instructions, so the slot count of each
     * function is kept, but its instruction count may grow.
     *
     * @param code the function's unpatched code, as the linker holds it
     */
    static Map<ProgramSpec, InstructionList> apply(ObjectSpec spec, TargetBtf target,
                                                  Function<ProgramSpec, InstructionList> code) {
        return new CorePatcher(spec.elf().name()).run(spec, target, code);
    }

    private Map<ProgramSpec, InstructionList> run(ObjectSpec spec, TargetBtf target, Function<ProgramSpec, InstructionList> code) {
        List<ProgramSpec> functions = new ArrayList<>(spec.programs());
        functions.addAll(spec.subprograms());
        functions.sort(Comparator.comparingInt(ProgramSpec::sectionIndex).thenComparingLong(ProgramSpec::sectionOffset));
        Map<ProgramSpec, InstructionList> out = new IdentityHashMap<>();
        if (functions.stream().allMatch(f -> f.coreRelocations().isEmpty()))
            return out;
        Btf local = spec.btfTypes().orElseThrow(() -> new ObjectFormatException(file, "%s",
                "the object has CO-RE relocations (.BTF.ext) but no .BTF section"));
        boolean needsTarget = functions.stream().filter(ProgramSpec::autoload)
                .flatMap(f -> f.coreRelocations().stream()).anyMatch(r -> CoreRelocator.needsTarget(r.kind()));
        CoreRelocator relocator = CoreRelocator.of(local, needsTarget ? resolve(target) : null);

        int section = -1, numbered = 0;
        for (ProgramSpec f : functions) {
            if (f.sectionIndex() != section) {
                section = f.sectionIndex();
                numbered = 0;
            }
            int first = numbered;
            numbered += f.coreRelocations().size();
            if (!f.autoload() || f.coreRelocations().isEmpty())
                continue;
            out.put(f, patch(f, code.apply(f), relocator, first, spec.byteOrder()));
        }
        return out;
    }

    private Btf resolve(TargetBtf target) {
        return requireTarget(target.resolve(), target, file);
    }

    /** The resolved target, or the error that says the object needs one and how to give it. */
    static Btf requireTarget(Optional<Btf> btf, TargetBtf target, String file) {
        if (btf.isPresent())
            return btf.get();
        throw new LinkException(String.format("%s: the object has CO-RE relocations, which need the target kernel's BTF, but %s "
                + "does not exist (a kernel without CONFIG_DEBUG_INFO_BTF); give the target's BTF as a raw BTF file or an ELF "
                + "object with .BTF (bpf4j --btf FILE, or LinkOptions.withTargetBtf)", file,
                target instanceof TargetBtf.RunningKernel ? KernelBtf.VMLINUX : target.source()));
    }

    private InstructionList patch(ProgramSpec f, InstructionList own, CoreRelocator relocator, int firstRelo, java.nio.ByteOrder order) {
        SlotMap slots = SlotMap.of(own);
        List<Instruction> insns = new ArrayList<>(own);
        Map<Integer, List<Instruction>> expanded = new HashMap<>(); // none but poisoned ld_imm64s
        List<CoreRelocation> relos = f.coreRelocations();
        for (int j = 0; j < relos.size(); j++) {
            CoreRelocation r = relos.get(j);
            int relo = firstRelo + j;
            int index = slots.indexAt(r.slot());
            if (index < 0 || index >= insns.size())
                throw new ObjectFormatException(file, "prog '%s': relo #%d: insn #%d is not the start of an instruction of the program (%d slots)",
                        f.name(), relo, Integer.toUnsignedLong(r.slot()), slots.slotCount());
            CoreResult result;
            try {
                result = relocator.relocate(r);
            } catch (CoreRelocationException e) {
                String message = String.format("prog '%s': relo #%d: insn #%d: %s", f.name(), relo, r.slot(), e.getMessage());
                if (e.objectFault())
                    throw new ObjectFormatException(file, "%s", message);
                throw new LinkException(file + ": " + message, e);
            }
            List<Instruction> patched = patch(f.name(), insns.get(index), r.slot(), relo, result);
            if (patched.size() == 1)
                insns.set(index, patched.get(0));
            else
                expanded.put(index, patched);
        }
        if (!expanded.isEmpty()) {
            List<Instruction> flat = new ArrayList<>(insns.size() + expanded.size());
            for (int i = 0; i < insns.size(); i++) {
                List<Instruction> e = expanded.get(i);
                if (e != null)
                    flat.addAll(e);
                else
                    flat.add(insns.get(i));
            }
            insns = flat;
        }
        return InstructionList.of(insns, order);
    }

    /**
     * libbpf's {@code bpf_core_patch_insn}: the instruction with the relocated value in its
     * immediate (ALU with K source), offset (LDX, ST, STX; the memory size follows a field whose
     * size changed) or 64-bit constant (ld_imm64 with src 0), after checking that it held the
     * local value; or, for a poison, {@code call 0xbad2310} (both slots of an ld_imm64, so that a
     * verifier never sees a dangling second half).
     */
    List<Instruction> patch(String prog, Instruction insn, int slot, int relo, CoreResult result) {
        if (result instanceof CoreResult.Poison p)
            return poison(insn, relo, p.reason());
        CoreResult.Patch p = (CoreResult.Patch) result;
        long orig = p.originalValue(), value = p.newValue();
        int opcode = insn.opcode();
        switch (Opcodes.instructionClass(opcode)) {
            case Opcodes.ALU, Opcodes.ALU64 -> {
                if (Opcodes.source(opcode) != Opcodes.K)
                    throw bad(prog, relo, slot, "(ALU/ALU64) has a register source, so no immediate to relocate");
                if (p.validate() && (long) insn.imm() != orig)
                    throw unexpected(prog, relo, slot, "ALU/ALU64", insn.imm(), orig, value);
                return List.of(insn.withConstant((int) value));
            }
            case Opcodes.LDX, Opcodes.ST, Opcodes.STX -> {
                if (p.validate() && (long) insn.offset() != orig)
                    throw unexpected(prog, relo, slot, "LDX/ST/STX", insn.offset(), orig, value);
                if (Long.compareUnsigned(value, Short.MAX_VALUE) > 0)
                    throw new LinkException(String.format("%s: prog '%s': relo #%d: insn #%d (LDX/ST/STX) value too big: %s",
                            file, prog, relo, slot, Long.toUnsignedString(value)));
                if (p.memorySizeUnsafe())
                    return poison(insn, relo, String.format("insn #%d (LDX/ST/STX) accesses a field whose size changed (%d -> %d bytes) "
                            + "and that is neither a pointer nor an unsigned integer", slot, p.originalSize(), p.newSize()));
                Instruction out = insn.withOffset((int) value);
                if (p.newSize() != p.originalSize()) {
                    int bytes = Opcodes.sizeInBytes(opcode);
                    if (bytes != p.originalSize())
                        throw bad(prog, relo, slot, String.format("(LDX/ST/STX) unexpected mem size: got %d, exp %d", bytes, p.originalSize()));
                    int size = switch (p.newSize()) {
                        case 8 -> Opcodes.DW;
                        case 4 -> Opcodes.W;
                        case 2 -> Opcodes.H;
                        case 1 -> Opcodes.B;
                        default -> throw new LinkException(String.format("%s: prog '%s': relo #%d: insn #%d (LDX/ST/STX) invalid new mem size: %d",
                                file, prog, relo, slot, p.newSize()));
                    };
                    out = new Instruction(Opcodes.mode(opcode) | size | Opcodes.instructionClass(opcode), out.dst(), out.src(),
                            out.offset(), out.constant(), out.reference());
                }
                return List.of(out);
            }
            case Opcodes.LD -> {
                if (!insn.isLoadImm64() || insn.src() != 0 || insn.offset() != 0)
                    throw bad(prog, relo, slot, "(LDIMM64) has unexpected form");
                if (p.validate() && insn.constant() != orig)
                    throw unexpected(prog, relo, slot, "LDIMM64", insn.constant(), orig, value);
                return List.of(insn.withConstant(value));
            }
            default -> throw bad(prog, relo, slot, String.format("trying to relocate unrecognized insn, code:0x%x, src:0x%x, dst:0x%x, off:0x%x, imm:0x%x",
                    opcode, insn.src(), insn.dst(), insn.offset() & 0xffff, insn.imm()));
        }
    }

    private static List<Instruction> poison(Instruction insn, int relo, String reason) {
        Instruction call = new Instruction(Opcodes.CALL_INSN, 0, 0, (short) 0, Opcodes.CORE_POISON_HELPER,
                new Reference.CorePoison(relo, reason));
        return insn.isLoadImm64() ? List.of(call, call) : List.of(call);
    }

    private ObjectFormatException bad(String prog, int relo, int slot, String what) {
        return new ObjectFormatException(file, "prog '%s': relo #%d: insn #%d %s", prog, relo, slot, what);
    }

    private ObjectFormatException unexpected(String prog, int relo, int slot, String kind, long got, long orig, long value) {
        return new ObjectFormatException(file, "prog '%s': relo #%d: unexpected insn #%d (%s) value: got %d, exp %s -> %s",
                prog, relo, slot, kind, got, Long.toUnsignedString(orig), Long.toUnsignedString(value));
    }
}
