import com.kenai.jffi.MemoryIO;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import jnr.ffi.LibraryLoader;
import jnr.ffi.types.intptr_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;
import org.tapbridge.crypto.Aead;
import org.tapbridge.crypto.AeadKind;
import org.tapbridge.crypto.Aeads;
import org.tapbridge.os.SockAddr;

/**
 * floor-relay.c's loop in Java: what the JVM and JNR cost a userspace L2 tunnel on this machine, before any of
 * tapbridge's own design. A frame read from the TAP goes out as one UDP datagram and back, one system call
 * per frame through JNR, with the same spin, yield and poll as the C relay. With "seal", each frame is also
 * sealed and opened with tapbridge's own OpenSslAead (AES-256-GCM, a 16-byte header as associated data), or,
 * given "jce" as well, with its JceAead instead; both relays share a fixed all-zero key: a bench tool, never a
 * tunnel.
 *
 * <pre>
 *   javac -cp tapbridge.jar -d DIR JavaFloorRelay.java
 *   java -cp tapbridge.jar:DIR JavaFloorRelay TAP LOCAL_IPV4 PEER_IPV4 PORT SPIN_US [yield] [seal [jce]]
 * </pre>
 */
public final class JavaFloorRelay {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    private static final int O_RDWR_NONBLOCK = 0x2 | 0x800;
    private static final long TUNSETIFF = 0x400454caL;
    private static final short IFF_TAP_NO_PI = 0x0002 | 0x1000;
    private static final int SOCK_DGRAM_NONBLOCK = 2 | 0x800;
    private static final short POLLIN = 1;
    private static final int HEADER = 16;
    private static final int FRAME_MAX = 65536;
    private static final long SYS_SENDTO = switch (System.getProperty("os.arch")) {
        case "amd64", "x86_64" -> 44;
        case "aarch64" -> 206;
        default -> throw new IllegalStateException("no sendto syscall number for " + System.getProperty("os.arch"));
    };

    /** Public for JNR's generated implementation. */
    public interface LibC {
        int open(String path, int flags);

        int ioctl(int fd, long request, @intptr_t long arg);

        @ssize_t
        long read(int fd, @intptr_t long buf, @size_t long count);

        @ssize_t
        long write(int fd, @intptr_t long buf, @size_t long count);

        int socket(int domain, int type, int protocol);

        int bind(int fd, @intptr_t long address, int length);

        /**
         * sendto by number: this JNR passed a six-argument libc call's last argument wrongly (EINVAL from the
         * kernel), while the seven-argument syscall() works, as tapbridge's io_uring calls show.
         */
        long syscall(long number, long a1, long a2, long a3, long a4, long a5, long a6);

        @ssize_t
        long recv(int fd, @intptr_t long buf, @size_t long count, int flags);

        int poll(@intptr_t long fds, long count, int timeoutMs);

        int sched_yield();
    }

