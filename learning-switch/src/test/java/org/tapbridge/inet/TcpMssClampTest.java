package org.tapbridge.inet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapbridge.inet.FrameBuilder.Options.bytes;
import static org.tapbridge.inet.FrameBuilder.Options.concat;
import static org.tapbridge.inet.FrameBuilder.Options.mss;
import static org.tapbridge.inet.FrameBuilder.Options.nop;
import static org.tapbridge.inet.FrameBuilder.Options.sackPermitted;
import static org.tapbridge.inet.FrameBuilder.Options.timestamps;
import static org.tapbridge.inet.FrameBuilder.Options.windowScale;

import java.nio.ByteBuffer;

import org.junit.jupiter.api.Test;
import org.tapbridge.ethernet.EthernetFrame;
import org.tapbridge.ethernet.FrameStatus;

/** The clamp on well-formed frames: what it rewrites, what it leaves alone, and the checksum it leaves. */
class TcpMssClampTest {
    /** A tunnel carrying 1400 bytes of Ethernet frame per message. */
    private static final int MAX_FRAME = 1400;
    private static final int IPV4_LIMIT = MAX_FRAME - 14 - 20 - 20;
    private static final int IPV6_LIMIT = MAX_FRAME - 14 - 40 - 20;

    private final ClampHarness harness = new ClampHarness();

    @Test
    void clampsMssOfIpv4Syn() {
        assertClamped(FrameBuilder.linuxSyn(false, 1460).build(), MAX_FRAME, 1346);
    }

    @Test
    void clampsMssOfIpv4SynAck() {
        TestFrame frame = FrameBuilder.linuxSyn(false, 1460).tcpFlags(TcpHeader.SYN | TcpHeader.ACK).build();
        assertClamped(frame, MAX_FRAME, IPV4_LIMIT);
    }

    @Test
    void clampsMssOfIpv6Syn() {
        assertClamped(FrameBuilder.linuxSyn(true, 1440).build(), MAX_FRAME, 1326);
    }

    @Test
    void clampsMssOfIpv6SynAckBehindHopByHopAndDestinationOptions() {
        TestFrame frame = FrameBuilder.linuxSyn(true, 1440).tcpFlags(TcpHeader.SYN | TcpHeader.ACK)
                .extension(IpProtocol.HOP_BY_HOP, 8).extension(IpProtocol.DESTINATION_OPTIONS, 24).build();
        // Extension headers do not lower the limit (RFC 6691): the sender subtracts them itself.
        assertClamped(frame, MAX_FRAME, IPV6_LIMIT);
    }

    @Test
    void clampsMssOfIpv6SynBehindRoutingAtomicFragmentAndDestinationOptions() {
        TestFrame frame = FrameBuilder.linuxSyn(true, 1440).extension(IpProtocol.HOP_BY_HOP, 16)
                .extension(IpProtocol.ROUTING, 8).ipv6Fragment(0, false)
                .extension(IpProtocol.DESTINATION_OPTIONS, 8).build();
        assertClamped(frame, MAX_FRAME, IPV6_LIMIT);
    }

    @Test
    void leavesSynsBehindAnAuthenticationHeaderUntouched() {
        // AH authenticates the segment: a clamped SYN would fail verification at the receiver.
        assertUntouched(FrameBuilder.linuxSyn(true, 1440).extension(IpProtocol.HOP_BY_HOP, 8)
                .extension(IpProtocol.AH, 12).build(), ClampResult.NOT_TCP_SYN);
        assertUntouched(FrameBuilder.ipv4().protocol(IpProtocol.AH).payload(new byte[60]).build(),
                ClampResult.NOT_TCP_SYN);
    }

    @Test
    void clampsMssOfIpv6FirstFragment() {
        TestFrame frame = FrameBuilder.linuxSyn(true, 1440).ipv6Fragment(0, true).build();
        assertClamped(frame, MAX_FRAME, IPV6_LIMIT);
    }

