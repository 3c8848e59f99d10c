package org.tapbridge.os;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.kenai.jffi.MemoryIO;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.Test;

/**
 * Pins the struct layouts to what offsetof/sizeof printed on Linux x86_64 (aarch64 is the same): mmsghdr 64,
 * msghdr 56, iovec 16, sockaddr_in 16, sockaddr_in6 28, cmsghdr header 16, pollfd 8, sock_filter 8,
 * sock_fprog 16.
 */
class StructLayoutTest {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    @Test
    void msghdrIsFiftySixBytesInsideASixtyFourByteMmsghdr() {
        assertEquals(0, MsgHdr.MSG_NAME_OFFSET);
        assertEquals(8, MsgHdr.MSG_NAMELEN_OFFSET);
        assertEquals(16, MsgHdr.MSG_IOV_OFFSET);
        assertEquals(24, MsgHdr.MSG_IOVLEN_OFFSET);
        assertEquals(32, MsgHdr.MSG_CONTROL_OFFSET);
        assertEquals(40, MsgHdr.MSG_CONTROLLEN_OFFSET);
        assertEquals(48, MsgHdr.MSG_FLAGS_OFFSET);
        assertEquals(56, MsgHdr.MSGHDR_SIZE);
        assertEquals(56, MsgHdr.MSG_LEN_OFFSET);
        assertEquals(64, MsgHdr.MMSGHDR_SIZE);
    }

    @Test
    void iovecIsTwoWords() {
        assertEquals(0, MsgHdr.IOV_BASE_OFFSET);
        assertEquals(8, MsgHdr.IOV_LEN_OFFSET);
        assertEquals(16, MsgHdr.IOVEC_SIZE);
    }

    @Test
    void cmsgArithmeticMatchesTheCMacros() {
        assertEquals(0, MsgHdr.CMSG_LEN_OFFSET);
        assertEquals(8, MsgHdr.CMSG_LEVEL_OFFSET);
        assertEquals(12, MsgHdr.CMSG_TYPE_OFFSET);
        assertEquals(16, MsgHdr.CMSG_DATA_OFFSET);
        assertEquals(20, MsgHdr.cmsgLen(4)); // CMSG_LEN(sizeof(u32))
        assertEquals(24, MsgHdr.cmsgSpace(4)); // CMSG_SPACE(sizeof(u32))
        assertEquals(18, MsgHdr.cmsgLen(2)); // CMSG_LEN(sizeof(u16)), UDP_SEGMENT
        assertEquals(24, MsgHdr.cmsgSpace(2));
        assertEquals(16, MsgHdr.cmsgSpace(0));
    }

    @Test
    void controlBufferHoldsOverflowGroAndPktinfoMessages() {
        int rxqOvfl = MsgHdr.cmsgSpace(4);
        int udpGro = MsgHdr.cmsgSpace(4);
        int in6Pktinfo = MsgHdr.cmsgSpace(20);
        assertEquals(88, rxqOvfl + udpGro + in6Pktinfo);
        assertEquals(96, DatagramBatch.CONTROL_CAPACITY);
    }

    @Test
    void sockaddrInIsSixteenAndSockaddrIn6TwentyEightBytes() {
        assertEquals(0, SockAddr.FAMILY_OFFSET);
        assertEquals(2, SockAddr.PORT_OFFSET);
        assertEquals(4, SockAddr.IN_ADDR_OFFSET);
        assertEquals(16, SockAddr.IN_SIZE);
        assertEquals(4, SockAddr.IN6_FLOWINFO_OFFSET);
        assertEquals(8, SockAddr.IN6_ADDR_OFFSET);
        assertEquals(24, SockAddr.IN6_SCOPE_ID_OFFSET);
        assertEquals(28, SockAddr.IN6_SIZE);
        assertEquals(0, SockAddr.STORAGE_SIZE % 8, "slots keep 8-byte alignment");
    }

    @Test
    void pollfdIsEightBytes() {
        assertEquals(8, Poller.POLLFD_SIZE);
        assertEquals(0, Poller.FD_OFFSET);
        assertEquals(4, Poller.EVENTS_OFFSET);
        assertEquals(6, Poller.REVENTS_OFFSET);
    }

