package dev.bpf4j.backend;

import dev.bpf4j.loader.AttachType;
import dev.bpf4j.loader.ProgramSpec;
import dev.bpf4j.loader.ProgramType;

import java.util.Objects;
import java.util.Optional;

/**
 * A place in the kernel where programs run when something happens: a cgroup's socket
 * option calls, a network interface's traffic control ingress or egress, an interface's
 * XDP receive path. Named as the program sections that attach there are
 * ({@code "cgroup/setsockopt"}, {@code "tc/egress"}, {@code "xdp"}), with the interface
 * index or cgroup id the hook belongs to ({@code target}, 0 for the root cgroup).
 *
 * <pre>{@code
 * Hook egress = Hook.of("tc/egress", 1);                // tc egress of interface 1
 * Hook sockopt = Hook.of("cgroup/setsockopt");          // the root cgroup
 * Optional<Hook> h = Hook.forProgram(program.spec());   // where a skeleton would attach it
 * }</pre>
 *
 * @param point  the hook's kind, one of {@link #POINTS}
 * @param target interface index (tc, xdp) or cgroup id (cgroup hooks); not negative
 */
public record Hook(String point, int target) {
    /** The hook kinds, with the program type and attach type that attach to each. */
    public enum Point {
        CGROUP_SETSOCKOPT("cgroup/setsockopt", ProgramType.CGROUP_SOCKOPT, AttachType.CGROUP_SETSOCKOPT),
        CGROUP_GETSOCKOPT("cgroup/getsockopt", ProgramType.CGROUP_SOCKOPT, AttachType.CGROUP_GETSOCKOPT),
        CGROUP_SKB_INGRESS("cgroup_skb/ingress", ProgramType.CGROUP_SKB, AttachType.CGROUP_INET_INGRESS),
        CGROUP_SKB_EGRESS("cgroup_skb/egress", ProgramType.CGROUP_SKB, AttachType.CGROUP_INET_EGRESS),
        TC_INGRESS("tc/ingress", ProgramType.SCHED_CLS, null),
        TC_EGRESS("tc/egress", ProgramType.SCHED_CLS, null),
        XDP("xdp", ProgramType.XDP, null);

        private final String hookName;
        private final ProgramType type;
        private final AttachType attach;

        Point(String hookName, ProgramType type, AttachType attach) {
            this.hookName = hookName;
            this.type = type;
            this.attach = attach;
        }

        /** The hook's name, as in {@link Hook#point()}. */
        public String hookName() {
            return hookName;
        }

        /** The program type that attaches here. */
        public ProgramType programType() {
            return type;
        }

        /** The expected attach type a program needs here, or empty when the type alone decides. */
        public Optional<AttachType> attachType() {
            return Optional.ofNullable(attach);
        }

        static Optional<Point> named(String n) {
            for (Point p : values())
                if (p.hookName.equals(n))
                    return Optional.of(p);
            return Optional.empty();
        }
    }

    /** The names {@link #point} may take. */
    public static final java.util.List<String> POINTS = java.util.Arrays.stream(Point.values()).map(Point::hookName).toList();

    public Hook {
        Objects.requireNonNull(point, "point");
        if (Point.named(point).isEmpty())
            throw new IllegalArgumentException("unknown hook '" + point + "'; hooks: " + POINTS);
        if (target < 0)
            throw new IllegalArgumentException("hook '" + point + "': target " + target + " is negative");
    }

    /** Hook {@code point} of the root cgroup or of interface 1 (the emulator's loopback). */
    public static Hook of(String point) {
        return new Hook(point, Point.named(point).filter(p -> p.hookName.startsWith("cgroup")).isPresent() ? 0 : 1);
    }

    public static Hook of(String point, int target) {
        return new Hook(point, target);
    }

    /** The kind of this hook. */
    public Point kind() {
        return Point.named(point).orElseThrow();
    }

    /**
     * The hook a skeleton's auto-attach would use for {@code program}: the one its section
     * names ({@code SEC("tc/egress")}, {@code SEC("cgroup/setsockopt")}, {@code SEC("xdp")}),
     * on the root cgroup or interface 1; empty when the section names none of {@link #POINTS}.
     */
    public static Optional<Hook> forProgram(ProgramSpec program) {
        String s = program.sectionName().startsWith("?") ? program.sectionName().substring(1) : program.sectionName();
        for (Point p : Point.values())
            if (s.equals(p.hookName) && p.type == program.type())
                return Optional.of(of(p.hookName));
        return Optional.empty();
    }

    /** Whether {@code program} may attach here: its type, and its expected attach type where the hook needs one. */
    public boolean accepts(ProgramSpec program) {
        Point p = kind();
        return program.type() == p.type && (p.attach == null || program.expectedAttachType().orElse(null) == p.attach);
    }

    @Override
    public String toString() {
        return point + (kind().hookName.startsWith("cgroup") ? " (cgroup " + target + ")" : " (ifindex " + target + ")");
    }
}
