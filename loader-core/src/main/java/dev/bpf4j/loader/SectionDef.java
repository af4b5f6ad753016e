package dev.bpf4j.loader;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One entry of libbpf's section table ({@code SEC_DEF(...)} in {@code section_defs[]}): a
 * section-name pattern and what a program in a matching section is.
 *
 * <p>The pattern has one of three forms, as in libbpf's {@code sec_def_matches()}:
 * <ul>
 *   <li>{@code "name/"}: a plain prefix; the name must start with it ({@code map_trace/});
 *   <li>{@code "name+"}: the bare {@code name}, or {@code name/} followed by anything
 *       ({@code kprobe+} matches {@code kprobe} and {@code kprobe/do_unlinkat}, not
 *       {@code kprobex});
 *   <li>anything else: the whole name, exactly ({@code tc} matches {@code tc} only).
 * </ul>
 *
 * <h2>When the expected attach type is present</h2>
 * libbpf always hands the kernel an {@code expected_attach_type}: the entry's value, which is
 * 0 for most entries that do not care. But 0 is also {@link AttachType#CGROUP_INET_INGRESS},
 * which {@code cgroup_skb/ingress} really means. So {@link #expectedAttachType()} is present
 * exactly when libbpf's entry names an attach type ({@code BPF_CGROUP_INET_INGRESS} included)
 * and empty when the entry gives a literal 0. In today's table the names an entry gives
 * coincide with "non-zero, or carrying one of ATTACHABLE, ATTACHABLE_OPT, EXP_ATTACH_OPT,
 * ATTACH_BTF" in all but one entry: {@code freplace+} (EXT, 0, SEC_ATTACH_BTF), whose 0 means
 * "none" (the kernel's {@code bpf_prog_load_check_attach()} refuses any other value for EXT
 * programs), and so is empty here. Either way {@link #expectedAttachTypeNumber()} is what
 * libbpf passes.
 *
 * <h2>Flags</h2>
 * The flags are libbpf's {@code enum sec_def_flags}, with its bit arithmetic kept:
 * {@code SEC_ATTACHABLE_OPT} is {@code SEC_ATTACHABLE | SEC_EXP_ATTACH_OPT}, so a set holding
 * {@link Flag#ATTACHABLE_OPT} always holds {@link Flag#ATTACHABLE} and
 * {@link Flag#EXP_ATTACH_OPT} too, and one holding both of those holds ATTACHABLE_OPT.
 * {@code flags().contains(f)} then answers what libbpf's {@code cookie & SEC_f} answers.
 *
 * <pre>{@code
 * SectionDef d = SectionTable.match("xdp.frags").orElseThrow().def();
 * d.pattern();                        // "xdp.frags"
 * d.type();                           // XDP
 * d.expectedAttachType();             // Optional[XDP]
 * d.has(SectionDef.Flag.XDP_FRAGS);   // true: loaded with BPF_F_XDP_HAS_FRAGS
 * }</pre>
 *
 * @param pattern            the section-name pattern, as libbpf spells it
 * @param type               the program type a matching section gets
 * @param expectedAttachType the attach type the entry names, or empty when it gives a bare 0
 * @param flags              libbpf's flags for the entry (unmodifiable, closed as described)
 */
public record SectionDef(String pattern, ProgramType type, Optional<AttachType> expectedAttachType,
                         Set<Flag> flags) {

    /** libbpf's {@code enum sec_def_flags}, one constant per named value except SEC_NONE (no flags). */
    public enum Flag {
        /**
         * SEC_ATTACHABLE: attachable with BPF_PROG_ATTACH. libbpf itself only uses it in
         * {@code libbpf_attach_type_by_name()}, which refuses entries without it.
         */
        ATTACHABLE,
        /** SEC_ATTACHABLE_OPT = SEC_ATTACHABLE | SEC_EXP_ATTACH_OPT. */
        ATTACHABLE_OPT,
        /** SEC_EXP_ATTACH_OPT: libbpf sends expected_attach_type 0 to kernels that predate the field. */
        EXP_ATTACH_OPT,
        /**
         * SEC_ATTACH_BTF: the text after the first '/' names the BTF target (a kernel function,
         * tracepoint, LSM hook or, for {@code freplace}, a function of another program).
         */
        ATTACH_BTF,
        /** SEC_SLEEPABLE: loaded with BPF_F_SLEEPABLE (the {@code .s} variants, {@code syscall}). */
        SLEEPABLE,
        /** SEC_XDP_FRAGS: loaded with BPF_F_XDP_HAS_FRAGS (multi-buffer XDP). */
        XDP_FRAGS,
        /**
         * SEC_USDT: on kernels with uprobe_multi links libbpf switches the expected attach type
         * from 0 to {@link AttachType#TRACE_UPROBE_MULTI} at load. That depends on the kernel,
         * so the entry here keeps libbpf's static value and a Linux backend makes the switch.
         */
        USDT
    }

    public SectionDef {
        Objects.requireNonNull(pattern, "pattern");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(expectedAttachType, "expectedAttachType");
        Objects.requireNonNull(flags, "flags");
        if (pattern.isEmpty() || pattern.equals("/") || pattern.equals("+"))
            throw new IllegalArgumentException("section pattern '" + pattern + "' has no name");
        flags = Collections.unmodifiableSet(closeOverAliases(flags));
    }

    /** A definition built from flags given as varargs, for tables. */
    public static SectionDef of(String pattern, ProgramType type, Optional<AttachType> expectedAttachType,
                                Flag... flags) {
        return new SectionDef(pattern, type, expectedAttachType, Set.of(flags));
    }

    /**
     * The expected_attach_type libbpf passes to the kernel for this entry: the attach type's
     * number, or 0 when {@link #expectedAttachType()} is empty.
     */
    public int expectedAttachTypeNumber() {
        return expectedAttachType.map(AttachType::number).orElse(0);
    }

    /** Whether the entry carries this flag (libbpf: {@code cookie & SEC_...}). */
    public boolean has(Flag flag) {
        return flags.contains(flag);
    }

    /** The pattern is a plain prefix ({@code "name/"}). */
    public boolean isPrefix() {
        return pattern.endsWith("/");
    }

    /** The pattern accepts the bare name or the name followed by {@code /...} ({@code "name+"}). */
    public boolean isOptionalTarget() {
        return pattern.endsWith("+");
    }

    /**
     * Whether a section name (already without a leading '?') matches this entry, by libbpf's
     * {@code sec_def_matches()} rules.
     */
    public boolean matches(String sectionName) {
        if (isPrefix())
            return sectionName.startsWith(pattern);
        if (isOptionalTarget()) {
            int n = pattern.length() - 1; // the stem, compared in place: this runs once per entry per program
            // "kprobe+" must not match "kprobex" or "kprobe.multi": only the end or a '/' may follow.
            return sectionName.regionMatches(0, pattern, 0, n)
                    && (sectionName.length() == n || sectionName.charAt(n) == '/');
        }
        return sectionName.equals(pattern);
    }

    /**
     * The text that follows the entry's own name and its '/' separator in a matching section
     * name, or null when there is none: for {@code "name+"} entries the part after
     * {@code name/} (null for the bare name), for {@code "name/"} entries the part after the
     * prefix, for exact entries always null (their '/' is part of the name, as in
     * {@code tc/ingress}). No stem in the table contains a '/', so for {@code "name+"} entries
     * this is also "the text after the first '/'", which is what libbpf reads for ATTACH_BTF.
     */
    String targetOf(String sectionName) {
        if (isPrefix())
            return sectionName.substring(pattern.length());
        if (isOptionalTarget()) {
            int stemLength = pattern.length() - 1;
            return sectionName.length() > stemLength ? sectionName.substring(stemLength + 1) : null;
        }
        return null;
    }

    private String stem() {
        return pattern.substring(0, pattern.length() - 1);
    }

    private static EnumSet<Flag> closeOverAliases(Set<Flag> given) {
        EnumSet<Flag> flags = EnumSet.noneOf(Flag.class);
        flags.addAll(given);
        if (flags.contains(Flag.ATTACHABLE_OPT)) {
            flags.add(Flag.ATTACHABLE);
            flags.add(Flag.EXP_ATTACH_OPT);
        }
        if (flags.contains(Flag.ATTACHABLE) && flags.contains(Flag.EXP_ATTACH_OPT))
            flags.add(Flag.ATTACHABLE_OPT);
        return flags;
    }
}