    @Test
    void sockFilterIsEightBytesAndSockFprogSixteen() {
        assertEquals(8, LaneSteering.SOCK_FILTER_SIZE);
        assertEquals(0, LaneSteering.CODE_OFFSET);
        assertEquals(2, LaneSteering.JT_OFFSET);
        assertEquals(3, LaneSteering.JF_OFFSET);
        assertEquals(4, LaneSteering.K_OFFSET);
        assertEquals(16, LaneSteering.SOCK_FPROG_SIZE);
        assertEquals(0, LaneSteering.FPROG_LEN_OFFSET);
        assertEquals(8, LaneSteering.FPROG_FILTER_OFFSET, "the pointer after the u16 len and its padding");
        assertEquals(16 + 4 * 8, LaneSteering.NATIVE_BYTES);
    }

    @Test
    void findsAControlMessageAfterAnotherAndStopsAtAMalformedOne() {
        Pointer p = NativeSockets.allocate(96);
        long a = p.address();
        // First: SOL_UDP/UDP_GRO with an int; second: SOL_SOCKET/SO_RXQ_OVFL with a u32.
        MEMORY.putLong(a, MsgHdr.cmsgLen(4));
        MEMORY.putInt(a + 8, SocketConstants.SOL_UDP);
        MEMORY.putInt(a + 12, SocketConstants.UDP_GRO);
        MEMORY.putInt(a + 16, 1400);
        long second = a + MsgHdr.cmsgSpace(4);
        MEMORY.putLong(second, MsgHdr.cmsgLen(4));
        MEMORY.putInt(second + 8, SocketConstants.SOL_SOCKET);
        MEMORY.putInt(second + 12, SocketConstants.SO_RXQ_OVFL);
        MEMORY.putInt(second + 16, 7);
        long total = 2L * MsgHdr.cmsgSpace(4);
        assertEquals(second + 16, MsgHdr.findCmsg(a, total, SocketConstants.SOL_SOCKET, SocketConstants.SO_RXQ_OVFL));
        assertEquals(a + 16, MsgHdr.findCmsg(a, total, SocketConstants.SOL_UDP, SocketConstants.UDP_GRO));
        assertEquals(0, MsgHdr.findCmsg(a, total, SocketConstants.SOL_UDP, SocketConstants.UDP_SEGMENT));
        assertEquals(0, MsgHdr.findCmsg(a, total - 5, SocketConstants.SOL_SOCKET, SocketConstants.SO_RXQ_OVFL),
                "a message running past the control length is not read");
        MEMORY.putLong(a, 3); // shorter than a header: the walk must stop, not loop
        assertEquals(0, MsgHdr.findCmsg(a, total, SocketConstants.SOL_SOCKET, SocketConstants.SO_RXQ_OVFL));
        java.lang.ref.Reference.reachabilityFence(p);
    }

    @Test
    void batchPointsEachMessageAtItsOwnIovecNameAndControl() {
        DatagramBatch batch = new DatagramBatch(3);
        long m0 = batch.message(0);
        long m1 = batch.message(1);
        assertEquals(64, m1 - m0);
        long iov1 = MEMORY.getAddress(m1 + MsgHdr.MSG_IOV_OFFSET);
        assertEquals(m0 + 3 * 64 + 16, iov1);
        assertEquals(1, MEMORY.getLong(m1 + MsgHdr.MSG_IOVLEN_OFFSET));
        long name1 = MEMORY.getAddress(m1 + MsgHdr.MSG_NAME_OFFSET);
        assertEquals(m0 + 3 * 64 + 3 * 16 + 32, name1);
        long control1 = MEMORY.getAddress(m1 + MsgHdr.MSG_CONTROL_OFFSET);
        assertEquals(m0 + 3 * 64 + 3 * 16 + 3 * 32 + 96, control1);
        batch.setBuffer(0, 0x2000, 100);
        batch.setBuffer(1, 0x1000, 1500);
        batch.setLength(1, 1300);
        assertEquals(0x1000, MEMORY.getAddress(iov1));
        assertEquals(1300, MEMORY.getLong(iov1 + 8));
        batch.prepareReceive(2);
        assertEquals(1500, MEMORY.getLong(iov1 + 8), "a receive offers the whole buffer again");
        assertEquals(SockAddr.STORAGE_SIZE, MEMORY.getInt(m1 + MsgHdr.MSG_NAMELEN_OFFSET));
        assertEquals(DatagramBatch.CONTROL_CAPACITY, MEMORY.getLong(m1 + MsgHdr.MSG_CONTROLLEN_OFFSET));
        batch.prepareSend(2);
        assertEquals(0, MEMORY.getLong(m1 + MsgHdr.MSG_CONTROLLEN_OFFSET), "no received control data is sent");
    }
}
