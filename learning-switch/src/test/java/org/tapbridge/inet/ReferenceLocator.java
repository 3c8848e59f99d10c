package org.tapbridge.inet;

/**
 * Finds the TCP header in arbitrary frame bytes by the clamp's rules, written separately and plainly,
 * so that a randomized test knows which checksum a clamp had to keep valid.
 */
final class ReferenceLocator {
    private ReferenceLocator() {
    }

    /**
     * The layout of a frame whose headers lead to a complete 20-byte TCP header, or null: bad or
     * truncated tags, IP headers or extension headers, not TCP, or a later fragment.
     */
    static TestFrame locate(byte[] frame, int length) {
        if (length < 14) {
            return null;
        }
        int l2 = 14;
        int type = TestFrame.u16(frame, 12);
        if (type == 0x8100 || type == 0x88A8) {
            if (length < 18) {
                return null;
            }
            int vlanId = TestFrame.u16(frame, 14) & 0xFFF;
            type = TestFrame.u16(frame, 16);
            l2 = 18;
            if (type == 0x8100) {
                if (length < 22) {
                    return null;
                }
                type = TestFrame.u16(frame, 20);
                l2 = 22;
            }
            if (vlanId == 0xFFF) {
                return null;
            }
        }
        if (type == 0x0800) {
            return ipv4(frame, length, l2);
        }
        if (type == 0x86DD) {
            return ipv6(frame, length, l2);
        }
        return null;
    }

    private static TestFrame ipv4(byte[] frame, int length, int ip) {
        if (length - ip < 20) {
            return null;
        }
        int version = (frame[ip] & 0xF0) >> 4;
        int headerLength = (frame[ip] & 0x0F) * 4;
        int totalLength = TestFrame.u16(frame, ip + 2);
        boolean later = (TestFrame.u16(frame, ip + 6) & 0x1FFF) != 0;
        if (version != 4 || headerLength < 20 || totalLength < headerLength || ip + totalLength > length
                || later || frame[ip + 9] != 6 || totalLength - headerLength < 20) {
            return null;
        }
        return new TestFrame(frame, false, ip, ip, ip + headerLength, ip + totalLength);
    }

    private static TestFrame ipv6(byte[] frame, int length, int ip) {
        if (length - ip < 40 || (frame[ip] & 0xF0) != 0x60) {
            return null;
        }
        int end = ip + 40 + TestFrame.u16(frame, ip + 4);
        if (end > length) {
            return null;
        }
        int next = frame[ip + 6] & 0xFF;
        int at = ip + 40;
        int walked = 0;
        while (next != 6) {
            boolean known = next == 0 || next == 43 || next == 44 || next == 60; // not AH (51): left alone
            if (!known || walked == 8 || at + 8 > end) {
                return null;
            }
            int size;
            if (next == 44) {
                if ((TestFrame.u16(frame, at + 2) >> 3) != 0) {
                    return null;
                }
                size = 8;
            } else {
                size = 8 * ((frame[at + 1] & 0xFF) + 1);
            }
            if (at + size > end) {
                return null;
            }
            next = frame[at] & 0xFF;
            at += size;
            walked++;
        }
        if (end - at < 20) {
            return null;
        }
        return new TestFrame(frame, true, ip, ip, at, end);
    }
}
