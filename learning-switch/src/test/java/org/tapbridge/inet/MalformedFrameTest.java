package org.tapbridge.inet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.tapbridge.inet.FrameBuilder.Options.bytes;
import static org.tapbridge.inet.FrameBuilder.Options.concat;
import static org.tapbridge.inet.FrameBuilder.Options.mss;
import static org.tapbridge.inet.FrameBuilder.Options.nop;
import static org.tapbridge.inet.FrameBuilder.Options.sackPermitted;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

/**
 * The clamp on truncated, inconsistent and randomly mutated frames: never an exception, never a write
 * outside the frame, nothing written unless the headers hold together, and a valid checksum after
 * every clamp.
 */
class MalformedFrameTest {
    private static final int MAX_FRAME = 1400;
    private static final int MUTATIONS = 10_000;

    private final ClampHarness harness = new ClampHarness();

    @Test
    void rejectsAnIpv4HeaderLengthBelowFive() {
        assertMalformed(FrameBuilder.linuxSyn(false, 1460).build(), (b, f) -> b[f.ipStart] = 0x44);
        assertMalformed(FrameBuilder.linuxSyn(false, 1460).build(), (b, f) -> b[f.ipStart] = 0x40);
    }

    @Test
    void rejectsAWrongIpVersion() {
        assertMalformed(FrameBuilder.linuxSyn(false, 1460).build(), (b, f) -> b[f.ipStart] = 0x65);
        assertMalformed(FrameBuilder.linuxSyn(true, 1460).build(), (b, f) -> b[f.ipStart] = 0x40);
    }

    @Test
    void rejectsAnIpv4TotalLengthBeyondTheFrameOrBelowTheHeader() {
        assertMalformed(FrameBuilder.linuxSyn(false, 1460).build(),
                (b, f) -> TestFrame.putU16(b, f.ipStart + 2, f.packetEnd - f.ipStart + 1));
        assertMalformed(FrameBuilder.linuxSyn(false, 1460).build(), (b, f) -> TestFrame.putU16(b, f.ipStart + 2, 19));
        assertMalformed(FrameBuilder.linuxSyn(false, 1460).build(), (b, f) -> b[f.ipStart] = 0x4F);
    }

    @Test
    void rejectsAnIpv4PacketEndingInsideTheTcpHeader() {
        // Total length says the IP packet ends 2 bytes into the options; the frame continues.
        assertMalformed(FrameBuilder.linuxSyn(false, 1460).build(),
                (b, f) -> TestFrame.putU16(b, f.ipStart + 2, f.tcpStart + 22 - f.ipStart));
        assertMalformed(FrameBuilder.linuxSyn(false, 1460).build(),
                (b, f) -> TestFrame.putU16(b, f.ipStart + 2, f.tcpStart + 19 - f.ipStart));
    }

    @Test
    void rejectsAnIpv6PayloadLengthBeyondTheFrame() {
        assertMalformed(FrameBuilder.linuxSyn(true, 1460).build(),
                (b, f) -> TestFrame.putU16(b, f.ipStart + 4, f.packetEnd - f.ipStart - 39));
        // Jumbogram marker: no TCP header fits in zero payload bytes.
        assertMalformed(FrameBuilder.linuxSyn(true, 1460).build(), (b, f) -> TestFrame.putU16(b, f.ipStart + 4, 0));
    }

    @Test
    void rejectsAnExtensionHeaderRunningPastThePacket() {
        assertMalformed(FrameBuilder.linuxSyn(true, 1460).extension(IpProtocol.DESTINATION_OPTIONS, 8).build(),
                (b, f) -> b[f.ipStart + 41] = 30);
        assertMalformed(FrameBuilder.linuxSyn(true, 1460).extension(IpProtocol.HOP_BY_HOP, 8).build(),
                (b, f) -> b[f.ipStart + 41] = (byte) 200);
        assertMalformed(FrameBuilder.linuxSyn(true, 1460).ipv6Fragment(0, false).build(),
                (b, f) -> TestFrame.putU16(b, f.ipStart + 4, 8 + 19));
    }

    @Test
    void rejectsMoreExtensionHeadersThanItWalks() {
        FrameBuilder nine = FrameBuilder.linuxSyn(true, 1460);
        for (int i = 0; i < 9; i++) {
            nine.extension(IpProtocol.DESTINATION_OPTIONS, 8);
        }
        assertMalformed(nine.build(), (b, f) -> { });
        FrameBuilder eight = FrameBuilder.linuxSyn(true, 1460);
        for (int i = 0; i < TcpMssClamp.MAX_EXTENSION_HEADERS; i++) {
            eight.extension(IpProtocol.DESTINATION_OPTIONS, 8);
        }
        assertEquals(ClampResult.CLAMPED, harness.run(eight.build(), MAX_FRAME).result);
    }

