package org.tapbridge.os;

import java.io.IOException;

/**
 * A failed native socket call: the call as written in C, what it was applied to, the errno with its name
 * and text, and optionally what to do, e.g. {@code bind(198.18.0.1:4790): EADDRINUSE Address already in use}.
 */
public final class NativeIoException extends IOException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final String context;
    private final int errno;
    private final String explanation;

    NativeIoException(String call, String context, int errno) {
        this(call, context, errno, null);
    }

    /**
     * @param context     the address or descriptor the call was applied to, shown in parentheses; may be null
     * @param errno       0 when the failure was detected without a native error (a closed socket)
     * @param explanation cause or fix in plain words, appended after the errno; may be null
     */
    NativeIoException(String call, String context, int errno, String explanation) {
        super(format(call, context, errno, explanation));
        this.call = call;
        this.context = context;
        this.errno = errno;
        this.explanation = explanation;
    }

    /** The native call that failed, with C names: {@code bind}, {@code setsockopt(SO_RCVBUF)}. */
    public String call() {
        return call;
    }

    /** What the call was applied to ({@code 198.18.0.1:4790}, {@code fd 12}); may be null. */
    public String context() {
        return context;
    }

    /** The errno of the failed call; 0 when no native call failed. */
    public int errno() {
        return errno;
    }

    /** The symbolic errno name, e.g. {@code EADDRINUSE}; empty when errno is 0. */
    public String errnoName() {
        return errno == 0 ? "" : Errno.name(errno);
    }

    /** The cause or fix in plain words; may be null. */
    public String explanation() {
        return explanation;
    }

    private static String format(String call, String context, int errno, String explanation) {
        StringBuilder sb = new StringBuilder(120).append(call);
        if (context != null) {
            sb.append('(').append(context).append(')');
        }
        sb.append(':');
        if (errno != 0) {
            sb.append(' ').append(Errno.name(errno)).append(' ').append(NativeSockets.strerror(errno));
        }
        if (explanation != null && !explanation.isEmpty()) {
            sb.append(errno != 0 ? "; " : " ").append(explanation);
        }
        return sb.toString();
    }
}
