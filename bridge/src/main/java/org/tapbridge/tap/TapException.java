package org.tapbridge.tap;

import java.io.IOException;

/**
 * A failed native call on a TAP device: which device, which call, the errno with its text, and the
 * cause and fix in plain words, e.g. {@code ioctl(TUNSETIFF) on tap0: Operation not permitted (EPERM).
 * tap0 belongs to uid 1000 ...}.
 */
public final class TapException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String device;
    private final String call;
    private final int errno;
    private final String explanation;

    /**
     * @param errno       0 when the failure was found without a native error (a sysfs check, a probe)
     * @param errnoText   the C library's text for errno; null to look it up (or when errno is 0)
     * @param explanation cause and fix in plain words; may be null when errno says it all
     */
    TapException(String device, String call, int errno, String errnoText, String explanation) {
        super(format(device, call, errno, errnoText, explanation));
        this.device = device;
        this.call = call;
        this.errno = errno;
        this.explanation = explanation;
    }

    /** The interface name as requested (or as the kernel named it). */
    public String device() {
        return device;
    }

    /** The native call that failed, as written in C: {@code ioctl(TUNSETIFF)}, {@code open(/dev/net/tun)}. */
    public String call() {
        return call;
    }

    /** The errno of the failed call, 0 when the failure was detected before any call failed. */
    public int errno() {
        return errno;
    }

    /** The cause and the fix in plain words, without the call and errno prefix; may be null. */
    public String explanation() {
        return explanation;
    }

    private static String format(String device, String call, int errno, String errnoText, String explanation) {
        StringBuilder sb = new StringBuilder(160).append(call).append(" on ").append(device).append(':');
        if (errno != 0) {
            String text = errnoText != null ? errnoText : NativeLibC.strerror(errno);
            sb.append(' ').append(text).append(" (").append(LinuxConstants.errnoName(errno)).append(')');
        }
        if (explanation != null && !explanation.isEmpty()) {
            sb.append(errno != 0 ? ". " : " ").append(explanation);
        }
        return sb.toString();
    }
}
