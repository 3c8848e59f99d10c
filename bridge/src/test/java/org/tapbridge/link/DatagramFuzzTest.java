package org.tapbridge.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.tapbridge.config.Transport;
import org.tapbridge.crypto.PeerCrypto;
import org.tapbridge.crypto.WireFormat;
import org.tapbridge.fakes.MemoryNetwork;
import org.tapbridge.mtu.ControlType;
import org.tapbridge.mtu.Fragmenter;
import org.tapbridge.pipeline.FrameSizes;
import org.tapbridge.pipeline.MemoryWaiter;

/**
 * Coverage-guided fuzzing of the UDP message parser (Jazzer; see scripts/fuzz.sh): {@link PeerLinks#receiveDatagram}
 * with its prefix check, the crypto layer's dispatch ({@code WireFormat}, DATA and CONTROL messages, handshake
 * initiations and responses) and, behind authentication, the link control payloads (path-MTU probes and
 * acknowledgements, fragments and their reassembly). Site "a" is real; peer "b" ({@link RemotePeer}) has a
 * session with it, so the fuzzer reaches the decoders behind the AEAD by having "b" seal what it chose.
 *
 * <p>Input, repeated: op (u8), length (u16), that many bytes. Op modulo 5: 0 a raw datagram; 1 the bytes
 * sealed as DATA; 2 sealed as CONTROL; 3 the bytes as a frame, split by the {@link Fragmenter} (first byte:
 * piece size) and each piece sealed as CONTROL; 4 time passes (length ms) and "a" ticks. Bit 7 of op sends
 * from a stranger's address instead of "b"'s. Invariants: no exception; every frame "b" sealed as DATA is
 * delivered, exactly, and so is every frame it fragmented; nothing else is delivered; the path MTU never
 * rises above the route's (1500 here). Seeds and regression inputs:
 * {@code src/test/resources/org/tapbridge/link/DatagramFuzzTestInputs/}.
 */
class DatagramFuzzTest {
    private static final InetSocketAddress STRANGER = MemoryNetwork.address("198.18.0.9", 4790);
    private static final int MAX_FRAME = FrameSizes.maxFrame(1500);
    private static final long MS = 1_000_000L;
    private static final int ROUTE_MTU = 1500;

    private final MemoryNetwork network = new MemoryNetwork();
    private final MemoryNetwork.Port portB = network.bind(RemotePeer.WAN_B);
    private final RemotePeer b = new RemotePeer();
    private final PeerLinks links;
    private final UdpPeerLink linkB;
    private final Datagrams fromA = new Datagrams(8);
    private final ByteBuffer rx = ByteBuffer.allocateDirect(70_000);
    private final WireAddress source = new WireAddress();
    private final List<byte[]> delivered = new ArrayList<>();
    private final FrameSink sink = (peer, buffer, offset, length, nowNs) -> {
        byte[] frame = new byte[length];
        buffer.get(offset, frame);
        delivered.add(frame);
    };
    private Fragmenter fragmenter;
    /** Set once this input had "b" seal a fragment of its own making, which may collide with the harness's. */
    private boolean plantedFragment;
    private final ByteBuffer piece = ByteBuffer.allocate(MAX_FRAME + 64);
    private long nowNs = 1_000_000_000_000L;

