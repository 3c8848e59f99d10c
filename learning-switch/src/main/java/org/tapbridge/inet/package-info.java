/**
 * Flyweights and rewrites of IP/TCP headers inside Ethernet frames: the IPv4, IPv6 and TCP header
 * views, the Internet checksum, and the TCP MSS clamp.
 *
 * <p>Everything here is owned by the data-path thread that owns the frame buffer: there are no locks
 * and no volatile fields, and one instance must not be shared between threads. Nothing allocates
 * per frame and nothing throws on bad input; offsets are absolute indexes, and a buffer's position,
 * limit and byte order are never read or changed.
 */
package org.tapbridge.inet;
