package org.tapbridge.mtu;

/**
 * The first byte of a tunnel control payload, which says what follows. Constants only.
 *
 * <p>Types 1 and 2 belong to path-MTU probing, which is defined elsewhere; they are listed here so that
 * the numbers are taken in one place.
 */
public final class ControlType {
    /** A padded probe that measures the path MTU to a peer. */
    public static final int PATH_MTU_PROBE = 1;
    /** The answer to a {@link #PATH_MTU_PROBE}, naming the size that arrived. */
    public static final int PATH_MTU_PROBE_ACK = 2;
    /** One piece of a frame too long for one tunnel message; laid out in {@link FragmentHeader}. */
    public static final int FRAGMENT = 3;

    private ControlType() {
    }
}