    DatagramFuzzTest() {
        try {
            links = PeerLinks.bind(RemotePeer.siteA(Transport.UDP), RemotePeer.securityA(), network.bind(RemotePeer.WAN_A),
                    StreamNetwork.unavailable("fuzzing UDP only"), new MemoryWaiter(), LinkTimers.defaults(),
                    PeerListener.NONE, MAX_FRAME);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        linkB = (UdpPeerLink) links.peers().byName("b");
        for (int i = 0; i < fromA.capacity(); i++) {
            fromA.point(i, ByteBuffer.allocate(70_000), 0, 70_000);
        }
        b.crypto.connect(b.a, nowNs);
        pump();
    }

    @FuzzTest
    void deliversExactlyWhatThePeerSealedWhateverElseArrives(byte[] input) {
        nowNs += MS;
        // Partial frames of earlier inputs must not meet this one's pieces: an input replays alike alone.
        linkB.reassembler().expire(nowNs + 10_000 * MS);
        fragmenter = new Fragmenter(0x4000_0000);
        plantedFragment = false;
        int at = 0;
        while (at + 3 <= input.length) {
            int op = input[at] & 0xFF;
            int length = Math.min((input[at + 1] & 0xFF) << 8 | input[at + 2] & 0xFF, input.length - at - 3);
            byte[] bytes = Arrays.copyOfRange(input, at + 3, at + 3 + length);
            at += 3 + length;
            InetSocketAddress from = (op & 0x80) != 0 ? STRANGER : RemotePeer.WAN_B;
            if ((op % 5 == 1 || op % 5 == 2) && length > PeerCrypto.MAX_FRAME_LENGTH) {
                // No larger payload fits one sealed message.
                continue;
            }
            delivered.clear();
            switch (op % 5) {
                case 0 -> {
                    deliver(bytes, from);
                    assertEquals(List.of(), delivered, "a raw datagram was delivered as a frame");
                }
                case 1 -> {
                    byte[] sealed = b.seal(WireFormat.TYPE_DATA, bytes, 0, length, nowNs);
                    pump();
                    if (sealed != null) {
                        deliver(sealed, from);
                        if (length > 0) {
                            assertEquals(1, delivered.size(), "a sealed frame was not delivered");
                            assertArrayEquals(bytes, delivered.get(0), "the frame changed on the way");
                        } else {
                            assertEquals(List.of(), delivered, "a keepalive was delivered as a frame");
                        }
                    }
                }
                case 2 -> {
                    plantedFragment |= length > 0 && bytes[0] == ControlType.FRAGMENT;
                    byte[] sealed = b.seal(WireFormat.TYPE_CONTROL, bytes, 0, length, nowNs);
                    pump();
                    if (sealed != null) {
                        deliver(sealed, from);
                        assertTrue(delivered.size() <= 1, "one control message delivered " + delivered.size() + " frames");
                    }
                }
                case 3 -> fragmented(bytes, from);
                default -> {
                    nowNs += length * MS;
                    links.tick(nowNs);
                }
            }
            pump();
            // The link's MTU comes from the route (the in-memory network says 1500); probes only confirm or
            // lower it, so nothing a peer sends may raise it above that.
            assertTrue(linkB.pathMtu() <= ROUTE_MTU, "path MTU " + linkB.pathMtu() + " above the route's " + ROUTE_MTU);
        }
    }

    /** Splits the frame into pieces of the size its first byte picks, seals and sends each; checks the result. */
    private void fragmented(byte[] frame, InetSocketAddress from) {
        if (frame.length < 2 || frame.length > MAX_FRAME) {
            return;
        }
        int maxPayload = 13 + (frame[0] & 0xFF);
        int count = fragmenter.count(frame.length, maxPayload);
        if (count == 0) {
            return;
        }
        int id = fragmenter.nextFrameId();
        ByteBuffer whole = ByteBuffer.wrap(frame);
        boolean allSent = true;
        for (int i = 0; i < count; i++) {
            int written = fragmenter.write(whole, 0, frame.length, i, count, id, maxPayload, piece, 0);
            assertTrue(written > 0 && written <= maxPayload, "piece " + i + " of " + count + ": " + written + " bytes");
            byte[] sealed = b.seal(WireFormat.TYPE_CONTROL, piece.array(), 0, written, nowNs);
            pump();
            if (sealed == null) {
                allSent = false;
                continue;
            }
            deliver(sealed, from);
        }
        if (allSent && !plantedFragment) {
            assertEquals(1, delivered.size(), count + " pieces of a " + frame.length + "-byte frame gave "
                    + delivered.size() + " frames");
            assertArrayEquals(frame, delivered.get(0), "the reassembled frame differs");
        }
    }

    private void deliver(byte[] datagram, InetSocketAddress from) {
        rx.put(0, datagram);
        source.set(from);
        int result = links.receiveDatagram(rx, 0, datagram.length, source, nowNs, sink);
        assertTrue(result == PeerLinks.DROPPED || result == PeerLinks.DELIVERED || result == PeerLinks.CONSUMED,
                "result " + result);
    }

    /**
     * Carries what "a" and "b" sent each other on their own (handshakes, keepalives, probe answers) until both
     * are quiet, so the session stays alive across rekeys; frames among them would fail the test.
     */
    private void pump() {
        for (int round = 0; round < 16; round++) {
            links.flush(nowNs);
            boolean moved = false;
            try {
                int n;
                while ((n = portB.receive(fromA, fromA.capacity())) > 0) {
                    for (int i = 0; i < n; i++) {
                        byte[] message = new byte[fromA.length(i)];
                        fromA.buffer(i).get(fromA.offset(i), message);
                        byte[] reply = b.receive(message, nowNs);
                        if (reply != null) {
                            b.sent.add(reply);
                        }
                        moved = true;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            int before = delivered.size();
            while (!b.sent.isEmpty()) {
                deliver(b.sent.poll(), RemotePeer.WAN_B);
                moved = true;
            }
            assertEquals(before, delivered.size(), "a handshake or keepalive was delivered as a frame");
            if (!moved) {
                return;
            }
        }
    }
}
