package org.tapbridge.control;

import java.util.Locale;

/**
 * One control command, as sent on the socket: a single line {@code COMMAND [json]}, or
 * {@code reload [json] [PATH]} where PATH is an absolute file name (the rest of the line; none: the file
 * the daemon runs from). Parsed defensively: the socket is reachable by every member of its group.
 *
 * @param path the file to reload, or null
 */
public record ControlRequest(Command command, boolean json, String path) {
    /** Longest line accepted: {@code reload json} and a path of up to PATH_MAX (4096) bytes. */
    public static final int MAX_LINE = 4096 + 64;

    public enum Command {
        MACS, PEERS, STATS, RELOAD, NEIGHBORS;

        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Whether it changes the daemon, so that only its own user (or root) may send it. */
        public boolean changesTheDaemon() {
            return this == RELOAD;
        }
    }

    public ControlRequest(Command command, boolean json) {
        this(command, json, null);
    }

    public String toLine() {
        return command.wireName() + (json ? " json" : "") + (path == null ? "" : " " + path) + "\n";
    }

    /** Parses a request line (without its newline); throws IllegalArgumentException with a reply-ready message. */
    public static ControlRequest parse(String line) {
        String[] words = line.strip().split("\\s+");
        if (words.length == 0 || words[0].isEmpty()) {
            throw new IllegalArgumentException("empty request; send one of: macs, peers, stats, neighbors [json], reload [json] [PATH]");
        }
        Command command = switch (words[0]) {
            case "macs" -> Command.MACS;
            case "peers" -> Command.PEERS;
            case "stats" -> Command.STATS;
            case "reload" -> Command.RELOAD;
            case "neighbors" -> Command.NEIGHBORS;
            default -> throw new IllegalArgumentException("unknown command '" + printable(words[0])
                    + "'; send one of: macs, peers, stats, neighbors [json], reload [json] [PATH]");
        };
        if (command == Command.RELOAD) {
            return parseReload(line.strip().substring(words[0].length()).strip());
        }
        if (words.length > 2 || (words.length == 2 && !words[1].equals("json"))) {
            throw new IllegalArgumentException("unexpected arguments after '" + words[0] + "'; only 'json' is allowed");
        }
        return new ControlRequest(command, words.length == 2);
    }

    /** {@code [json] [PATH]}, already stripped: the path is all the rest, spaces included. */
    private static ControlRequest parseReload(String rest) {
        boolean json = rest.equals("json") || rest.startsWith("json ") || rest.startsWith("json\t");
        String path = (json ? rest.substring(4) : rest).strip();
        if (path.isEmpty()) {
            return new ControlRequest(Command.RELOAD, json, null);
        }
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("reload: '" + printable(path) + "' is not an absolute path");
        }
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c < 0x20 || c == 0x7f || Character.isWhitespace(c) && c != ' ') {
                throw new IllegalArgumentException("reload: the path holds a control character");
            }
        }
        return new ControlRequest(Command.RELOAD, json, path);
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
