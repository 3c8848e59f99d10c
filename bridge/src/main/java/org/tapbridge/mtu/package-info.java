/**
 * What happens to frames larger than the tunnel: ICMP/ICMPv6 too-big replies and tunnel fragmentation;
 * owned by the data-path thread.
 *
 * <p>A frame longer than a peer's {@code maxFrameLength} is first classified by
 * {@link org.tapbridge.mtu.TooBigReply}: IPv4 with DF and IPv6 are answered locally with "fragmentation
 * needed" / "Packet Too Big", as a router on the path would, so the sender's path-MTU discovery adapts;
 * everything else is cut by {@link org.tapbridge.mtu.Fragmenter} into {@link org.tapbridge.mtu.ControlType#FRAGMENT}
 * control messages, which the peer's {@link org.tapbridge.mtu.FragmentReassembler} puts back together.
 * Malformed frames are dropped and counted by the caller. See {@code docs/mtu.md}, "Frames larger than
 * the tunnel".
 *
 * <p>Nothing here allocates per frame, throws on bad input, or reads or changes a buffer's position,
 * limit or byte order: every index is absolute, every multi-byte field big-endian. Each object belongs to
 * one thread; counters are plain {@code long}s.
 */
package org.tapbridge.mtu;