    @Test
    void clampsMssOfTaggedIpv4Syn() {
        TestFrame frame = FrameBuilder.linuxSyn(false, 1460).tag(FrameBuilder.VLAN, 100).build();
        assertClamped(frame, MAX_FRAME, MAX_FRAME - 18 - 20 - 20);
    }

    @Test
    void clampsMssOfTaggedIpv6Syn() {
        TestFrame frame = FrameBuilder.linuxSyn(true, 1440).tag(FrameBuilder.VLAN, 100).build();
        assertClamped(frame, MAX_FRAME, MAX_FRAME - 18 - 40 - 20);
    }

    @Test
    void clampsMssOfQinQIpv4Syn() {
        TestFrame frame = FrameBuilder.linuxSyn(false, 1460).tag(FrameBuilder.QINQ, 300).tag(FrameBuilder.VLAN, 42)
                .build();
        assertClamped(frame, MAX_FRAME, MAX_FRAME - 22 - 20 - 20);
    }

    @Test
    void clampsMssOfQinQIpv6SynAck() {
        TestFrame frame = FrameBuilder.linuxSyn(true, 1440).tcpFlags(TcpHeader.SYN | TcpHeader.ACK)
                .tag(FrameBuilder.QINQ, 300).tag(FrameBuilder.VLAN, 42).extension(IpProtocol.HOP_BY_HOP, 8).build();
        assertClamped(frame, MAX_FRAME, MAX_FRAME - 22 - 40 - 20);
    }

    @Test
    void clampsMssOfIpv4SynWithIpOptionsWithoutSubtractingThem() {
        // Router alert (4 bytes) and record route with room for two addresses, padded with End of List.
        TestFrame frame = FrameBuilder.linuxSyn(false, 1460)
                .ipOptions(0x94, 4, 0, 0, 7, 11, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0).build();
        assertClamped(frame, MAX_FRAME, IPV4_LIMIT);
    }

    @Test
    void clampsIpv4FirstFragmentWhoseTcpHeaderIsComplete() {
        TestFrame frame = FrameBuilder.linuxSyn(false, 1460).ipv4Fragment(0, true).build();
        assertClamped(frame, MAX_FRAME, IPV4_LIMIT);
    }

    @Test
    void clampsSynFollowedByEthernetPaddingAndLeavesThePaddingAlone() {
        TestFrame frame = FrameBuilder.ipv4().tcpOptions(mss(1460)).padding(2).build();
        assertEquals(60, frame.length());
        assertClamped(frame, MAX_FRAME, IPV4_LIMIT);
    }

    @Test
    void clampsMssOptionThatComesAfterNopsTimestampsSackPermittedAndWindowScale() {
        byte[] options = concat(nop(), nop(), timestamps(0x01020304, 0x05060708), sackPermitted(), windowScale(7),
                nop(), mss(8960));
        TestFrame frame = FrameBuilder.ipv4().tcpOptions(options).build();
        assertEquals(frame.tcpStart + 40, mssValueIndex(frame), "MSS value after 18 bytes of other options");
        assertClamped(frame, MAX_FRAME, IPV4_LIMIT);
    }

    @Test
    void clampsMssValueAtAnOddOffsetAndKeepsTheChecksumExact() {
        // One NOP puts the MSS value at TCP offset 23: it straddles two checksum words.
        for (int mss : new int[] {1460, 0xFFFF, 0x1400, 0x05FF, 1347}) {
            TestFrame frame = FrameBuilder.ipv4().tcpOptions(concat(nop(), mss(mss), sackPermitted(), nop())).build();
            assertClamped(frame, MAX_FRAME, IPV4_LIMIT);
            TestFrame v6 = FrameBuilder.ipv6().tcpOptions(concat(nop(), mss(mss), nop(), nop(), nop())).build();
            assertClamped(v6, MAX_FRAME, IPV6_LIMIT);
        }
    }