    public static void main(String[] args) {
        if (args.length < 5) {
            System.err.println("usage: JavaFloorRelay TAP LOCAL_IPV4 PEER_IPV4 PORT SPIN_US [yield] [seal [jce]]");
            System.exit(2);
        }
        boolean yield = false;
        boolean seal = false;
        AeadKind kind = AeadKind.OPENSSL;
        for (int i = 5; i < args.length; i++) {
            yield |= args[i].equals("yield");
            seal |= args[i].equals("seal");
            kind = args[i].equals("jce") ? AeadKind.JCE : kind;
        }
        LibC libc = LibraryLoader.create(LibC.class).load("c");
        int port = Integer.parseInt(args[3]);
        long spinNs = Long.parseLong(args[4]) * 1000;
        int tap = openTap(libc, args[0]);
        int udp = libc.socket(SockAddr.AF_INET, SOCK_DGRAM_NONBLOCK, 0);
        long local = ipv4(args[1], port);
        long peer = ipv4(args[2], port);
        if (udp < 0 || libc.bind(udp, local, SockAddr.IN_SIZE) < 0) {
            fail("cannot bind UDP " + args[1] + ":" + port);
        }
        // Frames land after room for the header; a sealed message is header, ciphertext, tag.
        ByteBuffer plain = ByteBuffer.allocateDirect(HEADER + FRAME_MAX + Aead.TAG_LENGTH);
        ByteBuffer wire = ByteBuffer.allocateDirect(HEADER + FRAME_MAX + Aead.TAG_LENGTH);
        long plainAt = MEMORY.getDirectBufferAddress(plain);
        long wireAt = MEMORY.getDirectBufferAddress(wire);
        byte[] key = new byte[Aead.KEY_LENGTH];
        Aead sealer = seal ? Aeads.sealer(kind, key) : null;
        Aead opener = seal ? Aeads.opener(kind, key) : null;
        long fds = MEMORY.allocateMemory(16, true);
        MEMORY.putInt(fds, tap);
        MEMORY.putShort(fds + 4, POLLIN);
        MEMORY.putInt(fds + 8, udp);
        MEMORY.putShort(fds + 12, POLLIN);
        long counter = 0;
        long lastWork = System.nanoTime() - spinNs - 1;
        while (true) {
            boolean spinning = spinNs < 0 || System.nanoTime() - lastWork < spinNs;
            if (libc.poll(fds, 2, spinning ? 0 : 1000) <= 0) {
                if (spinning && yield) {
                    libc.sched_yield();
                }
                continue;
            }
            boolean worked = false;
            long n;
            while ((n = libc.read(tap, plainAt + HEADER, FRAME_MAX)) > 0) {
                if (seal) {
                    wire.putLong(0, counter);
                    int sealed = sealer.seal(counter++, wire, 0, HEADER, plain, HEADER, (int) n, wire, HEADER);
                    libc.syscall(SYS_SENDTO, udp, wireAt, HEADER + sealed, 0, peer, SockAddr.IN_SIZE);
                } else {
                    libc.syscall(SYS_SENDTO, udp, plainAt + HEADER, n, 0, peer, SockAddr.IN_SIZE);
                }
                worked = true;
            }
            while ((n = libc.recv(udp, wireAt, HEADER + FRAME_MAX + Aead.TAG_LENGTH, 0)) > 0) {
                if (seal) {
                    if (n < HEADER + Aead.TAG_LENGTH) {
                        continue;
                    }
                    int opened = opener.open(wire.getLong(0), wire, 0, HEADER, wire, HEADER, (int) n - HEADER, wire,
                            HEADER);
                    if (opened >= 0) {
                        libc.write(tap, wireAt + HEADER, opened);
                    }
                } else {
                    libc.write(tap, wireAt, n);
                }
                worked = true;
            }
            if (worked) {
                lastWork = System.nanoTime();
            }
        }
    }

    private static int openTap(LibC libc, String name) {
        int fd = libc.open("/dev/net/tun", O_RDWR_NONBLOCK);
        if (fd < 0) {
            fail("cannot open /dev/net/tun");
        }
        long ifreq = MEMORY.allocateMemory(40, true);
        byte[] bytes = name.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        MEMORY.putByteArray(ifreq, bytes, 0, Math.min(bytes.length, 15));
        MEMORY.putShort(ifreq + 16, IFF_TAP_NO_PI);
        if (libc.ioctl(fd, TUNSETIFF, ifreq) < 0) {
            fail("cannot attach to TAP " + name);
        }
        return fd;
    }

    /** A struct sockaddr_in in native memory, written by the daemon's own encoder. */
    private static long ipv4(String ip, int port) {
        if (!ip.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
            fail(ip + " is not an IPv4 address");
        }
        long address = MEMORY.allocateMemory(SockAddr.STORAGE_SIZE, true);
        // A literal address: InetAddress parses it without asking any resolver.
        SockAddr.encode(new InetSocketAddress(ip, port), address);
        return address;
    }

    private static void fail(String message) {
        System.err.println("JavaFloorRelay: " + message);
        System.exit(1);
    }
}
