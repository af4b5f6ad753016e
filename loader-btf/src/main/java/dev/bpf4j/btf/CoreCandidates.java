package dev.bpf4j.btf;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * libbpf's candidate search ({@code bpf_core_find_cands} / {@code bpf_core_add_cands}): the
 * target types that a local type may correspond to are those of a compatible kind (the same
 * kind; enum and enum64 count as one) whose name equals the local name once a {@code ___flavor}
 * suffix is stripped from both ("essential names": {@code task_struct___old} and
 * {@code task_struct} are candidates for each other). Candidates are listed in id order.
 *
 * <p>As in libbpf, the list is cached per local type id and narrowed by each relocation that
 * matched some of its candidates, so later relocations of the same type only consider those.
 *
 * <p>libbpf scans every target type for every local type. Here the target's indexes answer
 * ({@link Btf#idsByEssentialName}, built once per parsed target and shared by every link
 * against it), so that no type is decoded but candidates.
 *
 * <p>Not thread-safe: one per relocator.
 */
final class CoreCandidates {

    private final Btf target;
    private final Map<Integer, int[]> cache = new HashMap<>();

    CoreCandidates(Btf target) {
        this.target = target;
    }

    /** The current candidates (target ids) of local type {@code localId}, whose name is not empty. */
    int[] of(Btf local, int localId) {
        int[] cached = cache.get(localId);
        if (cached != null)
            return cached;
        String name = local.name(localId);
        BtfKind kind = local.kind(localId);
        int[] found = Arrays.stream(target.idsByEssentialName(name.substring(0, essentialLength(name))))
                .filter(id -> CoreTypeCompat.kindsCompatible(kind, target.kind(id)))
                .toArray();
        cache.put(localId, found);
        return found;
    }

    /** Keeps only {@code matched} as the candidates of {@code localId} (libbpf shrinks its list so). */
    void narrow(int localId, int[] matched) {
        cache.put(localId, matched);
    }

    /**
     * libbpf's {@code bpf_core_essential_name_len}: the length of the name before its last
     * {@code X___Y} flavor separator (X and Y not underscores), or the whole length.
     */
    static int essentialLength(String name) {
        for (int i = name.length() - 5; i >= 0; i--) {
            if (name.charAt(i) != '_' && name.charAt(i + 1) == '_' && name.charAt(i + 2) == '_'
                    && name.charAt(i + 3) == '_' && name.charAt(i + 4) != '_')
                return i + 1;
        }
        return name.length();
    }

    /**
     * libbpf's {@code bpf_core_names_match} (for TYPE_MATCHES): an anonymous target matches only
     * an anonymous local; otherwise the essential names are equal.
     */
    static boolean namesMatch(String local, String target) {
        if (target.isEmpty())
            return local.isEmpty();
        int len = essentialLength(target);
        return len == essentialLength(local) && local.regionMatches(0, target, 0, len);
    }

    /** For {@code bpf_core_fields_are_compat}: either anonymous, or the same essential names. */
    static boolean essentialNamesEqualOrAnonymous(String local, String target) {
        int ll = essentialLength(local), tl = essentialLength(target);
        return ll == 0 || tl == 0 || (ll == tl && local.regionMatches(0, target, 0, ll));
    }
}