    @Test
    void clampsEveryDuplicateMssOption() {
        TestFrame frame = FrameBuilder.ipv4().tcpOptions(concat(mss(1460), nop(), mss(9000), nop(), nop(), nop()))
                .build();
        ClampHarness.Outcome outcome = harness.run(frame, MAX_FRAME);
        assertEquals(ClampResult.CLAMPED, outcome.result);
        assertEquals(IPV4_LIMIT, TestFrame.u16(outcome.after, frame.tcpStart + 22));
        assertEquals(IPV4_LIMIT, TestFrame.u16(outcome.after, frame.tcpStart + 27));
        assertTrue(frame.tcpChecksumValid(outcome.after));
    }

    @Test
    void leavesMssBelowOrAtTheLimitUntouched() {
        assertUntouched(FrameBuilder.linuxSyn(false, 1200).build(), ClampResult.WITHIN_LIMIT);
        assertUntouched(FrameBuilder.linuxSyn(false, IPV4_LIMIT).build(), ClampResult.WITHIN_LIMIT);
        assertUntouched(FrameBuilder.linuxSyn(true, MAX_FRAME - 18 - 40 - 20).tag(FrameBuilder.VLAN, 7).build(),
                ClampResult.WITHIN_LIMIT);
        assertClamped(FrameBuilder.linuxSyn(false, IPV4_LIMIT + 1).build(), MAX_FRAME, IPV4_LIMIT);
    }

    @Test
    void leavesSynWithoutMssOptionUntouched() {
        assertUntouched(FrameBuilder.ipv4().build(), ClampResult.NO_MSS_OPTION);
        TestFrame noMss = FrameBuilder.ipv6().tcpOptions(concat(sackPermitted(), timestamps(1, 0), nop(), windowScale(7)))
                .build();
        assertUntouched(noMss, ClampResult.NO_MSS_OPTION);
        // An MSS after End of List is padding, not an option.
        TestFrame afterEnd = FrameBuilder.ipv4().tcpOptions(concat(bytes(0, 0, 0, 0), mss(9000))).build();
        assertUntouched(afterEnd, ClampResult.NO_MSS_OPTION);
    }

    @Test
    void leavesSegmentsWithoutSynUntouched() {
        assertUntouched(FrameBuilder.linuxSyn(false, 1460).tcpFlags(TcpHeader.ACK).payload(new byte[100]).build(),
                ClampResult.NOT_TCP_SYN);
        assertUntouched(FrameBuilder.linuxSyn(true, 1460).tcpFlags(TcpHeader.ACK | TcpHeader.PSH).build(),
                ClampResult.NOT_TCP_SYN);
        assertUntouched(FrameBuilder.linuxSyn(false, 1460).tcpFlags(TcpHeader.RST).build(), ClampResult.NOT_TCP_SYN);
        assertUntouched(FrameBuilder.linuxSyn(false, 1460).tcpFlags(TcpHeader.RST | TcpHeader.ACK).build(),
                ClampResult.NOT_TCP_SYN);
        assertUntouched(FrameBuilder.linuxSyn(false, 1460).tcpFlags(TcpHeader.SYN | TcpHeader.RST).build(),
                ClampResult.NOT_TCP_SYN);
        assertUntouched(FrameBuilder.linuxSyn(false, 1460).tcpFlags(TcpHeader.FIN | TcpHeader.ACK).build(),
                ClampResult.NOT_TCP_SYN);
    }

