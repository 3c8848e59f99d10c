package org.tapbridge.os;

import static org.tapbridge.os.NativeSockets.MEMORY;

import com.kenai.jffi.MemoryIO;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Objects;
import jnr.ffi.Pointer;

/**
 * Native memory for up to {@link #capacity()} datagrams of one recvmmsg or sendmmsg call, allocated once:
 * the {@code struct mmsghdr} array, one iovec per message pointing at caller-given memory, name storage
 * for a sockaddr_in6 and a control buffer per message. Owned by one thread (the socket's loop thread).
 *
 * <pre>
 * one allocation, N = capacity:
 * +---------------------+------------------+-------------------+------------------------------+
 * | mmsghdr[N] (64 each)| iovec[N] (16 each)| name[N] (32 each) | control[N] (CONTROL_CAPACITY)|
 * +---------------------+------------------+-------------------+------------------------------+
 * message i: msg_name -> name[i], msg_iov -> iovec[i] (msg_iovlen 1), msg_control -> control[i]
 * </pre>
 *
 * <p>Receiving: set every buffer once with {@link #setBuffer}; after {@link UdpSocket#receive} read
 * {@link #length}, {@link #truncated} and the source. Sending: {@link #setBuffer} (or keep it),
 * {@link #setLength} and {@link #setTarget} for each message, then {@link UdpSocket#send}, then
 * {@link #status}. A receive resets the lengths to the buffer capacities, so set lengths after it.
 *
 * <p>Segmentation (UDP GSO): {@link #setSegmentSize} makes one message carry several datagrams of that
 * many bytes, laid end to end in its buffer (the last may be shorter), which the kernel sends as separate
 * datagrams. Coalescing (UDP GRO, {@link UdpOptions#gro}): after a receive,
 * {@link #receivedSegmentSize} says that a buffer holds several datagrams of one sender laid out the
 * same way; split it with {@link #segmentCount}.
 */
public final class DatagramBatch {
    /** sendmmsg processes at most UIO_MAXIOV (1024) messages per call; a larger batch would silently shrink. */
    public static final int MAX_CAPACITY = 1024;
    /**
     * Control buffer bytes per message: SO_RXQ_OVFL (CMSG_SPACE(4) = 24) plus room for UDP_GRO (24) and an
     * IPV6_PKTINFO (40) later, 88, rounded up to 96. A control message that does not fit sets MSG_CTRUNC.
     */
    public static final int CONTROL_CAPACITY = 96;
    /**
     * Most datagrams one segmented message should carry: the kernel's UDP_MAX_SEGMENTS, 64 in older kernels
     * and 128 in newer ones (6.18 refuses the 129th with EINVAL); 64 works on every kernel with UDP GSO.
     */
    public static final int MAX_SEGMENTS = 64;
    /** Largest UDP_SEGMENT value: the cmsg carries a u16. */
    public static final int MAX_SEGMENT_SIZE = 0xffff;

    private static final int SEGMENT_CMSG_SPACE = MsgHdr.cmsgSpace(Short.BYTES);

    private static final long NO_CONTROL_VALUE = -1;

    private final int capacity;
    private final Pointer memory; // keeps the allocation alive for as long as the batch
    private final long messages;
    private final long iovecs;
    private final long names;
    private final long controls;
    private final int[] bufferCapacities;
    private final int[] status;
    private final int[] segmentSizes;

