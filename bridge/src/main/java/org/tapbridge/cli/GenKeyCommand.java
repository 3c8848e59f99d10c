package org.tapbridge.cli;

import java.security.SecureRandom;
import java.util.concurrent.Callable;
import org.tapbridge.crypto.Keys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tapbridge genkey}: a new X25519 private key, base64, on stdout. */
@Command(name = "genkey", description = {"Print a new private key in base64.",
        "Store it readable by its owner only: (umask 077; tapbridge genkey > /etc/tapbridge/SITE.key)"})
final class GenKeyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getOut().println(Keys.encode(Keys.generatePrivate(new SecureRandom())));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