    @Test
    void leavesUdpArpAndOtherEtherTypesUntouched() {
        byte[] lookalike = concat(new byte[13], bytes(TcpHeader.SYN), new byte[6], mss(9000));
        assertUntouched(FrameBuilder.ipv4().protocol(IpProtocol.UDP).payload(lookalike).build(),
                ClampResult.NOT_TCP_SYN);
        assertUntouched(FrameBuilder.ipv6().protocol(IpProtocol.UDP).payload(lookalike).build(),
                ClampResult.NOT_TCP_SYN);
        assertUntouched(FrameBuilder.linuxSyn(false, 1460).etherType(0x0806).build(), ClampResult.NOT_TCP_SYN);
        // An 802.3 length field in place of an EtherType.
        assertUntouched(FrameBuilder.linuxSyn(false, 1460).etherType(0x0040).build(), ClampResult.NOT_TCP_SYN);
        // IPv4 bytes under the IPv6 EtherType are not IPv6.
        assertUntouched(FrameBuilder.linuxSyn(false, 1460).etherType(0x86DD).build(), ClampResult.MALFORMED);
    }

    @Test
    void leavesIpv6SegmentsBehindEspOrNoNextHeaderUntouched() {
        assertUntouched(FrameBuilder.ipv6().protocol(IpProtocol.ESP).payload(new byte[40]).build(),
                ClampResult.NOT_TCP_SYN);
        assertUntouched(FrameBuilder.ipv6().extension(IpProtocol.HOP_BY_HOP, 8).protocol(IpProtocol.NO_NEXT_HEADER)
                .payload(new byte[40]).build(), ClampResult.NOT_TCP_SYN);
    }

    @Test
    void leavesNonFirstIpv4FragmentUntouched() {
        // The bytes after the IP header look like a SYN, but a later fragment carries payload only.
        assertUntouched(FrameBuilder.linuxSyn(false, 1460).ipv4Fragment(1480, true).build(), ClampResult.NOT_TCP_SYN);
        assertUntouched(FrameBuilder.linuxSyn(false, 1460).ipv4Fragment(8, false).build(), ClampResult.NOT_TCP_SYN);
    }

    @Test
    void leavesNonFirstIpv6FragmentUntouched() {
        assertUntouched(FrameBuilder.linuxSyn(true, 1460).ipv6Fragment(1232, true).build(), ClampResult.NOT_TCP_SYN);
        assertUntouched(FrameBuilder.linuxSyn(true, 1460).extension(IpProtocol.HOP_BY_HOP, 8).ipv6Fragment(8, false)
                .build(), ClampResult.NOT_TCP_SYN);
    }

    @Test
    void clampsToTheProtocolMinimumWhenTheTunnelIsTiny() {
        // 500 - 14 - 20 - 20 = 446 < 536: the tunnel fragments what does not fit.
        assertClamped(FrameBuilder.linuxSyn(false, 1460).build(), 500, TcpMssClamp.IPV4_MIN_MSS);
        assertClamped(FrameBuilder.linuxSyn(true, 1440).build(), 1200, TcpMssClamp.IPV6_MIN_MSS);
        assertEquals(ClampResult.WITHIN_LIMIT, harness.run(FrameBuilder.linuxSyn(false, 536).build(), 100).result);
        assertEquals(ClampResult.WITHIN_LIMIT, harness.run(FrameBuilder.linuxSyn(true, 1220).build(), 100).result);
    }

    @Test
    void clampsNothingWhenTheTunnelCarriesJumboFrames() {
        assertUntouched(FrameBuilder.linuxSyn(false, 0xFFFF).build(), Integer.MAX_VALUE, ClampResult.WITHIN_LIMIT);
        assertClamped(FrameBuilder.linuxSyn(false, 0xFFFF).build(), 9014, 8960);
    }

    @Test
    void computesTheLimitFromTheTunnelMinusTheFixedHeaders() {
        assertEquals(1460, TcpMssClamp.mssLimit(1514, 14, false));
        assertEquals(1440, TcpMssClamp.mssLimit(1514, 14, true));
        assertEquals(1456, TcpMssClamp.mssLimit(1514, 18, false));
        assertEquals(1432, TcpMssClamp.mssLimit(1514, 22, true));
        assertEquals(536, TcpMssClamp.mssLimit(580, 14, false));
        assertEquals(1220, TcpMssClamp.mssLimit(1280, 14, true));
        assertEquals(1220, TcpMssClamp.mssLimit(Integer.MIN_VALUE, 14, true));
        assertEquals(0xFFFF, TcpMssClamp.mssLimit(Integer.MAX_VALUE, 0, false));
        assertEquals(0xFFFF, TcpMssClamp.mssLimit(0x1_0000 + 54, 14, false));
    }

