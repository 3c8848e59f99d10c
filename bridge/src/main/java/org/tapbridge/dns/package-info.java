/**
 * Host names of peers, looked up off the data path: {@link org.tapbridge.dns.EndpointResolver} owns the
 * {@code resolver} thread, which retries a name that does not resolve, looks every name up again now and
 * then (dynamic DNS), and hands each new address to the data-path loop through its mailbox.
 */
package org.tapbridge.dns;
