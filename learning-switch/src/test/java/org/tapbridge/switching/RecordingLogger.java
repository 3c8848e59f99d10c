package org.tapbridge.switching;

import java.text.MessageFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;

/** A System.Logger that keeps its lines, for asserting what and how often the switch logs. */
final class RecordingLogger implements System.Logger {
    final List<String> lines = new ArrayList<>();
    private final boolean enabled;

    RecordingLogger() {
        this(true);
    }

    /** @param enabled false to answer isLoggable(level) with false, as a logger set to OFF does */
    RecordingLogger(boolean enabled) {
        this.enabled = enabled;
    }

    @Override
    public String getName() {
        return "recording";
    }

    @Override
    public boolean isLoggable(Level level) {
        return enabled;
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
        lines.add(level + " " + msg);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        lines.add(level + " " + (params == null || params.length == 0 ? format : MessageFormat.format(format, params)));
    }

    long count(String fragment) {
        return lines.stream().filter(line -> line.contains(fragment)).count();
    }
}
