package org.tapbridge.crypto;

/** The AES-256-GCM implementations an {@link Aead} can be; the names are those of {@code -Dtapbridge.aead}. */
public enum AeadKind {
    /** OpenSSL 3's libcrypto EVP interface through JNR-FFI, straight on direct memory. */
    OPENSSL("openssl"),
    /** The JDK's {@code AES/GCM/NoPadding}, on byte[] (direct buffers go through a heap scratch array). */
    JCE("jce");

    private final String label;

    AeadKind(String label) {
        this.label = label;
    }

    /** The lower-case name used by the system property, the log and the stats. */
    public String label() {
        return label;
    }

    static AeadKind ofLabel(String label) {
        for (AeadKind k : values()) {
            if (k.label.equals(label)) {
                return k;
            }
        }
        return null;
    }
}
