/**
 * ARP and IPv6 neighbour-discovery suppression: flyweights over ARP packets and NS/NA messages, the table of
 * IP-to-MAC bindings learned from them, and the policy that answers requests for hosts at other sites from
 * that table. Pure Java, no I/O. The data-path thread owns all of it; nothing allocates per frame.
 */
package org.tapbridge.neighbor;
