package org.tapbridge.control;

import java.util.Locale;

/**
 * One control command, as sent on the socket: a single line {@code COMMAND [json]}. Parsed
 * defensively: the socket is reachable by every member of its group.
 */
public record ControlRequest(Command command, boolean json) {
    /** Longest line accepted; real requests are a dozen bytes. */
    public static final int MAX_LINE = 256;

    public enum Command {
        MACS, PEERS, STATS, NEIGHBORS;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public String toLine() {
        return command.wireName() + (json ? " json" : "") + "\n";
    }

    /** Parses a request line (without its newline); throws IllegalArgumentException with a reply-ready message. */
    public static ControlRequest parse(String line) {
        String[] words = line.strip().split("\\s+");
        if (words.length == 0 || words[0].isEmpty()) {
            throw new IllegalArgumentException("empty request; send one of: macs, peers, stats, neighbors [json]");
        }
        Command command = switch (words[0]) {
            case "macs" -> Command.MACS;
            case "peers" -> Command.PEERS;
            case "stats" -> Command.STATS;
            case "neighbors" -> Command.NEIGHBORS;
            default -> throw new IllegalArgumentException("unknown command '" + printable(words[0])
                    + "'; send one of: macs, peers, stats, neighbors [json]");
        };
        if (words.length > 2 || (words.length == 2 && !words[1].equals("json"))) {
            throw new IllegalArgumentException("unexpected arguments after '" + words[0] + "'; only 'json' is allowed");
        }
        return new ControlRequest(command, words.length == 2);
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 32; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }
}
