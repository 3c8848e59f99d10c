package org.tapbridge.crypto;

/**
 * The one place that decides which {@link Aead} the daemon seals and opens with: OpenSSL when its
 * libcrypto loads, otherwise the JDK's, unless {@code -Dtapbridge.aead=openssl|jce} forces one (for
 * measurements; forcing OpenSSL where it cannot load is a start-up error). Decided once per JVM, at the
 * first use. Thread-safe.
 */
public final class Aeads {
    /** The system property: {@code auto} (the default), {@code openssl} or {@code jce}. */
    public static final String PROPERTY = "tapbridge.aead";

    /** What was chosen and why, for the start-up log and the stats. */
    public record Selection(AeadKind kind, String reason) {
        /** One line for the log: "AES-256-GCM: openssl (OpenSSL 3.0.19 27 Jan 2026 through JNR-FFI)". */
        public String describe() {
            return "AES-256-GCM: " + kind.label() + " (" + reason + ")";
        }
    }

    private Aeads() {
    }

    /** The daemon's choice; throws IllegalArgumentException for a bad or unsatisfiable property value. */
    public static Selection selected() {
        if (Holder.SELECTION == null) {
            throw new IllegalArgumentException(Holder.ERROR);
        }
        return Holder.SELECTION;
    }

    /** A sealer of the daemon's kind. */
    public static Aead sealer(byte[] key) {
        return sealer(selected().kind(), key);
    }

    /** An opener of the daemon's kind. */
    public static Aead opener(byte[] key) {
        return opener(selected().kind(), key);
    }

    public static Aead sealer(AeadKind kind, byte[] key) {
        return kind == AeadKind.OPENSSL ? OpenSslAead.sealer(key) : JceAead.sealer(key);
    }

    public static Aead opener(AeadKind kind, byte[] key) {
        return kind == AeadKind.OPENSSL ? OpenSslAead.opener(key) : JceAead.opener(key);
    }

    /** Null when {@link AeadKind#OPENSSL} can be used in this JVM, otherwise why not. */
    public static String openSslUnavailableCause() {
        return NativeCrypto.unavailableCause();
    }

    /**
     * The rule itself, apart from the JVM's state: {@code requested} is the property's value (null when
     * unset), {@code openSslCause} null when libcrypto loaded, {@code openSslVersion} its version string.
     */
    static Selection select(String requested, String openSslCause, String openSslVersion) {
        String value = requested == null ? "auto" : requested.trim().toLowerCase(java.util.Locale.ROOT);
        String viaJnr = openSslVersion + " through JNR-FFI";
        if (value.equals("auto")) {
            return openSslCause == null
                    ? new Selection(AeadKind.OPENSSL, viaJnr)
                    : new Selection(AeadKind.JCE, "the JDK's; OpenSSL is unavailable: " + openSslCause);
        }
        AeadKind kind = AeadKind.ofLabel(value);
        if (kind == null) {
            throw new IllegalArgumentException(PROPERTY + "=" + requested + " is not one of auto, openssl, jce");
        }
        if (kind == AeadKind.JCE) {
            return new Selection(AeadKind.JCE, "the JDK's, forced by -D" + PROPERTY + "=jce");
        }
        if (openSslCause != null) {
            throw new IllegalArgumentException(PROPERTY + "=openssl, but " + openSslCause);
        }
        return new Selection(AeadKind.OPENSSL, viaJnr + ", forced by -D" + PROPERTY + "=openssl");
    }

    /** Lazy: the choice, and the libcrypto probe behind it, happen at the first use, not at class loading. */
    private static final class Holder {
        static final Selection SELECTION;
        /** Why there is no selection: kept, so every caller gets the message rather than NoClassDefFoundError. */
        static final String ERROR;

        static {
            Selection selection = null;
            String error = null;
            try {
                selection = select(System.getProperty(PROPERTY), NativeCrypto.unavailableCause(),
                        NativeCrypto.version());
            } catch (IllegalArgumentException e) {
                error = e.getMessage();
            }
            SELECTION = selection;
            ERROR = error;
        }
    }
}
