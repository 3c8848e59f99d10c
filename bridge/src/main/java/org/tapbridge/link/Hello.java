package org.tapbridge.link;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Body of a HELLO message: who is speaking, and whether an answer is wanted.
 *
 * <pre>
 * +-------------+-------------+------------------------------+
 * | Flags (1 B) | Length (1 B)| Site name (Length bytes)     |
 * +-------------+-------------+------------------------------+
 * </pre>
 */
final class Hello {
    static final int FLAG_REPLY_WANTED = 0x01;
    static final int FLAGS_OFFSET = WireHeader.LENGTH;
    static final int NAME_LENGTH_OFFSET = FLAGS_OFFSET + 1;
    static final int NAME_OFFSET = NAME_LENGTH_OFFSET + 1;
    static final int MAX_NAME = 32;

    private Hello() {
    }

    /** Writes a whole HELLO message at index 0; returns its length. */
    static int write(ByteBuffer buffer, byte[] siteName, boolean replyWanted) {
        WireHeader.write(buffer, 0, WireHeader.TYPE_HELLO);
        buffer.put(FLAGS_OFFSET, (byte) (replyWanted ? FLAG_REPLY_WANTED : 0));
        buffer.put(NAME_LENGTH_OFFSET, (byte) siteName.length);
        buffer.put(NAME_OFFSET, siteName);
        return NAME_OFFSET + siteName.length;
    }

    /** The name in a HELLO of {@code length} bytes at {@code offset}, or null when malformed. */
    static String name(ByteBuffer buffer, int offset, int length) {
        if (length < NAME_OFFSET) {
            return null;
        }
        int nameLength = buffer.get(offset + NAME_LENGTH_OFFSET) & 0xff;
        if (nameLength == 0 || nameLength > MAX_NAME || NAME_OFFSET + nameLength != length) {
            return null;
        }
        byte[] bytes = new byte[nameLength];
        buffer.get(offset + NAME_OFFSET, bytes);
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    static boolean replyWanted(ByteBuffer buffer, int offset) {
        return (buffer.get(offset + FLAGS_OFFSET) & FLAG_REPLY_WANTED) != 0;
    }
}
