/**
 * Ethernet header views and MAC address helpers.
 *
 * <p>Everything here is single-threaded: the data-path thread (the run-to-completion loop in the bridge) owns
 * every {@link org.tapbridge.ethernet.EthernetFrame} it wraps. MAC addresses travel as 48-bit
 * {@code long}s and are formatted only for people.
 */
package org.tapbridge.ethernet;