    @Test
    void acceptsAFrameTheCallerHasAlreadyWrapped() {
        TestFrame frame = FrameBuilder.linuxSyn(false, 1460).tag(FrameBuilder.VLAN, 5).build();
        ByteBuffer buffer = ByteBuffer.allocateDirect(frame.length() + 10);
        buffer.put(10, frame.bytes);
        EthernetFrame ethernet = new EthernetFrame();
        assertEquals(FrameStatus.OK, ethernet.wrap(buffer, 10, frame.length()));
        assertEquals(ClampResult.CLAMPED, harness.clamp().clamp(ethernet, MAX_FRAME));
        assertEquals(MAX_FRAME - 18 - 40, buffer.getShort(10 + frame.tcpStart + 22));
        byte[] after = new byte[frame.length()];
        buffer.get(10, after);
        assertTrue(frame.tcpChecksumValid(after));

        assertEquals(FrameStatus.TOO_SHORT, ethernet.wrap(buffer, 10, 13));
        assertEquals(ClampResult.MALFORMED, harness.clamp().clamp(ethernet, MAX_FRAME));
        assertEquals(ClampResult.MALFORMED, harness.clamp().clamp(null, 0, 0, MAX_FRAME));
        assertEquals(ClampResult.MALFORMED, harness.clamp().clamp(buffer, 20, frame.length(), MAX_FRAME));
    }

    // ---- checksum edge cases ----

    @Test
    void updatesAnOldChecksumOfZero() {
        TestFrame frame = withChecksum(FrameBuilder.linuxSyn(false, 1460).build(), 0x0000);
        assertEquals(0x0000, frame.tcpChecksum(frame.bytes));
        assertClamped(frame, MAX_FRAME, IPV4_LIMIT);
    }

    @Test
    void updatesAnOldChecksumOfNegativeZero() {
        TestFrame zero = withChecksum(FrameBuilder.linuxSyn(true, 1440).build(), 0x0000);
        // 0xFFFF is the other ones'-complement zero: a sender may store it, and it verifies.
        byte[] bytes = zero.bytes.clone();
        TestFrame.putU16(bytes, zero.tcpStart + 16, 0xFFFF);
        TestFrame frame = new TestFrame(bytes, true, zero.l2Length, zero.ipStart, zero.tcpStart, zero.packetEnd);
        assertTrue(frame.tcpChecksumValid(bytes));
        assertClamped(frame, MAX_FRAME, IPV6_LIMIT);
    }

    @Test
    void producesANewChecksumOfZeroWhereAFullRecomputationDoes() {
        for (boolean ipv6 : new boolean[] {false, true}) {
            for (byte[] options : new byte[][] {mss(9000), concat(nop(), mss(9000), nop(), nop())}) {
                int limit = ipv6 ? IPV6_LIMIT : IPV4_LIMIT;
                byte[] clampedOptions = options.clone();
                int at = options[0] == 1 ? 1 : 0;
                clampedOptions[at + 2] = (byte) (limit >>> 8);
                clampedOptions[at + 3] = (byte) limit;
                // The frame as it must look after the clamp, with a checksum of 0x0000 ...
                TestFrame target = withChecksum(
                        (ipv6 ? FrameBuilder.ipv6() : FrameBuilder.ipv4()).tcpOptions(clampedOptions).build(), 0x0000);
                // ... and the same frame with the original MSS and its (fully recomputed) checksum.
                byte[] bytes = target.bytes.clone();
                TestFrame.putU16(bytes, target.tcpStart + 20 + at + 2, 9000);
                TestFrame.putU16(bytes, target.tcpStart + 16, 0);
                TestFrame.putU16(bytes, target.tcpStart + 16, ~target.tcpSum(bytes) & 0xFFFF);
                TestFrame frame = new TestFrame(bytes, ipv6, target.l2Length, target.ipStart, target.tcpStart,
                        target.packetEnd);
                assertNotEquals(0, frame.tcpChecksum(bytes));

                ClampHarness.Outcome outcome = harness.run(frame, MAX_FRAME);
                assertEquals(ClampResult.CLAMPED, outcome.result);
                assertArrayEquals(target.bytes, outcome.after, "0x0000, not 0xFFFF (RFC 1624 equation 3)");
            }
        }
    }