    /** Allocates native memory for {@code capacity} (1..{@value #MAX_CAPACITY}) messages. */
    public DatagramBatch(int capacity) {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("batch capacity=" + capacity + (capacity < 1 ? " < 1" : " > "
                    + MAX_CAPACITY + " (UIO_MAXIOV, the most sendmmsg takes in one call)"));
        }
        String unavailable = NativeSockets.unavailableCause();
        if (unavailable != null) {
            throw new IllegalStateException(unavailable);
        }
        this.capacity = capacity;
        int bytes = capacity * (MsgHdr.MMSGHDR_SIZE + MsgHdr.IOVEC_SIZE + SockAddr.STORAGE_SIZE + CONTROL_CAPACITY);
        this.memory = NativeSockets.allocate(bytes);
        this.messages = memory.address();
        this.iovecs = messages + (long) capacity * MsgHdr.MMSGHDR_SIZE;
        this.names = iovecs + (long) capacity * MsgHdr.IOVEC_SIZE;
        this.controls = names + (long) capacity * SockAddr.STORAGE_SIZE;
        this.bufferCapacities = new int[capacity];
        this.status = new int[capacity];
        this.segmentSizes = new int[capacity];
        for (int i = 0; i < capacity; i++) {
            long m = message(i);
            MEMORY.putAddress(m + MsgHdr.MSG_NAME_OFFSET, name(i));
            MEMORY.putAddress(m + MsgHdr.MSG_IOV_OFFSET, iovec(i));
            MEMORY.putLong(m + MsgHdr.MSG_IOVLEN_OFFSET, 1);
            MEMORY.putAddress(m + MsgHdr.MSG_CONTROL_OFFSET, control(i));
        }
    }

    /**
     * The native address of a direct buffer's first byte (one JNI call, no allocation). Heap buffers have
     * no stable address: IllegalArgumentException.
     */
    public static long bufferAddress(ByteBuffer direct) {
        if (!direct.isDirect()) {
            throw new IllegalArgumentException("the socket layer needs a direct ByteBuffer (native memory), got a"
                    + " heap buffer: allocate datagram memory with ByteBuffer.allocateDirect");
        }
        return MemoryIO.getInstance().getDirectBufferAddress(direct);
    }

    public int capacity() {
        return capacity;
    }

    /** Points message {@code i} at {@code bufferCapacity} bytes of native memory that outlive the batch's use. */
    public void setBuffer(int i, long address, int bufferCapacity) {
        Objects.checkIndex(i, capacity);
        if (address == 0 || bufferCapacity < 1) {
            throw new IllegalArgumentException("message " + i + ": buffer address 0x" + Long.toHexString(address)
                    + " with capacity " + bufferCapacity + " is not usable memory");
        }
        MEMORY.putAddress(iovec(i) + MsgHdr.IOV_BASE_OFFSET, address);
        MEMORY.putLong(iovec(i) + MsgHdr.IOV_LEN_OFFSET, bufferCapacity);
        bufferCapacities[i] = bufferCapacity;
    }

    /** The address given to {@link #setBuffer} for message {@code i}. */
    public long buffer(int i) {
        Objects.checkIndex(i, capacity);
        return MEMORY.getAddress(iovec(i) + MsgHdr.IOV_BASE_OFFSET);
    }

    /** The capacity given to {@link #setBuffer} for message {@code i}; 0 before. */
    public int bufferCapacity(int i) {
        return bufferCapacities[i];
    }

    /** Sending: message {@code i} carries the first {@code length} (0..capacity) bytes of its buffer. */
    public void setLength(int i, int length) {
        if (length < 0 || length > bufferCapacities[i]) {
            throw new IllegalArgumentException("message " + i + ": length " + length + " is outside its buffer of "
                    + bufferCapacities[i] + " bytes");
        }
        MEMORY.putLong(iovec(i) + MsgHdr.IOV_LEN_OFFSET, length);
    }

    /** Sending: message {@code i} goes to {@code target}, which must be of the socket's family. */
    public void setTarget(int i, EncodedEndpoint target) {
        Objects.checkIndex(i, capacity);
        int length = target.writeTo(name(i));
        MEMORY.putInt(message(i) + MsgHdr.MSG_NAMELEN_OFFSET, length);
    }

    /**
     * Sending: message {@code i} goes to the address given as primitives (see {@link EndpointKey}), so a
     * mutable address can be used without encoding it into an object first. No allocation.
     */
    public void setTarget(int i, int family, long hi, long lo, int port, int scopeId) {
        Objects.checkIndex(i, capacity);
        long memory = name(i);
        MEMORY.putShort(memory + SockAddr.FAMILY_OFFSET, (short) family);
        MEMORY.putShort(memory + SockAddr.PORT_OFFSET, SockAddr.toNativePort(port));
        int length;
        if (family == SockAddr.AF_INET) {
            MEMORY.putInt(memory + SockAddr.IN_ADDR_OFFSET, SockAddr.toNetworkInt((int) lo));
            MEMORY.putLong(memory + 8, 0L);
            length = SockAddr.IN_SIZE;
        } else {
            MEMORY.putInt(memory + SockAddr.IN6_FLOWINFO_OFFSET, 0);
            MEMORY.putLong(memory + SockAddr.IN6_ADDR_OFFSET, SockAddr.toNetworkLong(hi));
            MEMORY.putLong(memory + SockAddr.IN6_ADDR_OFFSET + 8, SockAddr.toNetworkLong(lo));
            MEMORY.putInt(memory + SockAddr.IN6_SCOPE_ID_OFFSET, scopeId);
            length = SockAddr.IN6_SIZE;
        }
        MEMORY.putInt(message(i) + MsgHdr.MSG_NAMELEN_OFFSET, length);
    }

    /**
     * Sending: message {@code i} carries datagrams of {@code segmentSize} bytes end to end (the last may be
     * shorter), sent with a UDP_SEGMENT control message as that many datagrams; 0 (the default) sends it as
     * one datagram. Each datagram must fit the path MTU with DF (else EMSGSIZE for the whole message), and a
     * message should carry at most {@link #MAX_SEGMENTS} of them. A message no longer than
     * {@code segmentSize} leaves as one plain datagram. Stays set until changed; receives leave it alone.
     */
    public void setSegmentSize(int i, int segmentSize) {
        Objects.checkIndex(i, capacity);
        if (segmentSize < 0 || segmentSize > MAX_SEGMENT_SIZE) {
            throw new IllegalArgumentException("message " + i + ": segment size " + segmentSize + " is outside 0.."
                    + MAX_SEGMENT_SIZE + " (0 = one datagram)");
        }
        segmentSizes[i] = segmentSize;
    }

    /** The size given to {@link #setSegmentSize} for message {@code i}; 0 for a plain datagram. */
    public int segmentSize(int i) {
        return segmentSizes[i];
    }

    /**
     * After a send: the kernel refused to segment message {@code i} (a segment size was set and the status
     * is EIO: no segmentation on this path, IPsec or UDP-Lite; or EINVAL: more segments than it takes). Send
     * its datagrams one by one instead. EMSGSIZE is not a refusal: one datagram is above the path MTU, and
     * would be alone too.
     */
    public boolean segmentationRefused(int i) {
        return segmentSizes[i] > 0 && (status[i] == Errno.EIO || status[i] == Errno.EINVAL);
    }

    /**
     * After a receive: the size of every datagram but the last in message {@code i}'s buffer when the
     * kernel coalesced several from one sender (UDP_GRO is on and it handed over a batch), or 0 when the
     * buffer holds one datagram. The last datagram is {@code length - (n - 1) * size} bytes, n =
     * {@link #segmentCount}. No allocation.
     */
    public int receivedSegmentSize(int i) {
        Objects.checkIndex(i, capacity);
        long m = message(i);
        long controlLength = MEMORY.getLong(m + MsgHdr.MSG_CONTROLLEN_OFFSET);
        if (controlLength <= 0) {
            return 0;
        }
        long data = MsgHdr.findCmsg(control(i), Math.min(controlLength, CONTROL_CAPACITY), SocketConstants.SOL_UDP,
                SocketConstants.UDP_GRO);
        return data == 0 ? 0 : MEMORY.getInt(data);
    }

    /** How many datagrams {@code length} bytes hold at {@code segmentSize} each (0: one datagram). */
    public static int segmentCount(int length, int segmentSize) {
        if (segmentSize <= 0 || length <= segmentSize) {
            return 1;
        }
        return (length + segmentSize - 1) / segmentSize;
    }

    /** After a receive: the bytes of message {@code i} in its buffer; after a send: the bytes sent. */
    public int length(int i) {
        Objects.checkIndex(i, capacity);
        return MEMORY.getInt(message(i) + MsgHdr.MSG_LEN_OFFSET);
    }

    /** After a receive: the datagram was longer than the buffer and its tail is lost (MSG_TRUNC). */
    public boolean truncated(int i) {
        return (flags(i) & SocketConstants.MSG_TRUNC) != 0;
    }

    /** After a receive: a control message did not fit in {@link #CONTROL_CAPACITY} (MSG_CTRUNC). */
    public boolean controlTruncated(int i) {
        return (flags(i) & SocketConstants.MSG_CTRUNC) != 0;
    }

    /** After a receive: true when message {@code i} came from {@code endpoint}. No allocation. */
    public boolean sameSource(int i, EncodedEndpoint endpoint) {
        Objects.checkIndex(i, capacity);
        return endpoint.matches(name(i));
    }

    /** After a receive: decodes the source of message {@code i} into {@code into}; false for an unknown family. */
    public boolean source(int i, EndpointKey into) {
        Objects.checkIndex(i, capacity);
        return SockAddr.decode(name(i), MEMORY.getInt(message(i) + MsgHdr.MSG_NAMELEN_OFFSET), into);
    }

    /** After a receive: the source of message {@code i} as an InetSocketAddress. Allocates: rare paths only. */
    public InetSocketAddress sourceAddress(int i) {
        Objects.checkIndex(i, capacity);
        return SockAddr.decode(name(i), MEMORY.getInt(message(i) + MsgHdr.MSG_NAMELEN_OFFSET));
    }

    /**
     * After a receive: the socket's cumulative receive-queue drop count (u32) that the kernel attached to
     * message {@code i} (SO_RXQ_OVFL), or -1 when none was attached, which the kernel does until the
     * first drop.
     */
    public long rxQueueOverflow(int i) {
        Objects.checkIndex(i, capacity);
        long m = message(i);
        long controlLength = MEMORY.getLong(m + MsgHdr.MSG_CONTROLLEN_OFFSET);
        if (controlLength <= 0) {
            return NO_CONTROL_VALUE;
        }
        long data = MsgHdr.findCmsg(control(i), Math.min(controlLength, CONTROL_CAPACITY), SocketConstants.SOL_SOCKET,
                SocketConstants.SO_RXQ_OVFL);
        return data == 0 ? NO_CONTROL_VALUE : Integer.toUnsignedLong(MEMORY.getInt(data));
    }

    /**
     * After a send: 0 when message {@code i} was sent, otherwise the errno that kept it back: EAGAIN when the
     * socket buffer was full (it and all after it were not attempted), or the message's own error (EMSGSIZE
     * for a datagram above the path MTU with DF set, ENETUNREACH, EHOSTUNREACH, ECONNREFUSED, EPERM ...).
     */
    public int status(int i) {
        return status[i];
    }

    // ---- for UdpSocket ----

    long message(int i) {
        return messages + (long) i * MsgHdr.MMSGHDR_SIZE;
    }

    void setStatus(int i, int errno) {
        status[i] = errno;
    }

    /** Makes messages [0, count) ready for recvmmsg: full buffers, full name and control room. */
    void prepareReceive(int count) {
        for (int i = 0; i < count; i++) {
            int bufferCapacity = bufferCapacities[i];
            if (bufferCapacity == 0) {
                throw new IllegalStateException("message " + i + " has no buffer: call setBuffer first");
            }
            long m = message(i);
            MEMORY.putLong(iovec(i) + MsgHdr.IOV_LEN_OFFSET, bufferCapacity);
            MEMORY.putInt(m + MsgHdr.MSG_NAMELEN_OFFSET, SockAddr.STORAGE_SIZE);
            MEMORY.putLong(m + MsgHdr.MSG_CONTROLLEN_OFFSET, CONTROL_CAPACITY);
            MEMORY.putInt(m + MsgHdr.MSG_FLAGS_OFFSET, 0);
            MEMORY.putInt(m + MsgHdr.MSG_LEN_OFFSET, 0);
        }
    }

    /**
     * Makes messages [0, count) ready for sendmmsg, status 0: a UDP_SEGMENT control message where a segment
     * size is set, otherwise none (a receive may have left some). Written every time, since receives
     * overwrite the control buffers.
     */
    void prepareSend(int count) {
        for (int i = 0; i < count; i++) {
            if (bufferCapacities[i] == 0) {
                throw new IllegalStateException("message " + i + " has no buffer: call setBuffer first");
            }
            long m = message(i);
            int segmentSize = segmentSizes[i];
            if (segmentSize == 0) {
                MEMORY.putLong(m + MsgHdr.MSG_CONTROLLEN_OFFSET, 0);
            } else {
                long cmsg = control(i);
                MEMORY.putLong(cmsg + MsgHdr.CMSG_LEN_OFFSET, MsgHdr.cmsgLen(Short.BYTES));
                MEMORY.putInt(cmsg + MsgHdr.CMSG_LEVEL_OFFSET, SocketConstants.SOL_UDP);
                MEMORY.putInt(cmsg + MsgHdr.CMSG_TYPE_OFFSET, SocketConstants.UDP_SEGMENT);
                MEMORY.putShort(cmsg + MsgHdr.CMSG_DATA_OFFSET, (short) segmentSize);
                MEMORY.putLong(m + MsgHdr.MSG_CONTROLLEN_OFFSET, SEGMENT_CMSG_SPACE);
            }
            status[i] = 0;
        }
    }

    private int flags(int i) {
        Objects.checkIndex(i, capacity);
        return MEMORY.getInt(message(i) + MsgHdr.MSG_FLAGS_OFFSET);
    }

    private long iovec(int i) {
        return iovecs + (long) i * MsgHdr.IOVEC_SIZE;
    }

    private long name(int i) {
        return names + (long) i * SockAddr.STORAGE_SIZE;
    }

    private long control(int i) {
        return controls + (long) i * CONTROL_CAPACITY;
    }
}
