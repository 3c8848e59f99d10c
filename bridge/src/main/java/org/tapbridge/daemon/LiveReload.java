package org.tapbridge.daemon;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.tapbridge.config.ConfigDiff;
import org.tapbridge.config.ConfigException;
import org.tapbridge.config.ConfigLoader;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.StaticMacConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.Secrets;
import org.tapbridge.crypto.SessionSettings;
import org.tapbridge.link.LinkSecurity;
import org.tapbridge.link.PeerLink;
import org.tapbridge.link.PeerLinks;
import org.tapbridge.link.PeerTable;
import org.tapbridge.pipeline.Forwarder;
import org.tapbridge.switching.LearningSwitch;
import org.tapbridge.switching.SwitchLane;
import org.tapbridge.switching.SwitchSettings;

/**
 * Re-reads a site's configuration and applies what may change while the daemon runs: peers added, removed
 * and changed, static MACs, switch limits. Everything is read, checked and prepared first, on the calling
 * thread (control or signal); then one task on the data-path loop applies it all between two batches, so the
 * loop sees the old configuration or the new one, never a mix. A refused reload changes nothing.
 */
final class LiveReload {
    private static final System.Logger LOG = System.getLogger(LiveReload.class.getName());
    /** How long a reload waits for the further loops, all together. */
    private static final long LANE_ANSWER_NS = 5_000_000_000L;

    /** What a reload did: the file read and the differences applied (empty when the file says what runs). */
    record Outcome(Path file, ConfigDiff diff) {
    }

    private final Daemon daemon;

    LiveReload(Daemon daemon) {
        this.daemon = daemon;
    }

    /**
     * Reads {@code file} and applies it. One reload at a time: a SIGHUP and a {@code tapbridge reload}
     * arriving together run one after the other.
     *
     * @throws ConfigException for an invalid file ({@code FILE:LINE: KEY: problem}) or a key only a restart
     *                         can change; nothing was applied
     * @throws Exception       when the data path refused or did not answer; nothing was applied
     */
    synchronized Outcome reload(Path file) throws Exception {
        try {
            return reloadOnce(file);
        } catch (Exception e) {
            // Whoever asked gets the answer; the journal keeps it too, for a SIGHUP nobody reads an answer to.
            LOG.log(System.Logger.Level.WARNING, "site " + daemon.config().name() + ": reload of " + file
                    + " refused, the running configuration stays: "
                    + (e instanceof ConfigException ? e.getMessage() : e.toString()));
            throw e;
        }
    }

    private Outcome reloadOnce(Path file) throws Exception {
        SiteConfig running = daemon.config();
        SiteConfig next = ConfigLoader.load(file);
        ConfigDiff diff = ConfigDiff.between(running, next);
        if (!diff.restartOnly().isEmpty()) {
            throw new ConfigException(file, 0, null, diff.restartMessage());
        }
        LinkSecurity keys = SiteKeys.loadPeerKeys(next, SessionSettings.defaults());
        try {
            // Each TCP peer brings buffers of direct memory: refused here rather than an OutOfMemoryError later.
            daemon.requireDirectMemoryFor(next);
        } catch (DirectMemoryException e) {
            keys.erase();
            throw new ConfigException(file, 0, null, e.getMessage() + "; nothing was applied");
        }
        boolean handedToLoop = false;
        try {
            // A pre-shared key file rewritten in place is a new key under the same path: ask the sessions.
            List<String> kept = new ArrayList<>();
            for (PeerConfig peer : next.peers()) {
                if (running.peers().stream().anyMatch(p -> p.name().equals(peer.name())) && !diff.recreates(peer.name())) {
                    kept.add(peer.name());
                }
            }
            List<String> newKeys = daemon.onLoop(d -> {
                List<String> differing = new ArrayList<>();
                for (String name : kept) {
                    if (!d.links().hasPresharedKey(name, keys.presharedKeys().get(name))) {
                        differing.add(name);
                    }
                }
                return differing;
            });
            diff = diff.withPresharedKeysChanged(newKeys);
            if (diff.isEmpty()) {
                daemon.configured(next);
            } else {
                ConfigDiff plan = diff;
                // The task owns the keys from here: an answer that times out must not erase them under it.
                handedToLoop = true;
                List<CompletableFuture<Void>> laneTasks = daemon.onLoop(d -> {
                    try {
                        List<SwitchLane> fresh = apply(d, plan, next, keys);
                        // In the same task: even an answer that timed out leaves the two in step.
                        d.configured(next);
                        // Posted from here, not by the caller: one that stopped waiting cannot lose the lanes of
                        // a rebuilt switch, and each loop gets its own copy of the keys, which it erases.
                        return postToLanes(d, plan, next, keys, fresh);
                    } finally {
                        keys.erase();
                    }
                });
                awaitLanes(daemon.lanes(), laneTasks);
            }
        } finally {
            if (!handedToLoop) {
                keys.erase();
            }
        }
        Set<String> restart = new HashSet<>();
        diff.added().forEach(p -> restart.add(p.name()));
        diff.changed().keySet().stream().filter(diff::recreates).forEach(restart::add);
        daemon.resolver().reconfigure(next.peers(), restart);
        LOG.log(System.Logger.Level.INFO, "site " + next.name() + ": reloaded " + file + ": " + diff.summary());
        return new Outcome(file, diff);
    }

