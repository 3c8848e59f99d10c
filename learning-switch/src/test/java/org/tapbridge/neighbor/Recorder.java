package org.tapbridge.neighbor;

import java.util.ArrayList;
import java.util.List;
import java.util.ResourceBundle;

/** A System.Logger that keeps its lines, for asserting what and how often the suppressor logs. */
final class Recorder implements System.Logger {
    final List<String> lines = new ArrayList<>();

    @Override
    public String getName() {
        return "recorder";
    }

    @Override
    public boolean isLoggable(Level level) {
        return true;
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
        lines.add(level + " " + msg);
    }

    @Override
    public void log(Level level, ResourceBundle bundle, String format, Object... params) {
        lines.add(level + " " + format);
    }
}
