package org.tapbridge.mtu;

import java.nio.ByteBuffer;

/**
 * Cuts a frame too long for one tunnel message into 2..{@link FragmentHeader#MAX_FRAGMENTS}
 * {@link ControlType#FRAGMENT} control payloads, in the manner of OpenVPN's {@code --fragment}. One per
 * sender, owned by the data-path thread that sends; it numbers frames with a wrapping u32 sequence.
 *
 * <p>Pieces are balanced: each carries {@code ceil(frameLength / count)} bytes but the last, which carries
 * the rest, so the count that fits also gives the smallest pieces. Never allocates, never throws on bad
 * input: impossible requests give 0.
 */
public final class Fragmenter {
    private final FragmentHeader header = new FragmentHeader();
    private int nextFrameId;

    /**
     * @param firstFrameId the id of the first frame; a random start keeps a restarted sender's frames
     *     from being mistaken for the partial frames of its previous run
     */
    public Fragmenter(int firstFrameId) {
        this.nextFrameId = firstFrameId;
    }

    /** A new frame id for the next frame to split; wraps after 2^32 frames. */
    public int nextFrameId() {
        return nextFrameId++;
    }

    /**
     * How many messages a frame of {@code frameLength} bytes needs when one message holds
     * {@code maxPayload} bytes of control payload (the 12-byte header plus the piece).
     *
     * @return 2..{@link FragmentHeader#MAX_FRAGMENTS}; never 1, since a fragmented frame has at least two
     *     pieces; 0 when it cannot be done (frame shorter than 2 or longer than 65535 bytes, no room for a
     *     byte after the header, or more than 64 pieces needed): drop and count the frame
     */
    public int count(int frameLength, int maxPayload) {
        int room = maxPayload - FragmentHeader.HEADER_LENGTH;
        if (frameLength < 2 || frameLength > FragmentHeader.MAX_TOTAL_LENGTH || room < 1) {
            return 0;
        }
        int count = Math.max(2, (frameLength - 1) / room + 1); // ceil without overflow for a huge room
        return count <= FragmentHeader.MAX_FRAGMENTS ? count : 0;
    }

    /**
     * Writes piece {@code index} of {@code count} of the frame at {@code [frameOffset, frameOffset +
     * frameLength)}: the header, then the piece, at absolute index {@code outOffset} of {@code out}.
     *
     * @param count as {@link #count} gave for this frame and {@code maxPayload}
     * @param frameId one id for all pieces of a frame, from {@link #nextFrameId}
     * @return bytes written (header plus piece, at most {@code maxPayload}), or 0 with nothing written when
     *     the arguments describe no valid piece: count outside 2..64, index not below count, a piece that
     *     would be empty or longer than {@code maxPayload} allows, a range outside its buffer, a read-only
     *     {@code out}, or {@code out} overlapping the frame
     */
    public int write(ByteBuffer frame, int frameOffset, int frameLength, int index, int count, int frameId,
                     int maxPayload, ByteBuffer out, int outOffset) {
        if (count < 2 || count > FragmentHeader.MAX_FRAGMENTS || index < 0 || index >= count
                || frameLength > FragmentHeader.MAX_TOTAL_LENGTH || !Bytes.inBounds(frame, frameOffset, frameLength)) {
            return 0;
        }
        int chunk = FragmentHeader.chunkLength(frameLength, count);
        if ((count - 1) * chunk >= frameLength || FragmentHeader.HEADER_LENGTH + chunk > maxPayload) {
            return 0;
        }
        int start = index * chunk;
        int pieceLength = Math.min(chunk, frameLength - start);
        int written = FragmentHeader.HEADER_LENGTH + pieceLength;
        if (!Bytes.inBounds(out, outOffset, written) || out.isReadOnly()
                || Bytes.overlap(frame, frameOffset, frameLength, out, outOffset, written)) {
            return 0;
        }
        header.wrap(out, outOffset).write(index, count, frameId, frameLength, start);
        out.put(outOffset + FragmentHeader.HEADER_LENGTH, frame, frameOffset + start, pieceLength);
        return written;
    }
}
