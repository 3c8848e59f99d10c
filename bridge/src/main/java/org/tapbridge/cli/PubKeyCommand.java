package org.tapbridge.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.tapbridge.crypto.Keys;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tapbridge pubkey}: reads a private key on stdin and prints its public key, for the peers' configs. */
@Command(name = "pubkey", description = "Read a private key (base64) on stdin and print its public key.")
final class PubKeyCommand implements Callable<Integer> {
    /** A key line is 44 characters; reading more than this means stdin is not a key. */
    private static final int MAX_INPUT = 1024;

    @Spec
    CommandSpec spec;

    InputStream in = System.in;

    @Override
    public Integer call() throws IOException {
        byte[] input = in.readNBytes(MAX_INPUT + 1);
        if (input.length > MAX_INPUT) {
            spec.commandLine().getErr().println("tapbridge pubkey: stdin holds more than " + MAX_INPUT
                    + " bytes; give it one private key line (tapbridge pubkey < SITE.key)");
            return Main.USAGE;
        }
        try {
            byte[] privateKey = Keys.parsePrivate(new String(input, StandardCharsets.US_ASCII), "the private key on stdin");
            spec.commandLine().getOut().println(Keys.encode(Keys.publicFromPrivate(privateKey)));
            spec.commandLine().getOut().flush();
            return 0;
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("tapbridge pubkey: " + e.getMessage());
            return Main.USAGE;
        }
    }
}
