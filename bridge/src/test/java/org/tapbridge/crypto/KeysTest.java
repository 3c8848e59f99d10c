package org.tapbridge.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class KeysTest {
    @Test
    void derivesThePublicKeyOfRfc7748Section6() {
        // Alice's key pair from RFC 7748, section 6.1.
        byte[] privateKey = HexFormat.of().parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        assertEquals("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
                HexFormat.of().formatHex(Keys.publicFromPrivate(privateKey)));
    }

    @Test
    void generatesClampedKeysThatRoundTripThroughBase64() {
        byte[] key = Keys.generatePrivate(BackToBack.seeded(3));
        assertEquals(0, key[0] & 7);
        assertEquals(64, key[31] & 0xC0);
        String text = Keys.encode(key);
        assertEquals(44, text.length());
        assertArrayEquals(key, Keys.parsePrivate(text, "test"));
    }

    @Test
    void namesTheSettingInParseErrors() {
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                () -> Keys.parsePublic("%%%", "peer berlin public-key"));
        assertTrue(bad.getMessage().startsWith("peer berlin public-key is not valid base64"), bad.getMessage());
        IllegalArgumentException shortKey = assertThrows(IllegalArgumentException.class,
                () -> Keys.parsePublic("AAAA", "peer berlin public-key"));
        assertEquals("peer berlin public-key decodes to 3 bytes, expected 32 (44 base64 characters)",
                shortKey.getMessage());
        IllegalArgumentException zero = assertThrows(IllegalArgumentException.class,
                () -> Keys.parsePublic(Keys.encode(new byte[32]), "peer berlin public-key"));
        assertTrue(zero.getMessage().contains("all zero"), zero.getMessage());
    }

    @Test
    void refusesAPeerWithTheSitesOwnKeyOrADuplicateKey() {
        byte[] own = Keys.generatePrivate(BackToBack.seeded(1));
        PeerCrypto crypto = BackToBack.crypto(own, SessionSettings.defaults(), m -> { }, BackToBack.seeded(2),
                () -> 0L);
        IllegalArgumentException self = assertThrows(IllegalArgumentException.class,
                () -> crypto.addPeer("loop", Keys.publicFromPrivate(own), null));
        assertTrue(self.getMessage().contains("peer loop has this site's own public key"), self.getMessage());
        byte[] other = Keys.publicFromPrivate(Keys.generatePrivate(BackToBack.seeded(9)));
        crypto.addPeer("berlin", other, null);
        IllegalArgumentException dup = assertThrows(IllegalArgumentException.class,
                () -> crypto.addPeer("paris", other, null));
        assertTrue(dup.getMessage().contains("peer paris has the same public-key as peer berlin"), dup.getMessage());
    }

    @Test
    void refusesALowOrderPublicKeyInTheHandshake() {
        // u = 1 has order 4 on Curve25519: its shared secret is all zero whatever the private key.
        byte[] lowOrder = new byte[32];
        lowOrder[0] = 1;
        assertThrows(CryptoException.class, () -> X25519.dh(Keys.generatePrivate(BackToBack.seeded(4)), lowOrder));
    }
}
