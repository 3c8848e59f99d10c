package org.tapbridge.cli;

import java.nio.file.Path;
import org.tapbridge.config.ConfigException;
import org.tapbridge.config.ConfigLoader;
import org.tapbridge.config.SiteConfig;
import picocli.CommandLine.Option;

/** The {@code --config FILE} option shared by the commands that read a site file. */
final class ConfigOption {
    @Option(names = {"-c", "--config"}, paramLabel = "FILE", required = true,
            description = "The site's TOML configuration.")
    Path file;

    SiteConfig load() throws ConfigException {
        return ConfigLoader.load(file);
    }
}
