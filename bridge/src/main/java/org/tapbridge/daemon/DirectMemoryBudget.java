package org.tapbridge.daemon;

import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.tapbridge.config.PeerConfig;
import org.tapbridge.config.SiteConfig;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.TransportCipher;
import org.tapbridge.link.LinkMemory;
import org.tapbridge.mtu.FragmentHeader;
import org.tapbridge.mtu.TooBigReply;
import org.tapbridge.offload.FlowCoalescer;
import org.tapbridge.pipeline.DataPathLoop;
import org.tapbridge.pipeline.FrameSizes;
import org.tapbridge.pipeline.FrameSlot;

/**
 * The direct memory one site allocates, in bytes and part by part, worked out from its TAP and its config
 * before any of it is allocated, and the check that it fits the JVM's limit. This is also where the site's
 * frame sizes are decided (largest frame, largest read), so the budget and the buffers cannot disagree.
 * Start-up only.
 */
public final class DirectMemoryBudget {
    /** The launcher's setting for {@code -XX:MaxDirectMemorySize} (scripts/tapbridge). */
    public static final String LAUNCHER_VARIABLE = "TAPBRIDGE_DIRECT_MEMORY";
    /**
     * Buffers too small to list and too many to track one by one: AEAD scratch for handshakes, ICMP
     * replies, the JDK's own socket temporaries for small writes. A few hundred KB in practice.
     */
    static final long SMALL_BUFFERS_BYTES = 1L << 20;
    /**
     * The control socket writes each answer from the heap, and the JDK copies the whole of it into a
     * temporary direct buffer first: {@code macs --json} is the longest, at most this much per MAC (an
     * indented JSON object with a 32-character peer name and 19-digit counters takes about 220).
     */
    static final long CONTROL_BYTES_PER_MAC = 256;

    /** One line of the budget. */
    public record Part(String name, long bytes) {
    }

    private final List<Part> parts;
    private final long totalBytes;
    private final int maxFrame;
    private final int largestRead;

    private DirectMemoryBudget(List<Part> parts, int maxFrame, int largestRead) {
        this.parts = List.copyOf(parts);
        this.totalBytes = parts.stream().mapToLong(Part::bytes).sum();
        this.maxFrame = maxFrame;
        this.largestRead = largestRead;
    }

    /**
     * @param tapMtu              the opened TAP's MTU, at most {@link FrameSizes#MAX_TAP_MTU}
     * @param vnetHeaderLength    bytes of vnet header before each frame the TAP hands over, 0 without
     * @param minimumReadCapacity the TAP's {@code minimumReadCapacity()}: 64 KB and more with segmentation
     *                            offloads, whatever the MTU
     * @param controlSocket       whether the site answers on a control socket
     */
    public static DirectMemoryBudget forSite(SiteConfig config, int tapMtu, int vnetHeaderLength,
                                             int minimumReadCapacity, boolean controlSocket) {
        int maxFrame = FrameSizes.maxFrame(tapMtu);
        // With segmentation offloads a read may be a 64 KB super-frame, whatever the MTU; slots that big
        // also take what UDP GRO joins.
        int largestRead = Math.max(maxFrame, minimumReadCapacity - vnetHeaderLength);
        List<Part> parts = new ArrayList<>();
        int slotBytes = FrameSizes.slotBytesFor(largestRead);
        parts.add(new Part("frame ring (" + DataPathLoop.RING_SLOTS + " slots of " + slotBytes + " B)",
                (long) DataPathLoop.RING_SLOTS * slotBytes));
        parts.add(new Part("UDP send batch", LinkMemory.udpSendArenaBytes(maxFrame)));
        if (vnetHeaderLength > 0) {
            // TapPort's vnet scratch (sized for any MTU), the TCP coalescer, the super-frame cutter's segment.
            parts.add(new Part("TAP offload buffers",
                    vnetHeaderLength + (long) FrameSizes.maxFrame(FrameSizes.MAX_TAP_MTU)
                            + vnetHeaderLength + FlowCoalescer.MAX_FRAME_LENGTH
                            + FrameSlot.FRAME_OFFSET + maxFrame + TransportCipher.TAG_LENGTH));
        }
        // MtuGuard: an ICMP reply and one fragment.
        parts.add(new Part("MTU guard", TooBigReply.MAX_REPLY_LENGTH + (long) maxFrame + FragmentHeader.HEADER_LENGTH));
        long udpPeers = 0;
        long tcpPeers = 0;
        for (PeerConfig peer : config.peers()) {
            if (peer.transport() != Transport.UDP) {
                tcpPeers++;
            }
            if (peer.transport() != Transport.TCP) {
                // An auto peer holds both links at once.
                udpPeers++;
            }
        }
        if (udpPeers > 0) {
            parts.add(new Part(udpPeers + " UDP peer(s)", udpPeers * LinkMemory.udpPeerBytes(maxFrame)));
        }
        if (tcpPeers > 0) {
            parts.add(new Part(tcpPeers + " TCP peer(s)", tcpPeers * LinkMemory.tcpPeerBytes()));
        }
        if (config.queues() > 1) {
            // Every further loop has its own ring, send batch, offload buffers, MTU guard and UDP links.
            long perLoop = 0;
            for (Part part : parts) {
                if (!part.name().contains("TCP")) {
                    perLoop += part.bytes();
                }
            }
            parts.add(new Part((config.queues() - 1) + " further loop(s) ([site] queues)",
                    (config.queues() - 1) * perLoop));
        }
        parts.add(new Part("TCP listener", LinkMemory.tcpPendingBytes()));
        if (controlSocket) {
            parts.add(new Part("control socket answers (mac-table-limit "
                    + config.switchSettings().macTableLimit() + ")",
                    config.switchSettings().macTableLimit() * CONTROL_BYTES_PER_MAC));
        }
        parts.add(new Part("small buffers", SMALL_BUFFERS_BYTES));
        return new DirectMemoryBudget(parts, maxFrame, largestRead);
    }