    /**
     * Applies {@code diff} on the data-path thread. First whatever may fail (a new switch, room for the static
     * MACs, the TCP listener): a failure there leaves everything as it was. Then the changes, which cannot fail.
     */
    private static List<SwitchLane> apply(Daemon d, ConfigDiff diff, SiteConfig next, LinkSecurity keys) {
        Forwarder forwarder = d.forwarder();
        PeerLinks links = d.links();
        LearningSwitch sw = forwarder.learningSwitch();
        LearningSwitch target = sw;
        int maxPorts = Math.max(sw.settings().maxPorts(), next.switchSettings().maxPorts());
        if (!diff.switchChanged().isEmpty() || maxPorts != sw.settings().maxPorts()) {
            SwitchSettings settings = next.switchSettings().toBuilder().maxPorts(maxPorts).build();
            target = sw.reconfigured(settings);
        }
        int projected = target.size() - diff.staticRemoved().size() + diff.staticAdded().size();
        if (!diff.staticAdded().isEmpty() && projected > target.settings().macTableLimit()) {
            throw new IllegalStateException("the MAC table would hold " + projected + " entries with the new static"
                    + " MACs, above " + SwitchSettings.KEY_MAC_TABLE_LIMIT + "=" + target.settings().macTableLimit()
                    + "; raise it; nothing was applied");
        }
        byte[] own = links.localPublicKey();
        for (PeerConfig peer : next.peers()) {
            boolean fresh = diff.recreates(peer.name()) || diff.added().contains(peer);
            if (fresh && java.util.Arrays.equals(own, keys.publicKeys().get(peer.name()))) {
                throw new IllegalArgumentException(next.file() + ": peer " + peer.name() + " public-key: this is the"
                        + " site's own public key; give it the public key of the other site; nothing was applied");
            }
        }
        boolean tcpNeeded = diff.added().stream().anyMatch(p -> p.transport() != Transport.UDP)
                || next.peers().stream().anyMatch(p -> diff.recreates(p.name()) && p.transport() != Transport.UDP);
        if (tcpNeeded) {
            try {
                links.openTcpListener(next.listen());
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage() + "; nothing was applied", e);
            }
        }

