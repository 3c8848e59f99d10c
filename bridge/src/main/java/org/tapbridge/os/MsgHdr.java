package org.tapbridge.os;

import static org.tapbridge.os.NativeSockets.MEMORY;

/**
 * Layouts of {@code struct mmsghdr}, {@code struct msghdr}, {@code struct iovec} and {@code struct cmsghdr}
 * on 64-bit Linux, pinned by {@code StructLayoutTest}; plus the CMSG_* arithmetic of {@code <sys/socket.h>}.
 *
 * <pre>
 * struct mmsghdr (64 bytes)                      struct iovec (16 bytes)
 *  0        8          16       24        32     +-----------+-----------+
 * +--------+----------+--------+---------+       | iov_base  | iov_len   |
 * |msg_name|msg_namelen|msg_iov|msg_iovlen|       | 0  (ptr)  | 8 (size_t)|
 * | (ptr)  |(u32 + pad)| (ptr)  |(size_t) |       +-----------+-----------+
 * +--------+----------+--------+---------+
 *  32           40              48          52     56        60    64
 * +------------+---------------+-----------+-----+---------+-----+
 * | msg_control| msg_controllen| msg_flags | pad | msg_len | pad |   msg_hdr ends at 56
 * |   (ptr)    |   (size_t)    |   (int)   |     |  (u32)  |     |
 * +------------+---------------+-----------+-----+---------+-----+
 *
 * struct cmsghdr: cmsg_len (size_t, 0) | cmsg_level (int, 8) | cmsg_type (int, 12) | data from 16,
 * each one padded to a multiple of 8 (CMSG_SPACE).
 * </pre>
 */
final class MsgHdr {
    static final int MSG_NAME_OFFSET = 0;
    static final int MSG_NAMELEN_OFFSET = 8;
    static final int MSG_IOV_OFFSET = 16;
    static final int MSG_IOVLEN_OFFSET = 24;
    static final int MSG_CONTROL_OFFSET = 32;
    static final int MSG_CONTROLLEN_OFFSET = 40;
    static final int MSG_FLAGS_OFFSET = 48;
    static final int MSGHDR_SIZE = 56;
    static final int MSG_LEN_OFFSET = 56;
    static final int MMSGHDR_SIZE = 64;

    static final int IOV_BASE_OFFSET = 0;
    static final int IOV_LEN_OFFSET = 8;
    static final int IOVEC_SIZE = 16;

    static final int CMSG_LEN_OFFSET = 0;
    static final int CMSG_LEVEL_OFFSET = 8;
    static final int CMSG_TYPE_OFFSET = 12;
    /** CMSG_DATA(cmsg) - cmsg, which is also sizeof(struct cmsghdr). */
    static final int CMSG_DATA_OFFSET = 16;

    private MsgHdr() {
    }

    /** CMSG_ALIGN: rounds up to the size of size_t. */
    static long cmsgAlign(long length) {
        return (length + 7) & ~7L;
    }

    /** CMSG_SPACE(dataLength): what one control message with that payload occupies in the buffer. */
    static int cmsgSpace(int dataLength) {
        return CMSG_DATA_OFFSET + (int) cmsgAlign(dataLength);
    }

    /** CMSG_LEN(dataLength): the value of cmsg_len for that payload. */
    static int cmsgLen(int dataLength) {
        return CMSG_DATA_OFFSET + dataLength;
    }

    /**
     * Address of the data of the first control message with this level and type within
     * [control, control + controlLength), or 0 when there is none. Stops at a malformed header instead of
     * reading past the buffer, as CMSG_NXTHDR does.
     */
    static long findCmsg(long control, long controlLength, int level, int type) {
        long offset = 0;
        while (offset + CMSG_DATA_OFFSET <= controlLength) {
            long cmsg = control + offset;
            long length = MEMORY.getLong(cmsg + CMSG_LEN_OFFSET);
            if (length < CMSG_DATA_OFFSET || offset + length > controlLength) {
                return 0;
            }
            if (MEMORY.getInt(cmsg + CMSG_LEVEL_OFFSET) == level && MEMORY.getInt(cmsg + CMSG_TYPE_OFFSET) == type) {
                return cmsg + CMSG_DATA_OFFSET;
            }
            offset += cmsgAlign(length);
        }
        return 0;
    }
}
