package dev.bpf4j.linux;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reading the kernel verifier's log: its text, and the instruction it was at when it stopped. */
final class VerifierLog {
    /** A line about an instruction: {@code 12: (61) r1 = *(u32 *)(r1 +0)} or {@code 12: R1=ctx() ...}. */
    private static final Pattern INSN = Pattern.compile("^(\\d+): ");
    /** Lines of the log's end quoted in an exception's message. */
    static final int TAIL_LINES = 12;

    private VerifierLog() {
    }

    /** The log's text: the buffer up to its first NUL. */
    static String text(byte[] buffer) {
        int n = 0;
        while (n < buffer.length && buffer[n] != 0)
            n++;
        return new String(buffer, 0, n, StandardCharsets.UTF_8);
    }

    /** The last instruction index a line of {@code log} starts with, or -1. */
    static int lastInstruction(String log) {
        int last = -1;
        for (String line : log.split("\n")) {
            Matcher m = INSN.matcher(line);
            if (m.find()) {
                try {
                    last = Integer.parseInt(m.group(1));
                } catch (NumberFormatException tooLong) {
                    // not an instruction index after all
                }
            }
        }
        return last;
    }

    /** The last {@code n} non-empty lines of {@code log}. */
    static List<String> tail(String log, int n) {
        List<String> lines = log.lines().filter(l -> !l.isBlank()).toList();
        return lines.subList(Math.max(0, lines.size() - n), lines.size());
    }
}
