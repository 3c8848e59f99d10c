package org.tapbridge.cli;

import picocli.CommandLine.IVersionProvider;

/** Reports the version stamped into the jar's manifest, or "development" when run from classes. */
final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[] {"tapbridge " + (v == null ? "development" : v)};
    }
}
