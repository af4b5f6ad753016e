package dev.bpf4j.cli;

import dev.bpf4j.loader.ProgramType;

/** The symbolic names of program return values, per program type: {@code XDP_PASS}, {@code TC_ACT_SHOT}. */
final class Verdicts {
    private static final String[] XDP = {"XDP_ABORTED", "XDP_DROP", "XDP_PASS", "XDP_TX", "XDP_REDIRECT"};
    private static final String[] TC = {"TC_ACT_OK", "TC_ACT_RECLASSIFY", "TC_ACT_SHOT", "TC_ACT_PIPE", "TC_ACT_STOLEN",
            "TC_ACT_QUEUED", "TC_ACT_REPEAT", "TC_ACT_REDIRECT", "TC_ACT_TRAP"};

    private Verdicts() {
    }

    /** {@code "2 XDP_PASS"}, or just the number where the type gives it no name. */
    static String describe(ProgramType type, int retval) {
        String name = name(type, retval);
        return name == null ? Integer.toString(retval) : retval + " " + name;
    }

    static String name(ProgramType type, int retval) {
        switch (type) {
            case XDP:
                return retval >= 0 && retval < XDP.length ? XDP[retval] : null;
            case SCHED_CLS:
            case SCHED_ACT:
                return retval == -1 ? "TC_ACT_UNSPEC" : retval >= 0 && retval < TC.length ? TC[retval] : null;
            case CGROUP_SKB:
                return retval == 0 ? "drop" : retval == 1 ? "allow" : null;
            default:
                return null;
        }
    }
}
