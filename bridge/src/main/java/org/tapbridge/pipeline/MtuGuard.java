package org.tapbridge.pipeline;

import java.nio.ByteBuffer;
import org.tapbridge.ethernet.EthernetFrame;
import org.tapbridge.inet.ClampResult;
import org.tapbridge.inet.TcpMssClamp;
import org.tapbridge.drops.DropReason;
import org.tapbridge.link.PeerLink;
import org.tapbridge.mtu.Fragmenter;
import org.tapbridge.mtu.TooBigReply;

/**
 * Keeps frames within what each peer link carries, so the WAN never fragments: clamps the MSS of TCP SYNs
 * crossing the bridge, and decides the fate of a frame still too big for its link (docs/mtu.md): IPv4
 * with DF and IPv6 are answered with ICMP "fragmentation needed" / ICMPv6 "packet too big", as a router
 * on the path would; anything else is split into tunnel fragments that the peer reassembles. Owned by the
 * data-path thread.
 */
public final class MtuGuard {
    /** ICMP errors are rate limited (RFC 4443 2.4f); a thousand a second is Linux's own global default. */
    static final long REPLIES_PER_SECOND = 1000;
    static final long REPLY_BURST = 50;

    private final TcpMssClamp clamp = new TcpMssClamp();
    private final TooBigReply replies = new TooBigReply();
    private final Fragmenter fragmenter = new Fragmenter(new java.security.SecureRandom().nextInt());
    private final ByteBuffer reply = ByteBuffer.allocateDirect(TooBigReply.MAX_REPLY_LENGTH);
    private final ByteBuffer fragment;
    private final TapPort tap;
    private final long costNs = 1_000_000_000L / REPLIES_PER_SECOND;
    private long replyCreditNs = REPLY_BURST * 1_000_000_000L / REPLIES_PER_SECOND;
    private long lastReplyNs;
    private long mssClamped;
    private long mssMalformed;
    private long icmpSent;
    private long icmpRateLimited;
    private long framesFragmented;
    private long fragmentsSent;
    private long tooBigDropped;

    /** @param maxFrame the largest frame the site carries: fragments are cut from frames up to this size */
    public MtuGuard(TapPort tap, int maxFrame) {
        this.tap = tap;
        this.fragment = ByteBuffer.allocateDirect(maxFrame + org.tapbridge.mtu.FragmentHeader.HEADER_LENGTH);
    }

    /**
     * Lowers the MSS option of a TCP SYN or SYN-ACK in the wrapped {@code frame} so a full segment, framed,
     * fits {@code maxFrameLength}. Cheap for everything else: a few header reads.
     */
    void clampMss(EthernetFrame frame, int maxFrameLength) {
        int result = clamp.clamp(frame, maxFrameLength);
        if (result == ClampResult.CLAMPED) {
            mssClamped++;
        } else if (result == ClampResult.MALFORMED) {
            mssMalformed++;
        }
    }

    /**
     * A frame bigger than {@code limit} on its way to {@code peer}; {@code ingressPeer} is where it came from
     * (null: the TAP), and where an ICMP answer goes.
     */
    void tooBig(PeerLink peer, PeerLink ingressPeer, ByteBuffer buf, int offset, int length, int limit, long nowNs) {
        int treatment = replies.classify(buf, offset, length, limit);
        if (treatment == TooBigReply.REPLY_IPV4 || treatment == TooBigReply.REPLY_IPV6) {
            answer(ingressPeer, buf, offset, length, limit, nowNs);
            return;
        }
        if (treatment == TooBigReply.FRAGMENT && fragment(peer, buf, offset, length, limit, nowNs)) {
            return;
        }
        tooBigDropped++;
        peer.counters().dropped(DropReason.OVERSIZED);
    }

    private void answer(PeerLink ingressPeer, ByteBuffer buf, int offset, int length, int limit, long nowNs) {
        if (!takeReplyToken(nowNs)) {
            icmpRateLimited++;
            return;
        }
        int n = replies.build(buf, offset, length, limit, reply, 0, reply.capacity());
        if (n <= 0) {
            tooBigDropped++;
            return;
        }
        icmpSent++;
        if (ingressPeer == null) {
            tap.write(reply, 0, n);
        } else if (n <= ingressPeer.maxFrameLength()) {
            ingressPeer.sendFrame(reply, 0, n, nowNs);
        }
    }

    private boolean fragment(PeerLink peer, ByteBuffer buf, int offset, int length, int limit, long nowNs) {
        int count = fragmenter.count(length, limit);
        if (count == 0 || !peer.isUp()) {
            return false;
        }
        int id = fragmenter.nextFrameId();
        for (int i = 0; i < count; i++) {
            int n = fragmenter.write(buf, offset, length, i, count, id, limit, fragment, 0);
            if (n == 0 || !peer.sendControl(fragment, 0, n, nowNs)) {
                return false;
            }
            fragmentsSent++;
        }
        framesFragmented++;
        return true;
    }

    private boolean takeReplyToken(long nowNs) {
        long burstNs = REPLY_BURST * costNs;
        replyCreditNs = Math.min(burstNs, replyCreditNs + Math.max(0, nowNs - lastReplyNs));
        lastReplyNs = nowNs;
        if (replyCreditNs < costNs) {
            return false;
        }
        replyCreditNs -= costNs;
        return true;
    }

    public long mssClamped() {
        return mssClamped;
    }

    public long mssMalformed() {
        return mssMalformed;
    }

    public long icmpSent() {
        return icmpSent;
    }

    public long icmpRateLimited() {
        return icmpRateLimited;
    }

    public long framesFragmented() {
        return framesFragmented;
    }

    public long fragmentsSent() {
        return fragmentsSent;
    }

    public long tooBigDropped() {
        return tooBigDropped;
    }
}
