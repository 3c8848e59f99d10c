package org.tapbridge.cli;

import java.util.concurrent.Callable;
import org.tapbridge.config.ConfigException;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.daemon.SiteKeys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tapbridge check}: validates a site file without touching the network. */
@Command(name = "check", description = "Validate a site configuration and its key files; exit 0 when valid, 2 otherwise.")
final class CheckCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        try {
            SiteConfig site = config.load();
            SiteKeys.load(site, SessionSettings.defaults());
            var metrics = site.metricsListen();
            spec.commandLine().getOut().println(config.file + ": ok: site " + site.name() + ", tap " + site.tap()
                    + ", " + site.peers().size() + " peer(s)" + (metrics == null ? ""
                    : ", metrics at http://" + (metrics.getAddress() instanceof java.net.Inet6Address
                    ? "[" + metrics.getAddress().getHostAddress() + "]" : metrics.getAddress().getHostAddress())
                    + ":" + metrics.getPort() + "/metrics"));
            return 0;
        } catch (ConfigException e) {
            spec.commandLine().getErr().println(e.getMessage());
            return Main.USAGE;
        }
    }
}
