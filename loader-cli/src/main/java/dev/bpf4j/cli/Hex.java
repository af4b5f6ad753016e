package dev.bpf4j.cli;

import java.util.HexFormat;

/** Hex bytes typed on a command line: pairs of hex digits, white space allowed between them. */
final class Hex {
    private Hex() {
    }

    /** The bytes of {@code text}; a usage error naming {@code what} (e.g. "--data") otherwise. */
    static byte[] parse(String text, String what) {
        String digits = text.replaceAll("\\s+", "");
        if (digits.length() % 2 != 0 || !digits.matches("[0-9a-fA-F]*"))
            throw new Main.UsageException(what + " is not hex bytes: '" + (text.length() <= 40 ? text : text.substring(0, 40) + "...") + "'");
        return HexFormat.of().parseHex(digits);
    }
}