    @Test
    void rejectsATcpDataOffsetBelowFiveOrBeyondThePacket() {
        assertMalformed(FrameBuilder.linuxSyn(false, 1460).build(), (b, f) -> b[f.tcpStart + 12] = 0x40);
        assertMalformed(FrameBuilder.linuxSyn(false, 1460).build(), (b, f) -> b[f.tcpStart + 12] = 0x00);
        assertMalformed(FrameBuilder.linuxSyn(false, 1460).build(), (b, f) -> b[f.tcpStart + 12] = (byte) 0xB0);
        assertMalformed(FrameBuilder.linuxSyn(true, 1460).build(), (b, f) -> b[f.tcpStart + 12] = (byte) 0xF0);
    }

    @Test
    void rejectsOptionsRunningPastTheHeader() {
        // Option lengths of 0, 1 and past the end; an MSS whose length is not 4; a kind in the last byte.
        assertMalformed(FrameBuilder.ipv4().tcpOptions(concat(sackPermitted(), bytes(8, 0), mss(9000))).build(),
                (b, f) -> { });
        assertMalformed(FrameBuilder.ipv4().tcpOptions(concat(mss(9000), bytes(8, 1, 0, 0))).build(), (b, f) -> { });
        assertMalformed(FrameBuilder.ipv4().tcpOptions(concat(mss(9000), bytes(8, 5, 0, 0))).build(), (b, f) -> { });
        assertMalformed(FrameBuilder.ipv4().tcpOptions(concat(bytes(2, 3, 0x23, 0x28), mss(9000))).build(),
                (b, f) -> { });
        assertMalformed(FrameBuilder.ipv4().tcpOptions(concat(bytes(2, 6, 0x23, 0x28, 0, 0), nop(), nop())).build(),
                (b, f) -> { });
        assertMalformed(FrameBuilder.ipv4().tcpOptions(concat(mss(9000), nop(), nop(), nop(), bytes(3))).build(),
                (b, f) -> { });
        // MSS option cut by the data offset: its value would lie in the payload.
        assertMalformed(FrameBuilder.ipv4().tcpOptions(concat(nop(), nop(), mss(9000))).payload(new byte[2]).build(),
                (b, f) -> b[f.tcpStart + 12] = 0x60);
    }

    @Test
    void rejectsFramesCutInsideTheEthernetHeaderOrATag() {
        TestFrame frame = FrameBuilder.linuxSyn(false, 1460).tag(FrameBuilder.QINQ, 1).tag(FrameBuilder.VLAN, 2).build();
        for (int length : new int[] {0, 1, 13, 14, 17, 18, 21, 22, 41}) {
            ClampHarness.Outcome outcome = harness.run(frame.bytes, length, MAX_FRAME);
            assertEquals(ClampResult.MALFORMED, outcome.result, "length " + length);
            assertArrayEquals(frame.bytes, outcome.after);
        }
    }

    @Test
    void survivesTruncationAtEveryLength() {
        List<TestFrame> frames = List.of(
                FrameBuilder.linuxSyn(false, 1460).build(),
                FrameBuilder.linuxSyn(false, 1460).ipOptions(0x94, 4, 0, 0).tag(FrameBuilder.VLAN, 9).build(),
                FrameBuilder.linuxSyn(true, 1440).extension(IpProtocol.HOP_BY_HOP, 8)
                        .extension(IpProtocol.DESTINATION_OPTIONS, 16).build(),
                FrameBuilder.linuxSyn(true, 9000).tag(FrameBuilder.QINQ, 3).tag(FrameBuilder.VLAN, 4).build(),
                FrameBuilder.ipv4().tcpOptions(concat(nop(), mss(9000), nop(), nop())).padding(8).build());
        for (TestFrame frame : frames) {
            for (int length = 0; length <= frame.length(); length++) {
                ClampHarness.Outcome outcome = harness.run(frame.bytes, length, MAX_FRAME);
                if (length >= frame.packetEnd) {
                    assertEquals(ClampResult.CLAMPED, outcome.result, "length " + length);
                    assertTrue(frame.tcpChecksumValid(outcome.after));
                } else {
                    assertEquals(ClampResult.MALFORMED, outcome.result, "length " + length);
                    assertArrayEquals(frame.bytes, outcome.after, "length " + length);
                }
            }
        }
    }

