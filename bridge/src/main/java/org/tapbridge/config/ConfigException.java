package org.tapbridge.config;

import java.nio.file.Path;

/** A configuration problem, located as {@code FILE:LINE: KEY: problem} so an operator can go straight to it. */
public final class ConfigException extends Exception {
    private final Path file;
    private final int line;
    private final String key;

    public ConfigException(Path file, int line, String key, String problem) {
        super(locate(file, line, key) + problem);
        this.file = file;
        this.line = line;
        this.key = key;
    }

    public Path file() {
        return file;
    }

    /** 1-based line, or 0 when the problem concerns the file as a whole. */
    public int line() {
        return line;
    }

    /** The dotted key, e.g. {@code peer[1].endpoint}, or null. */
    public String key() {
        return key;
    }

    private static String locate(Path file, int line, String key) {
        StringBuilder sb = new StringBuilder();
        sb.append(file);
        if (line > 0) {
            sb.append(':').append(line);
        }
        sb.append(": ");
        if (key != null) {
            sb.append(key).append(": ");
        }
        return sb.toString();
    }
}