        // From here on nothing fails: the loop goes on with the new configuration as a whole.
        List<SwitchLane> rebuiltLanes = null;
        if (target != sw) {
            forwarder.replaceSwitch(target);
            sw = target;
            // The further loops read the switch through lanes of it: the new one needs its own.
            rebuiltLanes = new ArrayList<>();
            for (int i = 0; i < d.lanes().size(); i++) {
                rebuiltLanes.add(target.addLane());
            }
        }
        for (StaticMacConfig s : diff.staticRemoved()) {
            sw.removeStaticEntry(s.vlan(), s.mac());
        }
        for (String name : diff.removed()) {
            int port = links.removePeer(name);
            // Frames for MACs behind a removed peer flood again until they are learned elsewhere.
            sw.removePort(port);
            forwarder.forgetNeighbors(port);
        }
        // Peers started over leave first, all of them, and come back on their ports after: two peers that
        // swap public keys would otherwise meet their own key still held by the other.
        List<PeerConfig> recreated = new ArrayList<>();
        List<Integer> recreatedPorts = new ArrayList<>();
        long nowNs = System.nanoTime();
        for (PeerConfig peer : next.peers()) {
            if (!diff.changed().containsKey(peer.name())) {
                continue;
            }
            if (diff.recreates(peer.name())) {
                int port = links.removePeer(peer.name());
                sw.removePort(port);
                forwarder.forgetNeighbors(port);
                recreated.add(peer);
                recreatedPorts.add(port);
            } else {
                links.updatePeer(peer, nowNs);
                sw.addPort(links.peers().byName(peer.name()).port(), Daemon.groupOf(peer));
            }
        }
        for (int i = 0; i < recreated.size(); i++) {
            PeerConfig peer = recreated.get(i);
            int port = links.addPeer(peer, keys.publicKeys().get(peer.name()), keys.presharedKeys().get(peer.name()),
                    recreatedPorts.get(i));
            sw.addPort(port, Daemon.groupOf(peer));
        }
        for (PeerConfig peer : diff.added()) {
            int port = links.addPeer(peer, keys.publicKeys().get(peer.name()), keys.presharedKeys().get(peer.name()));
            sw.removePort(port);
            sw.clearPortCounters(port);
            sw.addPort(port, Daemon.groupOf(peer));
        }
        for (StaticMacConfig s : diff.staticAdded()) {
            PeerLink peer = s.port().equals("local") ? null : links.peers().byName(s.port());
            sw.addStaticEntry(s.vlan(), s.mac(), peer == null ? LearningSwitch.LOCAL_PORT : peer.port());
        }
        forwarder.usePeers(links.peers());
        return rebuiltLanes;
    }

    /**
     * The same change on a further loop, on its thread: its UDP peers on the ports the first loop gave them
     * (TCP and auto peers stay on the first loop), and the rebuilt switch's lane if there is one.
     */
    private static void applyToLane(QueueLane lane, ConfigDiff diff, SiteConfig next, Map<String, byte[]> publicKeys,
                                    Map<String, byte[]> presharedKeys, PeerTable firstPeers, SwitchLane switchLane) {
        PeerLinks links = lane.links();
        if (switchLane != null) {
            lane.forwarder().useLane(switchLane);
        }
        for (String name : diff.removed()) {
            if (links.peers().byName(name) != null) {
                links.removePeer(name);
            }
        }
        List<PeerConfig> joining = new ArrayList<>();
        long nowNs = System.nanoTime();
        for (PeerConfig peer : next.peers()) {
            if (!diff.changed().containsKey(peer.name())) {
                continue;
            }
            boolean here = links.peers().byName(peer.name()) != null;
            if (diff.recreates(peer.name())) {
                if (here) {
                    links.removePeer(peer.name());
                }
                joining.add(peer);
            } else if (here) {
                links.updatePeer(peer, nowNs);
            }
        }
        joining.addAll(diff.added());
        for (PeerConfig peer : joining) {
            PeerLink first = firstPeers.byName(peer.name());
            if (peer.transport() == Transport.UDP && first != null) {
                links.addPeer(peer, publicKeys.get(peer.name()), presharedKeys.get(peer.name()), first.port());
            }
        }
        lane.forwarder().usePeers(links.peers());
    }

    /**
     * Hands the change to every further loop, each a task on its own thread with its own copy of the keys it
     * needs. On the first loop's thread, right after it applied the change.
     */
    private static List<CompletableFuture<Void>> postToLanes(Daemon d, ConfigDiff diff, SiteConfig next,
                                                             LinkSecurity keys, List<SwitchLane> rebuilt) {
        List<CompletableFuture<Void>> tasks = new ArrayList<>();
        PeerTable firstPeers = d.peers();
        for (int i = 0; i < d.lanes().size(); i++) {
            QueueLane lane = d.lanes().get(i);
            SwitchLane switchLane = rebuilt == null ? null : rebuilt.get(i);
            Map<String, byte[]> publicKeys = copy(keys.publicKeys());
            Map<String, byte[]> presharedKeys = copy(keys.presharedKeys());
            CompletableFuture<Void> done = new CompletableFuture<>();
            lane.loop().mailbox().post(() -> {
                try {
                    applyToLane(lane, diff, next, publicKeys, presharedKeys, firstPeers, switchLane);
                    done.complete(null);
                } catch (RuntimeException e) {
                    done.completeExceptionally(e);
                } finally {
                    presharedKeys.values().forEach(Secrets::wipe);
                }
            });
            tasks.add(done);
        }
        return tasks;
    }

    private static Map<String, byte[]> copy(Map<String, byte[]> keys) {
        Map<String, byte[]> copy = new HashMap<>();
        keys.forEach((name, key) -> copy.put(name, key == null ? null : key.clone()));
        return copy;
    }

    /** Waits up to {@link #LANE_ANSWER_NS} in all for the further loops; names those that did not answer. */
    private static void awaitLanes(List<QueueLane> lanes, List<CompletableFuture<Void>> tasks) throws Exception {
        long deadline = System.nanoTime() + LANE_ANSWER_NS;
        List<String> late = new ArrayList<>();
        for (int i = 0; i < tasks.size(); i++) {
            try {
                tasks.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                late.add("loop " + lanes.get(i).index());
            } catch (ExecutionException e) {
                throw new IllegalStateException("loop " + lanes.get(i).index() + " refused the change: "
                        + e.getCause() + "; the first loop applied it; restart the site to bring them in step",
                        e.getCause());
            }
        }
        if (!late.isEmpty()) {
            throw new TimeoutException(String.join(", ", late) + " did not take the change within "
                    + LANE_ANSWER_NS / 1_000_000_000L + " s (stuck or overloaded); the first loop applied it, and"
                    + " the others will when they turn again");
        }
    }
}
