package org.tapbridge.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.tapbridge.config.ConfigException;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.crypto.Aeads;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.daemon.Daemon;
import org.tapbridge.daemon.DirectMemoryException;
import org.tapbridge.daemon.LinuxPlatform;
import org.tapbridge.daemon.SiteKeys;
import org.tapbridge.daemon.ThreadDeaths;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.PeerLink;
import org.tapbridge.link.PeerListener;
import org.tapbridge.systemd.SdNotify;
import org.tapbridge.systemd.WatchdogPinger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tapbridge run}: the daemon in the foreground, logging to stderr, stopped by SIGTERM or SIGINT. */
@Command(name = "run", description = "Run the gateway daemon in the foreground.")
final class RunCommand implements Callable<Integer> {
    /** How often the main thread looks for a failure: a dead site restarts within a second. */
    private static final long FAILURE_POLL_MS = 250;

    @Mixin
    ConfigOption config;

    @Spec
    CommandSpec spec;

    /**
     * WireGuard's timers, which operators have no reason to change. A soak or a test may shorten the rekey
     * (-Dtapbridge.rekey-after-seconds=N) to drive many handshakes through a running daemon.
     */
    static SessionSettings sessionSettings() {
        String rekey = System.getProperty("tapbridge.rekey-after-seconds");
        if (rekey == null) {
            return SessionSettings.defaults();
        }
        long seconds;
        try {
            seconds = Long.parseLong(rekey.trim());
        } catch (NumberFormatException e) {
            seconds = 0;
        }
        if (seconds < 10 || seconds > SessionSettings.REKEY_AFTER_TIME_NS / 1_000_000_000L) {
            throw new IllegalArgumentException("-Dtapbridge.rekey-after-seconds=" + rekey
                    + ": give whole seconds from 10 to 120");
        }
        return SessionSettings.defaults().withRekeyAfterTime(TimeUnit.SECONDS.toNanos(seconds));
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter err = spec.commandLine().getErr();
        SiteConfig site;
        LinkSecurity keys;
        try {
            site = config.load();
            keys = SiteKeys.load(site, sessionSettings());
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return Main.USAGE;
        } catch (IllegalArgumentException e) {
            err.println("tapbridge: " + e.getMessage());
            return Main.USAGE;
        }
        try {
            // Decided before anything opens: -Dtapbridge.aead=openssl where libcrypto cannot load is fatal.
            Aeads.selected();
        } catch (IllegalArgumentException e) {
            err.println("tapbridge: " + e.getMessage());
            return Main.USAGE;
        }
        // Before any thread starts: from here on, any of them dying ends the process (see below).
        ThreadDeaths deaths = ThreadDeaths.install();
        try {
            return run(site, keys, deaths, err);
        } finally {
            deaths.uninstall();
        }
    }

    private Integer run(SiteConfig site, LinkSecurity keys, ThreadDeaths deaths, PrintWriter err)
            throws InterruptedException {
        Daemon daemon;
        try {
            daemon = Daemon.start(site, keys, new LinuxPlatform());
        } catch (DirectMemoryException e) {
            // A setting to change (the message says which): restarting cannot help, like a bad config.
            err.println("tapbridge: " + e.getMessage());
            err.flush();
            return Main.USAGE;
        } catch (IOException e) {
            err.println("tapbridge: site " + site.name() + ": " + e.getMessage());
            err.flush();
            return Main.FAILED;
        } finally {
            // The daemon holds its own copies now; these were only the loader's.
            keys.erase();
        }
        SdNotify notify = SdNotify.fromEnvironment();
        daemon.addPeerListener(new PeerListener() {
            @Override
            public void peerUp(PeerLink peer) {
                notify.status(status(daemon));
            }

            @Override
            public void peerDown(PeerLink peer) {
                notify.status(status(daemon));
            }
        });
        // A removed peer is no peer going down: the status follows reloads on its own.
        daemon.addReloadListener(() -> notify.status(status(daemon)));
        ReloadOnHangup.install(daemon);
        // Ready only now: the TAP is attached and every listener and the control socket are bound.
        notify.ready(status(daemon));
        WatchdogPinger pinger = new WatchdogPinger(notify, daemon::healthy);
        pinger.start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            notify.stopping();
            pinger.stop();
            daemon.close();
            notify.close();
            stopped.countDown();
        }, "shutdown"));
        // The data path stopping by itself (its TAP deleted, an Error) or getting stuck, or any thread dying,
        // must end the process, non-zero, so that systemd restarts it rather than leaving a site without its
        // bridge while the process looks alive.
        while (!stopped.await(FAILURE_POLL_MS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            String failure = deaths.failure();
            if (failure == null) {
                failure = daemon.failure();
            }
            if (failure != null) {
                err.println("tapbridge: site " + site.name() + ": " + failure);
                err.flush();
                return Main.FAILED;
            }
        }
        return 0;
    }

    private static String status(Daemon daemon) {
        // The count as it is now: a reload may have added or removed peers.
        return "peers up " + daemon.peers().upCount() + "/" + daemon.peers().peers().size();
    }
}