    /** The largest Ethernet frame the site carries. */
    public int maxFrame() {
        return maxFrame;
    }

    /** The largest single read from the TAP or the UDP socket, which a ring slot must hold. */
    public int largestRead() {
        return largestRead;
    }

    public List<Part> parts() {
        return parts;
    }

    public long totalBytes() {
        return totalBytes;
    }

    /** Bytes of the part whose name starts with {@code prefix}, 0 if none. */
    public long bytesOf(String prefix) {
        return parts.stream().filter(p -> p.name().startsWith(prefix)).mapToLong(Part::bytes).sum();
    }

    /**
     * The JVM's direct memory limit: {@code -XX:MaxDirectMemorySize}, or the heap's maximum when that is 0
     * (unset), as the JDK itself decides.
     */
    public static long jvmLimitBytes() {
        return JvmLimit.BYTES;
    }

    /** Asked once: the limit is fixed for the JVM's life, and every site (the warm-up's too) checks it. */
    private static final class JvmLimit {
        static final long BYTES = read();
    }

    private static long read() {
        try {
            HotSpotDiagnosticMXBean hotspot = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            long bytes = Long.parseLong(hotspot.getVMOption("MaxDirectMemorySize").getValue());
            if (bytes > 0) {
                return bytes;
            }
        } catch (RuntimeException | LinkageError e) {
            // Not HotSpot, no such option, or a runtime image without jdk.management: the JDK's default rule.
        }
        return Runtime.getRuntime().maxMemory();
    }

    /**
     * Fails, naming the biggest parts and what to change, unless the budget fits {@code limitBytes}: better
     * a clear refusal at start than an OutOfMemoryError from some buffer, at start or at the first
     * {@code macs}.
     */
    public void requireWithin(String site, long limitBytes) throws DirectMemoryException {
        if (totalBytes <= limitBytes) {
            return;
        }
        List<Part> biggest = new ArrayList<>(parts);
        biggest.sort(Comparator.comparingLong(Part::bytes).reversed());
        StringBuilder sb = new StringBuilder();
        sb.append("site ").append(site).append(" needs ").append(mib(totalBytes)).append(" of direct memory (");
        for (int i = 0; i < Math.min(3, biggest.size()); i++) {
            Part p = biggest.get(i);
            sb.append(i == 0 ? "" : ", ").append(p.name()).append(' ').append(mib(p.bytes()));
        }
        sb.append(", ...), more than the JVM's limit of ").append(mib(limitBytes))
                .append(" (-XX:MaxDirectMemorySize). Raise the limit: ").append(LAUNCHER_VARIABLE).append('=')
                .append(suggestedMegabytes()).append("m for the tapbridge launcher (in the unit: Environment=")
                .append(LAUNCHER_VARIABLE).append('=').append(suggestedMegabytes()).append("m), or ")
                .append("-XX:MaxDirectMemorySize=").append(suggestedMegabytes()).append("m for java; or need less: ")
                .append("a smaller [site] mtu, offloads = false (64 KB ring slots otherwise), fewer TCP peers, ")
                .append("a smaller [switch] mac-table-limit");
        throw new DirectMemoryException(sb.toString());
    }

    /** A quarter more than needed, in whole 64 MiB steps: room for what the JDK adds without counting. */
    long suggestedMegabytes() {
        long mib = (totalBytes + totalBytes / 4 + (1 << 20) - 1) >> 20;
        return (mib + 63) / 64 * 64;
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(mib(totalBytes)).append(':');
        for (Part p : parts) {
            sb.append(' ').append(p.name()).append(' ').append(p.bytes()).append(" B;");
        }
        return sb.toString();
    }
}
