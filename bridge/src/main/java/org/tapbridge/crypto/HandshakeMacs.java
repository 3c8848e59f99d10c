package org.tapbridge.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * WireGuard's two MACs around the handshake messages, on the suite's own primitives (HMAC-SHA256
 * truncated to 16 bytes, SHA-256, AES-256-GCM), and the cookies behind {@code mac2}. They wrap the Noise
 * messages and change nothing inside them. Owned by the thread that owns {@link PeerCrypto}.
 *
 * <ul>
 *   <li>{@code mac1} = MAC(key = SHA-256("mac1----" || responder's static public key), message up to
 *       mac1). Checked before any rate limiting or X25519 work: only those who know the public key of the
 *       site they write to get past it, so a scan of the port costs one HMAC per datagram.</li>
 *   <li>A responder under load asks for {@code mac2} = MAC(key = cookie, message up to mac2), where
 *       cookie = MAC(key = a random secret replaced every two minutes, source IP address || port). It
 *       sends the cookie in a COOKIE_REPLY to the source address, so only a sender that receives there
 *       can get it: spoofers of a peer's address cannot spend the tokens of the buckets they hit.</li>
 *   <li>The cookie travels under AES-256-GCM keyed by SHA-256("cookie--" || responder's public key), with
 *       the initiation's mac1 as associated data, so it is accepted only by whoever sent that initiation.
 *       That key never changes, so each reply draws a 24-byte random nonce, as XChaCha20 does: the first
 *       16 bytes choose a one-time subkey (HMAC-SHA256 of them under the cookie key), the last 8 are the
 *       GCM counter. Random 96-bit GCM nonces under one key would risk a repeat after about 2^32 replies,
 *       which a flood could ask for.</li>
 * </ul>
 */
final class HandshakeMacs {
    static final int MAC_LENGTH = 16;
    static final int COOKIE_LENGTH = 16;
    /** WireGuard's REKEY_AFTER_TIME: the responder's cookie secret is replaced this often. */
    static final long COOKIE_SECRET_LIFETIME_NS = TimeUnit.SECONDS.toNanos(120);
    /** An initiator uses a cookie this long; after that the secret that made it is gone (WireGuard's value). */
    static final long COOKIE_LIFETIME_NS = COOKIE_SECRET_LIFETIME_NS;
    private static final byte[] LABEL_MAC1 = "mac1----".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LABEL_COOKIE = "cookie--".getBytes(StandardCharsets.US_ASCII);
    private static final int SUBKEY_NONCE_BYTES = 16;

    private final byte[] mac1Key;
    private final byte[] cookieKey;
    private final SecureRandom random;
    private final Mac hmac;
    private final byte[] secret = new byte[32];
    private long secretBornNs;
    private boolean secretSet;
    private final byte[] scratch = new byte[HandshakeInitiation.LENGTH];
    private final byte[] address = new byte[HandshakeSource.MAX_ADDRESS_BYTES];
    private final ByteBuffer reply = ByteBuffer.allocate(CookieReply.LENGTH);

    /** For the site whose static public key is {@code localPublicKey}: it verifies mac1 and hands out cookies. */
    /** The lane cookie replies name: the initiating loop's, which is also this one's. */
    private final int lane;

    HandshakeMacs(byte[] localPublicKey, SecureRandom random) {
        this(localPublicKey, random, 0);
    }

    HandshakeMacs(byte[] localPublicKey, SecureRandom random, int lane) {
        this.lane = lane;
        this.mac1Key = mac1Key(localPublicKey);
        this.cookieKey = cookieKey(localPublicKey);
        this.random = random;
        try {
            this.hmac = Mac.getInstance("HmacSHA256");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's HmacSHA256 is unusable", e);
        }
    }

    /** The key of mac1 on messages to the site with this public key. */
    static byte[] mac1Key(byte[] publicKey) {
        return labelled(LABEL_MAC1, publicKey);
    }

    /** The key cookies from the site with this public key are encrypted under. */
    static byte[] cookieKey(byte[] publicKey) {
        return labelled(LABEL_COOKIE, publicKey);
    }

    /** Whether the message at {@code buf[offset...]} carries the mac1 of a message to this site. */
    boolean mac1Valid(ByteBuffer buf, int offset, int mac1Offset) {
        byte[] expected = mac(mac1Key, buf, offset, mac1Offset);
        return equalAt(expected, buf, offset + mac1Offset);
    }

    /** Writes mac1 for the site whose {@link #mac1Key} is {@code key}, over {@code message[0, mac1Offset)}. */
    void writeMac1(byte[] key, ByteBuffer message, int mac1Offset) {
        message.put(mac1Offset, mac(key, message, 0, mac1Offset), 0, MAC_LENGTH);
    }

    /** Writes mac2 under {@code cookie} over {@code message[0, mac2Offset)}, or zeros without a cookie. */
    void writeMac2(byte[] cookie, ByteBuffer message, int mac2Offset) {
        byte[] mac = cookie == null ? new byte[MAC_LENGTH] : mac(cookie, message, 0, mac2Offset);
        message.put(mac2Offset, mac, 0, MAC_LENGTH);
    }

    /** Whether the initiation carries the mac2 of the cookie this site would give its source now. */
    boolean mac2Valid(ByteBuffer buf, int offset, HandshakeSource source, long nowNs) {
        if (!source.hasAddress() || !secretSet || nowNs - secretBornNs >= COOKIE_SECRET_LIFETIME_NS) {
            // No secret, or an expired one: nobody holds a cookie that is still good.
            return false;
        }
        byte[] expected = mac(cookieFor(source), buf, offset, HandshakeInitiation.MAC2_OFFSET);
        return equalAt(expected, buf, offset + HandshakeInitiation.MAC2_OFFSET);
    }

    /**
     * A COOKIE_REPLY to the initiation at {@code buf[offset...]} from {@code source}; valid until the next
     * call (one buffer, reused).
     */
    ByteBuffer cookieReply(ByteBuffer buf, int offset, HandshakeSource source, long nowNs) {
        if (!secretSet || nowNs - secretBornNs >= COOKIE_SECRET_LIFETIME_NS) {
            random.nextBytes(secret);
            secretBornNs = nowNs;
            secretSet = true;
        }
        byte[] cookie = cookieFor(source);
        reply.clear();
        WireFormat.writePrefix(reply, 0, WireFormat.TYPE_COOKIE_REPLY, lane);
        reply.put(CookieReply.MAC1_OFFSET, buf, offset + HandshakeInitiation.MAC1_OFFSET, MAC_LENGTH);
        byte[] nonce = new byte[CookieReply.NONCE_LENGTH];
        random.nextBytes(nonce);
        reply.put(CookieReply.NONCE_OFFSET, nonce);
        byte[] subkey = subkey(cookieKey, nonce);
        try (Aead sealer = JceAead.sealer(subkey)) {
            sealer.seal(counterOf(nonce), reply, CookieReply.MAC1_OFFSET, MAC_LENGTH, ByteBuffer.wrap(cookie), 0,
                    COOKIE_LENGTH, reply, CookieReply.COOKIE_OFFSET);
        } finally {
            Secrets.wipe(subkey);
        }
        return reply.limit(CookieReply.LENGTH);
    }

    /**
     * The cookie in the COOKIE_REPLY at {@code buf[offset...]}, from the site whose {@link #cookieKey} is
     * {@code key}, answering the initiation whose mac1 was {@code mac1}; null when it does not authenticate.
     */
    static byte[] openCookieReply(byte[] key, byte[] mac1, ByteBuffer buf, int offset) {
        byte[] nonce = new byte[CookieReply.NONCE_LENGTH];
        buf.get(offset + CookieReply.NONCE_OFFSET, nonce);
        byte[] sealed = new byte[COOKIE_LENGTH + Aead.TAG_LENGTH];
        buf.get(offset + CookieReply.COOKIE_OFFSET, sealed);
        byte[] cookie = new byte[COOKIE_LENGTH];
        byte[] subkey = subkey(key, nonce);
        try (Aead opener = JceAead.opener(subkey)) {
            int n = opener.open(counterOf(nonce), ByteBuffer.wrap(mac1), 0, MAC_LENGTH, ByteBuffer.wrap(sealed), 0,
                    sealed.length, ByteBuffer.wrap(cookie), 0);
            return n == COOKIE_LENGTH ? cookie : null;
        } finally {
            Secrets.wipe(subkey);
        }
    }

    /** Erases the cookie secret, best effort (see {@link Secrets}); no cookie is valid after. */
    void destroy() {
        Secrets.wipe(secret);
        secretSet = false;
    }

    private byte[] cookieFor(HandshakeSource source) {
        int n = source.writeAddress(address);
        try {
            hmac.init(new SecretKeySpec(secret, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 refused a 32-byte key", e);
        }
        hmac.update(address, 0, n);
        return Arrays.copyOf(hmac.doFinal(), COOKIE_LENGTH);
    }

    /** HMAC-SHA256 of {@code buf[offset, +length)} truncated to 16 bytes. */
    private byte[] mac(byte[] key, ByteBuffer buf, int offset, int length) {
        buf.get(offset, scratch, 0, length);
        try {
            hmac.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 refused a key", e);
        }
        hmac.update(scratch, 0, length);
        return hmac.doFinal();
    }

    /** Constant time, so a forger learns nothing from how long a refusal takes. */
    private static boolean equalAt(byte[] expected, ByteBuffer buf, int at) {
        int diff = 0;
        for (int i = 0; i < MAC_LENGTH; i++) {
            diff |= expected[i] ^ buf.get(at + i);
        }
        return diff == 0;
    }

    private static byte[] subkey(byte[] key, byte[] nonce) {
        return Hkdf.hmac(key, Arrays.copyOf(nonce, SUBKEY_NONCE_BYTES));
    }

    private static long counterOf(byte[] nonce) {
        return ByteBuffer.wrap(nonce, SUBKEY_NONCE_BYTES, 8).getLong();
    }

    private static byte[] labelled(byte[] label, byte[] publicKey) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(label);
            sha.update(publicKey);
            return sha.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's SHA-256 is unusable", e);
        }
    }
}
