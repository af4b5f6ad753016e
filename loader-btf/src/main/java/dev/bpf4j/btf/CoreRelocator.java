package dev.bpf4j.btf;

import java.util.Arrays;
import java.util.Objects;

/**
 * Computes CO-RE relocations as libbpf's {@code bpf_core_calc_relo_insn} does: the local access
 * spec is parsed against the object's BTF, the target types with the same essential name and a
 * compatible kind are the candidates, each candidate the spec can be followed in gives a value,
 * and all of them must agree. No candidate means the field, type or enum value does not exist in
 * the target: existence checks then give 0 and everything else poisons its instruction (type
 * relocations, as in libbpf, give 0 as well).
 *
 * <pre>{@code
 * Btf local = objectSpec.btfTypes().orElseThrow();
 * CoreRelocator relocator = CoreRelocator.of(local, Btf.read(Path.of("/sys/kernel/btf/vmlinux")));
 * for (CoreRelocation r : program.coreRelocations()) {
 *     CoreResult result = relocator.relocate(r);
 *     if (result instanceof CoreResult.Patch p)
 *         System.out.printf("insn %d: %d -> %d%n", r.slot(), p.originalValue(), p.newValue());
 *     else if (result instanceof CoreResult.Poison p)
 *         System.out.printf("insn %d poisoned: %s%n", r.slot(), p.reason());
 * }
 * }</pre>
 *
 * <p>One relocator serves a whole object: like libbpf, it remembers the candidates of each local
 * type and narrows them to those that matched, so relocations are to be computed in the object's
 * order ({@code .BTF.ext} sections, then records). Not thread-safe.
 */
public final class CoreRelocator {

    private final Btf local;
    private final Btf target;
    private final CoreCandidates candidates;

    private CoreRelocator(Btf local, Btf target) {
        this.local = local;
        this.target = target;
        this.candidates = target == null ? null : new CoreCandidates(target);
    }

    /**
     * A relocator of {@code local}'s relocations against {@code target}, which may be null when
     * no relocation {@linkplain #needsTarget needs} one.
     */
    public static CoreRelocator of(Btf local, Btf target) {
        return new CoreRelocator(Objects.requireNonNull(local, "local"), target);
    }

    /** Whether a relocation of that kind needs target BTF: all but TYPE_ID_LOCAL. */
    public static boolean needsTarget(CoreRelocation.Kind kind) {
        return kind != CoreRelocation.Kind.TYPE_ID_LOCAL;
    }

    /**
     * The patch or poison for one relocation.
     *
     * @throws CoreRelocationException if it cannot be computed: a malformed access string or
     *         local type ({@link CoreRelocationException#objectFault()}), or candidates that
     *         disagree ("field offset ambiguity", "relocation decision ambiguity") and other
     *         target faults
     * @throws IllegalStateException if the relocation needs a target and this relocator has none
     */
    public CoreResult relocate(CoreRelocation relo) {
        CoreAccessSpec localSpec = CoreAccessSpec.parse(local, relo);
        int localId = relo.typeId();
        if (relo.kind() == CoreRelocation.Kind.TYPE_ID_LOCAL)
            return new CoreResult.Patch(localId, localId, false, 0, 0, false);
        if (local.name(localId).isEmpty())
            throw new CoreRelocationException(true, localSpec + ": " + relo.kind()
                    + " relocation of an anonymous type: there is no name to find it by in the target");
        if (target == null)
            throw new IllegalStateException(localSpec + ": " + relo.kind() + " relocation needs target BTF");

        int[] cands = candidates.of(local, localId);
        int[] matched = new int[cands.length];
        int n = 0;
        CoreValues.Res result = null;
        CoreAccessSpec chosen = null;
        for (int cand : cands) {
            CoreAccessSpec spec = CoreSpecMatcher.match(localSpec, target, cand);
            if (spec == null)
                continue;
            CoreValues.Res res = CoreValues.calculate(localSpec, spec, local.byteOrder());
            if (n == 0) {
                result = res;
                chosen = spec;
            } else if (spec.bitOffset() != chosen.bitOffset()) {
                throw new CoreRelocationException(false, String.format("%s: field offset ambiguity: %d != %d (candidates %s and %s)",
                        localSpec, spec.bitOffset(), chosen.bitOffset(), spec, chosen));
            } else if (res.poison() != result.poison() || res.value() != result.value()) {
                throw new CoreRelocationException(false, String.format("%s: relocation decision ambiguity: %s %s != %s %s (candidates %s and %s)",
                        localSpec, res.poison() ? "failure" : "success", Long.toUnsignedString(res.value()),
                        result.poison() ? "failure" : "success", Long.toUnsignedString(result.value()), spec, chosen));
            }
            matched[n++] = cand;
        }
        // A relocation that found nothing leaves the candidates alone: it may be an existence check.
        if (n > 0)
            candidates.narrow(localId, n == cands.length ? cands : Arrays.copyOf(matched, n));
        else
            result = CoreValues.calculate(localSpec, null, local.byteOrder());
        if (result.poison())
            return new CoreResult.Poison(cands.length == 0
                    ? localSpec + ": the target has no " + local.kind(localId) + " named '"
                    + local.name(localId).substring(0, CoreCandidates.essentialLength(local.name(localId))) + "' (with or without a ___flavor)"
                    : localSpec + ": not found in any of " + cands.length + " target candidate(s)");
        return new CoreResult.Patch(result.original(), result.value(), result.validate(), result.originalSize(),
                result.newSize(), result.memorySizeUnsafe());
    }
}
