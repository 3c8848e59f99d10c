/**
 * Authentication and encryption of peer links: the Noise IK/IKpsk2 handshake on JDK primitives, the
 * AES-GCM data path ({@link org.tapbridge.crypto.Aead}: OpenSSL's libcrypto through JNR where it loads, else
 * the JDK's; {@link org.tapbridge.crypto.Aeads} chooses), the replay window, and the per-peer session state
 * machine the link layer drives.
 *
 * <p>Nothing here starts threads or does I/O. {@link org.tapbridge.crypto.PeerCrypto} and everything it
 * owns belong to one thread (the link thread); the Noise classes are confined to whoever created them.
 */
package org.tapbridge.crypto;
