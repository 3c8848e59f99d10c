package org.tapbridge.link;

import org.tapbridge.crypto.WireFormat;
import org.tapbridge.mtu.FragmentReassembler;

/**
 * The direct memory the links of one site allocate when they are built, computed from the same constants
 * the links allocate with, so that the daemon can check its whole budget before it allocates any of it.
 * Upper bounds: a link that allocates lazily takes at most this.
 */
public final class LinkMemory {
    private LinkMemory() {
    }

    /** The UDP send arena: {@link UdpTransport#TX_MESSAGES} sealed messages of the largest frame. */
    public static long udpSendArenaBytes(int maxFrame) {
        return (long) UdpTransport.TX_MESSAGES * (WireFormat.DATA_OVERHEAD + maxFrame);
    }

    /** One UDP peer: its path-MTU probe buffer and its fragment reassembly slots. */
    public static long udpPeerBytes(int maxFrame) {
        return ProbeMessage.MAX_PROBE_PAYLOAD + (long) FragmentReassembler.DEFAULT_SLOTS * Math.max(2, maxFrame);
    }

    /** One TCP peer: a whole record to receive into, and the send buffer that absorbs a burst. */
    public static long tcpPeerBytes() {
        return TcpPeerLink.LENGTH_PREFIX + TcpPeerLink.MAX_MESSAGE + (long) TcpPeerLink.SEND_BUFFER_BYTES;
    }

    /** The TCP listener's first messages of connections not yet authenticated. */
    public static long tcpPendingBytes() {
        return (long) TcpTransport.MAX_PENDING * TcpTransport.FIRST_MESSAGE_BYTES;
    }
}