    @Test
    void survivesTenThousandRandomMutationsAndKeepsEveryClampedChecksumValid() {
        TestFrame[] templates = {
            FrameBuilder.linuxSyn(false, 1460).build(),
            FrameBuilder.linuxSyn(false, 0xFFFF).tcpFlags(TcpHeader.SYN | TcpHeader.ACK).ipOptions(1, 1, 1, 0).build(),
            FrameBuilder.linuxSyn(true, 1440).extension(IpProtocol.HOP_BY_HOP, 8).ipv6Fragment(0, true).build(),
            FrameBuilder.linuxSyn(true, 8960).tag(FrameBuilder.VLAN, 10).extension(IpProtocol.ROUTING, 16).build(),
            FrameBuilder.linuxSyn(false, 9000).tag(FrameBuilder.QINQ, 11).tag(FrameBuilder.VLAN, 12).build(),
            FrameBuilder.ipv4().tcpOptions(concat(nop(), mss(1460), sackPermitted(), mss(9000), nop(), nop())).build(),
            FrameBuilder.ipv6().tcpOptions(concat(nop(), nop(), sackPermitted(), mss(4000))).payload(new byte[9])
                    .build(),
        };
        byte[] interesting = bytes(0, 1, 2, 3, 4, 5, 6, 8, 0x0F, 0x10, 0x12, 0x14, 0x2C, 0x33, 0x3C, 0x40, 0x45,
                0x4F, 0x50, 0x60, 0x80, 0x81, 0x86, 0x88, 0xA8, 0xDD, 0xF0, 0xFF);
        SplittableRandom random = new SplittableRandom(20_240_601);
        int[] results = new int[ClampResult.COUNT];
        for (int n = 0; n < MUTATIONS; n++) {
            TestFrame template = templates[random.nextInt(templates.length)];
            byte[] bytes = template.bytes.clone();
            int length = bytes.length;
            // Every template has TCP options; mutations aim mostly at the headers, where the parsing is.
            int headerEnd = template.tcpStart + ((template.bytes[template.tcpStart + 12] & 0xF0) >>> 2);
            int mutations = 1 + random.nextInt(3);
            for (int m = 0; m < mutations; m++) {
                int at = random.nextInt(headerEnd);
                switch (random.nextInt(5)) {
                    case 0:
                        bytes[random.nextInt(bytes.length)] ^= (byte) (1 << random.nextInt(8));
                        break;
                    case 1:
                        bytes[at] = interesting[random.nextInt(interesting.length)];
                        break;
                    case 2:
                        bytes[template.tcpStart + 20 + random.nextInt(headerEnd - template.tcpStart - 20)] =
                                (byte) random.nextInt(256);
                        break;
                    case 3:
                        int field = template.ipv6 ? template.ipStart + 4 : template.ipStart + 2;
                        TestFrame.putU16(bytes, field, TestFrame.u16(bytes, field) + random.nextInt(-24, 25));
                        break;
                    default:
                        length = random.nextInt(length + 1);
                        break;
                }
            }
            // Keep the checksum valid for whatever TCP header the mutated frame now points at.
            TestFrame layout = ReferenceLocator.locate(bytes, length);
            if (layout != null) {
                TestFrame.putU16(bytes, layout.tcpStart + 16, 0);
                TestFrame.putU16(bytes, layout.tcpStart + 16, ~layout.tcpSum(bytes) & 0xFFFF);
            }
            int maxFrameLength = random.nextBoolean() ? MAX_FRAME : 600 + random.nextInt(9_000);

            ClampHarness.Outcome outcome = harness.run(bytes, length, maxFrameLength);

            results[outcome.result]++;
            String what = "mutation " + n + ": " + ClampResult.describe(outcome.result);
            if (outcome.result == ClampResult.CLAMPED) {
                assertNotNull(layout, what);
                assertTrue(layout.tcpChecksumValid(outcome.after), what);
                assertEquals(TcpHeader.SYN, outcome.after[layout.tcpStart + 13] & (TcpHeader.SYN | TcpHeader.RST), what);
            } else {
                assertArrayEquals(bytes, outcome.after, what);
            }
            if (outcome.result == ClampResult.WITHIN_LIMIT || outcome.result == ClampResult.NO_MSS_OPTION) {
                assertNotNull(layout, what);
            }
        }
        // The generator must reach every outcome often, or this test proves little.
        for (int result = 0; result < ClampResult.COUNT; result++) {
            assertTrue(results[result] >= 100, Arrays.toString(results));
        }
    }

    private interface Mutation {
        void apply(byte[] bytes, TestFrame frame);
    }

    /** Applies {@code mutation} to a copy of a valid frame whose SYN would be clamped, and expects MALFORMED. */
    private void assertMalformed(TestFrame frame, Mutation mutation) {
        byte[] bytes = frame.bytes.clone();
        mutation.apply(bytes, frame);
        ClampHarness.Outcome outcome = harness.run(bytes, bytes.length, MAX_FRAME);
        assertEquals(ClampResult.describe(ClampResult.MALFORMED), ClampResult.describe(outcome.result));
        assertArrayEquals(bytes, outcome.after, "a malformed frame is left alone");
    }
}