    // ---- helpers ----

    private void assertClamped(TestFrame frame, int maxFrameLength, int expectedMss) {
        assertTrue(frame.tcpChecksumValid(frame.bytes), "the test frame itself is valid");
        int mssValueAt = mssValueIndex(frame);
        assertTrue(frame.mss(frame.bytes) > expectedMss, "test frame needs a clamp");

        ClampHarness.Outcome outcome = harness.run(frame, maxFrameLength);

        assertEquals(ClampResult.describe(ClampResult.CLAMPED), ClampResult.describe(outcome.result));
        assertEquals(expectedMss, frame.mss(outcome.after));
        assertTrue(frame.tcpChecksumValid(outcome.after), "checksum verifies after the clamp");
        // Exactly the value a full recomputation stores, not merely an equivalent one.
        byte[] recomputed = outcome.after.clone();
        TestFrame.putU16(recomputed, frame.tcpStart + 16, 0);
        assertEquals(~frame.tcpSum(recomputed) & 0xFFFF, frame.tcpChecksum(outcome.after));
        int checksumAt = frame.tcpStart + TcpHeader.CHECKSUM_OFFSET;
        for (int i = 0; i < frame.length(); i++) {
            if (i != mssValueAt && i != mssValueAt + 1 && i != checksumAt && i != checksumAt + 1) {
                assertEquals(frame.bytes[i], outcome.after[i], "byte " + i + " changed");
            }
        }
    }

    private void assertUntouched(TestFrame frame, int expected) {
        assertUntouched(frame, MAX_FRAME, expected);
    }

    private void assertUntouched(TestFrame frame, int maxFrameLength, int expected) {
        ClampHarness.Outcome outcome = harness.run(frame, maxFrameLength);
        assertEquals(ClampResult.describe(expected), ClampResult.describe(outcome.result));
        assertArrayEquals(frame.bytes, outcome.after);
    }

    private static int mssValueIndex(TestFrame frame) {
        byte[] bytes = frame.bytes;
        int at = frame.tcpStart + 20;
        while (bytes[at] != TcpHeader.OPTION_MSS) {
            at += bytes[at] == TcpHeader.OPTION_NOP ? 1 : bytes[at + 1];
        }
        return at + 2;
    }

    /**
     * The frame with the low half of its sequence number chosen so that its TCP checksum is
     * {@code checksum}; the sum over the other words plus that word must be its complement.
     */
    private static TestFrame withChecksum(TestFrame frame, int checksum) {
        byte[] bytes = frame.bytes.clone();
        int wordAt = frame.tcpStart + TcpHeader.SEQUENCE_OFFSET + 2;
        TestFrame.putU16(bytes, wordAt, 0);
        TestFrame.putU16(bytes, frame.tcpStart + 16, checksum);
        int others = frame.tcpSum(bytes);
        // others + word must be 0xFFFF (a valid total): word = 0xFFFF - others, in ones'-complement terms.
        int word = 0xFFFF - others;
        TestFrame.putU16(bytes, wordAt, word);
        TestFrame result = new TestFrame(bytes, frame.ipv6, frame.l2Length, frame.ipStart, frame.tcpStart,
                frame.packetEnd);
        assertTrue(result.tcpChecksumValid(bytes));
        assertEquals(checksum, result.tcpChecksum(bytes));
        return result;
    }
}
