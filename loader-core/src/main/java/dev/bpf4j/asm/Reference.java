package dev.bpf4j.asm;

import java.util.Objects;

/**
 * What an instruction points at until a backend binds it: the symbolic side of a
 * relocation. References are resolved late, by name, so that the same linked program can
 * be loaded against the emulator's maps or the kernel's file descriptors.
 *
 * <pre>{@code
 * Instruction load = Instruction.loadImm64(1, 0).withReference(new Reference.Map("counters"));
 * if (load.reference() instanceof Reference.Map m)
 *     System.out.println("loads the address of map " + m.name());
 * }</pre>
 */
public sealed interface Reference {

    /** An ld_imm64 that loads the address of a map (libbpf: src_reg {@link Opcodes#PSEUDO_MAP_FD}). */
    record Map(String name) implements Reference {
        public Map {
            Objects.requireNonNull(name, "name");
        }
    }

    /**
     * An ld_imm64 that loads an address inside a map's value, such as a global variable in
     * {@code .data} (libbpf: src_reg {@link Opcodes#PSEUDO_MAP_VALUE}).
     */
    record MapValue(String map, int offset) implements Reference {
        public MapValue {
            Objects.requireNonNull(map, "map");
        }
    }

    /** A local call or an ld_imm64 of a function's address (a subprogram, by symbol name). */
    record Function(String name) implements Reference {
        public Function {
            Objects.requireNonNull(name, "name");
        }
    }

    /** A symbol that the object does not define: a kfunc, a ksym or a {@code .kconfig} value. */
    record Extern(String name) implements Reference {
        public Extern {
            Objects.requireNonNull(name, "name");
        }
    }

    /**
     * An instruction replaced by {@code call} {@link Opcodes#CORE_POISON_HELPER} because its
     * CO-RE relocation failed: which relocation (its index among the object's CO-RE records of
     * that section, as libbpf numbers them in "relo #N") and why, so that a backend that
     * reaches it can say so.
     */
    record CorePoison(int relocation, String reason) implements Reference {
        public CorePoison {
            Objects.requireNonNull(reason, "reason");
        }
    }
}
