package org.tapbridge.mtu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.tapbridge.mtu.Packets.u16;
import static org.tapbridge.mtu.Packets.u32;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Replies to frames larger than the tunnel, checked field by field against independent arithmetic. */
class TooBigReplyTest {
    private static final int MAX_FRAME = 1440;
    private static final byte SENTINEL = (byte) 0xA5;
    private static final int OUT_AT = 7;

    private final TooBigReply replies = new TooBigReply();
    private final SplittableRandom random = new SplittableRandom(20240501);

    /** The reply bytes, after checking that nothing outside them in a sentinel-filled buffer changed. */
    private byte[] reply(Packets.Kind kind, byte[] frame, int maxFrame, int outCapacity) {
        ByteBuffer in = Packets.place(kind, frame, 3, 5);
        ByteBuffer out = kind.allocate(OUT_AT + outCapacity + 9);
        for (int i = 0; i < out.capacity(); i++) {
            out.put(i, SENTINEL);
        }
        int length = replies.build(in, 3, frame.length, maxFrame, out, OUT_AT, outCapacity);
        assertOnlyWritten(out, OUT_AT, length, "reply");
        assertArrayEquals(frame, Packets.read(in, 3, frame.length), "the original is not touched");
        return Packets.read(out, OUT_AT, length);
    }

    /** Every byte of {@code out} outside {@code [from, from + length)} still holds the sentinel. */
    private static void assertOnlyWritten(ByteBuffer out, int from, int length, String context) {
        for (int i = 0; i < out.capacity(); i++) {
            if ((i < from || i >= from + length) && out.get(i) != SENTINEL) {
                fail(context + ": byte " + i + " outside [" + from + ", " + (from + length) + ") changed");
            }
        }
    }

    private byte[] reply(byte[] frame, int maxFrame) {
        return reply(Packets.Kind.HEAP_BIG_ENDIAN, frame, maxFrame, TooBigReply.MAX_REPLY_LENGTH);
    }

    private int classify(byte[] frame, int maxFrame) {
        return replies.classify(ByteBuffer.wrap(frame), 0, frame.length, maxFrame);
    }

    /** Checks every field of an ICMP "fragmentation needed" reply to {@code original}. */
    private static void assertIpv4Reply(byte[] original, int l2, byte[] reply, int mtu, int quoted) {
        assertEquals(l2 + 20 + 8 + quoted, reply.length, "reply length");
        assertArrayEquals(Arrays.copyOfRange(original, 6, 12), Arrays.copyOfRange(reply, 0, 6), "dst MAC = old src");
        assertArrayEquals(Arrays.copyOfRange(original, 0, 6), Arrays.copyOfRange(reply, 6, 12), "src MAC = old dst");
        assertArrayEquals(Arrays.copyOfRange(original, 12, l2), Arrays.copyOfRange(reply, 12, l2), "tags, EtherType");
        int ip = l2;
        int oip = l2;
        assertEquals(0x45, reply[ip] & 0xFF, "version 4, IHL 5");
        assertEquals(0xC0, reply[ip + 1] & 0xFF, "TOS: precedence 6");
        assertEquals(20 + 8 + quoted, u16(reply, ip + 2), "total length");
        assertEquals(0, u16(reply, ip + 6), "flags and offset: DF clear, not a fragment");
        assertEquals(64, reply[ip + 8] & 0xFF, "TTL");
        assertEquals(1, reply[ip + 9] & 0xFF, "protocol ICMP");
        assertArrayEquals(Arrays.copyOfRange(original, oip + 16, oip + 20), Arrays.copyOfRange(reply, ip + 12, ip + 16),
                "IP source = old destination");
        assertArrayEquals(Arrays.copyOfRange(original, oip + 12, oip + 16), Arrays.copyOfRange(reply, ip + 16, ip + 20),
                "IP destination = old source");
        byte[] header = Arrays.copyOfRange(reply, ip, ip + 20);
        header[10] = 0;
        header[11] = 0;
        assertEquals(Packets.checksum(header, 0, 20), u16(reply, ip + 10), "IP header checksum");
        assertEquals(0xFFFF, Packets.onesComplementSum(reply, ip, 20), "header sums to 0xFFFF");
        int icmp = ip + 20;
        assertEquals(3, reply[icmp] & 0xFF, "ICMP type 3");
        assertEquals(4, reply[icmp + 1] & 0xFF, "code 4");
        assertEquals(0, u16(reply, icmp + 4), "unused");
        assertEquals(mtu, u16(reply, icmp + 6), "next-hop MTU");
        byte[] message = Arrays.copyOfRange(reply, icmp, reply.length);
        message[2] = 0;
        message[3] = 0;
        assertEquals(Packets.checksum(message, 0, message.length), u16(reply, icmp + 2), "ICMP checksum");
        assertArrayEquals(Arrays.copyOfRange(original, oip, oip + quoted), Arrays.copyOfRange(reply, icmp + 8,
                reply.length), "the quoted start of the original IP packet");
    }

    /** Checks every field of an ICMPv6 Packet Too Big reply to {@code original}. */
    private static void assertIpv6Reply(byte[] original, int l2, byte[] reply, int mtu, int quoted) {
        assertEquals(l2 + 40 + 8 + quoted, reply.length, "reply length");
        assertArrayEquals(Arrays.copyOfRange(original, 6, 12), Arrays.copyOfRange(reply, 0, 6), "dst MAC = old src");
        assertArrayEquals(Arrays.copyOfRange(original, 0, 6), Arrays.copyOfRange(reply, 6, 12), "src MAC = old dst");
        assertArrayEquals(Arrays.copyOfRange(original, 12, l2), Arrays.copyOfRange(reply, 12, l2), "tags, EtherType");
        int ip = l2;
        assertEquals(0x6000_0000L, u32(reply, ip), "version 6, traffic class 0, flow label 0");
        assertEquals(8 + quoted, u16(reply, ip + 4), "payload length");
        assertEquals(58, reply[ip + 6] & 0xFF, "next header ICMPv6");
        assertEquals(64, reply[ip + 7] & 0xFF, "hop limit");
        assertArrayEquals(Arrays.copyOfRange(original, l2 + 24, l2 + 40), Arrays.copyOfRange(reply, ip + 8, ip + 24),
                "source = old destination");
        assertArrayEquals(Arrays.copyOfRange(original, l2 + 8, l2 + 24), Arrays.copyOfRange(reply, ip + 24, ip + 40),
                "destination = old source");
        int icmp = ip + 40;
        assertEquals(2, reply[icmp] & 0xFF, "ICMPv6 type 2");
        assertEquals(0, reply[icmp + 1] & 0xFF, "code 0");
        assertEquals(mtu, u32(reply, icmp + 4), "MTU");
        int icmpLength = reply.length - icmp;
        byte[] pseudo = new byte[40 + icmpLength];
        System.arraycopy(reply, ip + 8, pseudo, 0, 32);
        pseudo[32] = (byte) (icmpLength >>> 24);
        pseudo[33] = (byte) (icmpLength >>> 16);
        pseudo[34] = (byte) (icmpLength >>> 8);
        pseudo[35] = (byte) icmpLength;
        pseudo[39] = 58;
        System.arraycopy(reply, icmp, pseudo, 40, icmpLength);
        pseudo[42] = 0;
        pseudo[43] = 0;
        assertEquals(Packets.checksum(pseudo, 0, pseudo.length), u16(reply, icmp + 2), "checksum with pseudo-header");
        assertArrayEquals(Arrays.copyOfRange(original, l2, l2 + quoted), Arrays.copyOfRange(reply, icmp + 8,
                reply.length), "the quoted start of the original packet");
    }

    @ParameterizedTest
    @EnumSource(Packets.Kind.class)
    void answersDfUdpWithFragmentationNeededCappedAt576Bytes(Packets.Kind kind) {
        byte[] frame = new Packets.V4().build();
        assertEquals(TooBigReply.REPLY_IPV4, classify(frame, MAX_FRAME));
        byte[] reply = reply(kind, frame, MAX_FRAME, TooBigReply.MAX_REPLY_LENGTH);
        assertEquals(14 + 576, reply.length);
        assertIpv4Reply(frame, 14, reply, MAX_FRAME - 14, 576 - 28);
    }

    @Test
    void answersDfIcmpEchoQuotingAllOfASmallOriginal() {
        Packets.V4 echo = new Packets.V4();
        echo.protocol = 1;
        echo.payload = Packets.icmp(8, 0, Packets.random(random, 372));
        byte[] frame = echo.build(); // a 400-byte IP packet
        byte[] reply = reply(frame, 300);
        assertIpv4Reply(frame, 14, reply, 300 - 14, 400);
    }

    @Test
    void quotesAtMost548BytesOfAJumboOriginal() {
        byte[] frame = new Packets.V4().payload(Packets.udp(1, 2, Packets.random(random, 8972))).build();
        byte[] reply = reply(frame, MAX_FRAME);
        assertIpv4Reply(frame, 14, reply, MAX_FRAME - 14, 548);
    }

    @Test
    void quotesOriginalIpOptionsAsTheyAre() {
        Packets.V4 packet = new Packets.V4();
        packet.options = new byte[] {(byte) 0x94, 4, 0, 0, 1, 1, 1, 0}; // router alert, NOPs, end
        byte[] frame = packet.build();
        assertEquals(TooBigReply.REPLY_IPV4, classify(frame, MAX_FRAME));
        assertIpv4Reply(frame, 14, reply(frame, MAX_FRAME), MAX_FRAME - 14, 548);
    }

    @Test
    void announcesTheInnerMtuOfTaggedAndQinqFramesAndKeepsTheirTags() {
        Packets.V4 tagged = new Packets.V4();
        tagged.tags = new int[] {0x8100, 0xA00A}; // PCP 5, VLAN 10
        byte[] frame = tagged.build();
        assertIpv4Reply(frame, 18, reply(frame, MAX_FRAME), MAX_FRAME - 18, 548);

        Packets.V4 qinq = new Packets.V4();
        qinq.tags = new int[] {0x88A8, 0x2064, 0x8100, 0x0007}; // S-tag PCP 1 VLAN 100, C-tag VLAN 7
        frame = qinq.build();
        assertIpv4Reply(frame, 22, reply(frame, MAX_FRAME), MAX_FRAME - 22, 548);

        Packets.V6 taggedV6 = new Packets.V6();
        taggedV6.tags = new int[] {0x88A8, 0x2064, 0x8100, 0x0007};
        frame = taggedV6.build();
        assertIpv6Reply(frame, 22, reply(frame, MAX_FRAME), MAX_FRAME - 22, 1232);
    }

    @Test
    void numbersIpv4RepliesWithACounter() {
        byte[] frame = new Packets.V4().build();
        int first = u16(reply(frame, MAX_FRAME), 14 + 4);
        int second = u16(reply(frame, MAX_FRAME), 14 + 4);
        assertEquals((first + 1) & 0xFFFF, second);
    }

    @ParameterizedTest
    @EnumSource(Packets.Kind.class)
    void answersIpv6WithPacketTooBigCappedAt1280Bytes(Packets.Kind kind) {
        byte[] frame = new Packets.V6().build();
        assertEquals(TooBigReply.REPLY_IPV6, classify(frame, MAX_FRAME));
        byte[] reply = reply(kind, frame, MAX_FRAME, TooBigReply.MAX_REPLY_LENGTH);
        assertEquals(14 + 1280, reply.length);
        assertIpv6Reply(frame, 14, reply, MAX_FRAME - 14, 1232);
    }

    @Test
    void answersIpv6BehindExtensionHeadersAndNonFirstFragments() {
        Packets.V6 behind = new Packets.V6();
        behind.nextHeader = 0;
        behind.extensions = Packets.concat(Packets.optionsHeader(60), Packets.optionsHeader(44),
                Packets.fragmentHeader(17, 0, true));
        assertEquals(TooBigReply.REPLY_IPV6, classify(behind.build(), MAX_FRAME));

        Packets.V6 later = new Packets.V6();
        later.nextHeader = 44;
        later.extensions = Packets.fragmentHeader(58, 185, false); // no upper-layer header in it
        later.payload = Packets.random(random, 1452);
        later.payload[0] = 1; // would look like an ICMPv6 error if it were read as one
        assertEquals(TooBigReply.REPLY_IPV6, classify(later.build(), MAX_FRAME));
    }

    @Test
    void fragmentsIpv6WhenTheMtuToAnnounceIsBelow1280() {
        byte[] frame = new Packets.V6().build();
        assertEquals(TooBigReply.FRAGMENT, classify(frame, 1293));
        assertEquals(0, reply(frame, 1293).length);
        assertEquals(TooBigReply.REPLY_IPV6, classify(frame, 1294), "14 + 1280 is enough");
        Packets.V6 tagged = new Packets.V6();
        tagged.tags = new int[] {0x8100, 5};
        assertEquals(TooBigReply.FRAGMENT, classify(tagged.build(), 1297), "the tag counts: 1297 - 18 < 1280");
        assertEquals(TooBigReply.REPLY_IPV6, classify(tagged.build(), 1298));
    }

    @Test
    void fragmentsIpv4WhenTheMtuToAnnounceIsBelow68() {
        byte[] frame = new Packets.V4().build();
        assertEquals(TooBigReply.FRAGMENT, classify(frame, 14 + 67));
        assertEquals(TooBigReply.REPLY_IPV4, classify(frame, 14 + 68));
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 4, 5, 11, 12})
    void neverAnswersAnIcmpError(int type) {
        Packets.V4 error = new Packets.V4();
        error.protocol = 1;
        error.payload = Packets.icmp(type, 0, Packets.random(random, 1472));
        byte[] frame = error.build();
        assertEquals(TooBigReply.FRAGMENT, classify(frame, MAX_FRAME));
        assertEquals(0, reply(frame, MAX_FRAME).length);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 8, 13, 255})
    void answersIcmpMessagesThatAreNotErrors(int type) {
        Packets.V4 query = new Packets.V4();
        query.protocol = 1;
        query.payload = Packets.icmp(type, 0, Packets.random(random, 1472));
        assertEquals(TooBigReply.REPLY_IPV4, classify(query.build(), MAX_FRAME));
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 127})
    void neverAnswersAnIcmpv6ErrorEvenBehindExtensionHeaders(int type) {
        Packets.V6 direct = new Packets.V6();
        direct.nextHeader = 58;
        direct.payload = Packets.icmp(type, 0, Packets.random(random, 1452));
        assertEquals(TooBigReply.FRAGMENT, classify(direct.build(), MAX_FRAME));
        Packets.V6 behind = new Packets.V6();
        behind.nextHeader = 0;
        behind.extensions = Packets.concat(Packets.optionsHeader(44), Packets.fragmentHeader(60, 0, true),
                Packets.optionsHeader(58));
        behind.payload = Packets.icmp(type, 0, Packets.random(random, 1452));
        assertEquals(TooBigReply.FRAGMENT, classify(behind.build(), MAX_FRAME));
        assertEquals(0, reply(behind.build(), MAX_FRAME).length);
    }

    @Test
    void answersIcmpv6InformationalMessages() {
        Packets.V6 echo = new Packets.V6();
        echo.nextHeader = 58;
        echo.payload = Packets.icmp(128, 0, Packets.random(random, 1452));
        assertEquals(TooBigReply.REPLY_IPV6, classify(echo.build(), MAX_FRAME));
    }

    @Test
    void fragmentsIpv4FromOrToAddressesThatNameNoSingleHost() {
        byte[][] badSources = {Packets.v4(0, 0, 0, 0), Packets.v4(127, 0, 0, 1), Packets.v4(224, 0, 0, 5),
            Packets.v4(239, 1, 2, 3), Packets.v4(255, 255, 255, 255), Packets.v4(240, 0, 0, 1)};
        for (byte[] source : badSources) {
            Packets.V4 packet = new Packets.V4();
            packet.source = source;
            assertEquals(TooBigReply.FRAGMENT, classify(packet.build(), MAX_FRAME), Arrays.toString(source));
        }
        byte[][] badDestinations = {Packets.v4(224, 0, 0, 1), Packets.v4(239, 255, 255, 250),
            Packets.v4(255, 255, 255, 255), Packets.v4(127, 0, 0, 1), Packets.v4(0, 0, 0, 0)};
        for (byte[] destination : badDestinations) {
            Packets.V4 packet = new Packets.V4();
            packet.destination = destination;
            assertEquals(TooBigReply.FRAGMENT, classify(packet.build(), MAX_FRAME), Arrays.toString(destination));
            assertEquals(0, reply(packet.build(), MAX_FRAME).length);
        }
    }

    @Test
    void fragmentsIpv6FromOrToAddressesThatNameNoSingleHost() {
        byte[][] bad = {new byte[16], Packets.v6("00000000000000000000000000000001"),
            Packets.v6("ff020000000000000000000000000001"), Packets.v6("ff0e0000000000000000000000000101")};
        for (byte[] address : bad) {
            Packets.V6 from = new Packets.V6();
            from.source = address;
            assertEquals(TooBigReply.FRAGMENT, classify(from.build(), MAX_FRAME), "source " + Arrays.toString(address));
            Packets.V6 to = new Packets.V6();
            to.destination = address;
            assertEquals(TooBigReply.FRAGMENT, classify(to.build(), MAX_FRAME), "dest " + Arrays.toString(address));
        }
        Packets.V6 almostLoopback = new Packets.V6();
        almostLoopback.source = Packets.v6("00000000000000000000000000000002");
        assertEquals(TooBigReply.REPLY_IPV6, classify(almostLoopback.build(), MAX_FRAME), "::2 is not special here");
    }

    @Test
    void fragmentsFramesToOrFromGroupMacAddresses() {
        Packets.V4 broadcast = new Packets.V4();
        broadcast.destinationMac = 0xFFFF_FFFF_FFFFL;
        assertEquals(TooBigReply.FRAGMENT, classify(broadcast.build(), MAX_FRAME));
        Packets.V6 multicast = new Packets.V6();
        multicast.destinationMac = 0x3333_0000_0001L;
        assertEquals(TooBigReply.FRAGMENT, classify(multicast.build(), MAX_FRAME));
        Packets.V4 groupSource = new Packets.V4();
        groupSource.sourceMac = 0x0100_5E00_0001L;
        assertEquals(TooBigReply.FRAGMENT, classify(groupSource.build(), MAX_FRAME));
    }

    @Test
    void fragmentsIpv4WithoutDfAndNonFirstFragmentsButAnswersAFirstFragment() {
        Packets.V4 noDf = new Packets.V4();
        noDf.dontFragment = false;
        assertEquals(TooBigReply.FRAGMENT, classify(noDf.build(), MAX_FRAME));
        assertEquals(0, reply(noDf.build(), MAX_FRAME).length);

        Packets.V4 later = new Packets.V4();
        later.fragmentOffset = 185;
        later.moreFragments = true;
        assertEquals(TooBigReply.FRAGMENT, classify(later.build(), MAX_FRAME));
        assertEquals(0, reply(later.build(), MAX_FRAME).length);

        Packets.V4 first = new Packets.V4();
        first.moreFragments = true;
        assertEquals(TooBigReply.REPLY_IPV4, classify(first.build(), MAX_FRAME));
    }

    @Test
    void fragmentsAnIpPacketThatFitsWhenOnlyTrailingBytesMakeTheFrameTooLong() {
        Packets.V4 padded = new Packets.V4();
        padded.payload = Packets.udp(1, 2, new byte[1398]); // 1426-byte packet: exactly the inner MTU
        padded.trailer = new byte[20];
        assertEquals(TooBigReply.FRAGMENT, classify(padded.build(), MAX_FRAME));
        padded.payload = Packets.udp(1, 2, new byte[1399]);
        assertEquals(TooBigReply.REPLY_IPV4, classify(padded.build(), MAX_FRAME));
    }

    @Test
    void fragmentsNonIpFrames() {
        byte[] frame = new Packets.V4().build();
        frame[12] = (byte) 0x88;
        frame[13] = (byte) 0xB5; // local experimental
        assertEquals(TooBigReply.FRAGMENT, classify(frame, MAX_FRAME));
        frame[12] = 0x05;
        frame[13] = (byte) 0xDC; // an 802.3 length field
        assertEquals(TooBigReply.FRAGMENT, classify(frame, MAX_FRAME));
        assertEquals(0, reply(frame, MAX_FRAME).length);
    }

    @Test
    void dropsIpv4WithABadHeaderChecksumWithoutReply() {
        Packets.V4 corrupt = new Packets.V4();
        corrupt.corruptChecksum = true;
        assertEquals(TooBigReply.DROP_MALFORMED, classify(corrupt.build(), MAX_FRAME));
        assertEquals(0, reply(corrupt.build(), MAX_FRAME).length);
        byte[] frame = new Packets.V4().build();
        frame[14 + 8] ^= 1; // TTL changed after the checksum was computed
        assertEquals(TooBigReply.DROP_MALFORMED, classify(frame, MAX_FRAME));
    }

    @Test
    void dropsMalformedIpHeaders() {
        byte[] good = new Packets.V4().build();
        byte[] version = good.clone();
        version[14] = 0x55;
        assertEquals(TooBigReply.DROP_MALFORMED, classify(version, MAX_FRAME), "version 5 under EtherType IPv4");
        byte[] ihl = good.clone();
        ihl[14] = 0x44;
        assertEquals(TooBigReply.DROP_MALFORMED, classify(ihl, MAX_FRAME), "IHL 4");
        Packets.V4 longer = new Packets.V4();
        longer.options = new byte[40]; // IHL 15
        byte[] cut = Arrays.copyOf(longer.build(), 14 + 59);
        assertEquals(TooBigReply.DROP_MALFORMED, classify(cut, 14 + 20), "header longer than the frame");
        byte[] beyond = new Packets.V4().build();
        beyond = Arrays.copyOf(beyond, beyond.length - 1); // total length now one past the frame
        assertEquals(TooBigReply.DROP_MALFORMED, classify(beyond, MAX_FRAME), "total length beyond the frame");

        byte[] v6 = new Packets.V6().build();
        byte[] v6version = v6.clone();
        v6version[14] = 0x40;
        assertEquals(TooBigReply.DROP_MALFORMED, classify(v6version, MAX_FRAME), "version 4 under EtherType IPv6");
        assertEquals(TooBigReply.DROP_MALFORMED, classify(Arrays.copyOf(v6, v6.length - 1), MAX_FRAME),
                "payload length beyond the frame");
        Packets.V6 chain = new Packets.V6();
        chain.nextHeader = 0;
        chain.extensions = new byte[] {60, 0, 1, 4, 0, 0, 0, 0};
        chain.payload = new byte[1452];
        chain.payload[0] = 60;
        chain.payload[1] = (byte) 200; // 1608 bytes of options in a 1452-byte rest
        assertEquals(TooBigReply.DROP_MALFORMED, classify(chain.build(), MAX_FRAME), "extension header past the end");
    }

    @Test
    void dropsFramesTheEthernetParserRejects() {
        byte[] frame = new Packets.V4().build();
        assertEquals(TooBigReply.DROP_MALFORMED, classify(Arrays.copyOf(frame, 13), 0));
        Packets.V4 reserved = new Packets.V4();
        reserved.tags = new int[] {0x8100, 0x0FFF};
        assertEquals(TooBigReply.DROP_MALFORMED, classify(reserved.build(), MAX_FRAME));
        assertEquals(TooBigReply.DROP_MALFORMED, replies.classify(ByteBuffer.wrap(frame), 10, frame.length, MAX_FRAME),
                "range beyond the buffer");
        assertEquals(TooBigReply.DROP_MALFORMED, replies.classify(null, 0, 100, MAX_FRAME));
    }

    @Test
    void answersWithShorterQuotesWhenTheOutputIsSmallAndNothingWhenTooSmall() {
        byte[] frame = new Packets.V4().build();
        byte[] reply = reply(Packets.Kind.DIRECT_LITTLE_ENDIAN, frame, MAX_FRAME, 200);
        assertIpv4Reply(frame, 14, reply, MAX_FRAME - 14, 200 - 14 - 28);
        assertEquals(14 + 28 + 28, reply(Packets.Kind.HEAP_BIG_ENDIAN, frame, MAX_FRAME, 14 + 28 + 28).length,
                "the IP header and 8 bytes fit");
        assertEquals(0, reply(Packets.Kind.HEAP_BIG_ENDIAN, frame, MAX_FRAME, 14 + 28 + 27).length);

        byte[] v6 = new Packets.V6().build();
        reply = reply(Packets.Kind.HEAP_LITTLE_ENDIAN, v6, MAX_FRAME, 500);
        assertIpv6Reply(v6, 14, reply, MAX_FRAME - 14, 500 - 14 - 48);
        assertEquals(0, reply(Packets.Kind.HEAP_BIG_ENDIAN, v6, MAX_FRAME, 14 + 48 + 47).length);
    }

    @Test
    void refusesBadOutputArguments() {
        byte[] frame = new Packets.V4().build();
        ByteBuffer in = ByteBuffer.wrap(frame);
        ByteBuffer out = ByteBuffer.allocate(TooBigReply.MAX_REPLY_LENGTH);
        assertEquals(0, replies.build(in, 0, frame.length, MAX_FRAME, null, 0, 100));
        assertEquals(0, replies.build(in, 0, frame.length, MAX_FRAME, out.asReadOnlyBuffer(), 0, out.capacity()));
        assertEquals(0, replies.build(in, 0, frame.length, MAX_FRAME, out, -1, 600));
        assertEquals(0, replies.build(in, 0, frame.length, MAX_FRAME, out, 1, out.capacity()));
        assertEquals(0, replies.build(in, 0, frame.length, MAX_FRAME, out, 0, -5));
        ByteBuffer shared = ByteBuffer.allocate(4000);
        shared.put(0, frame);
        assertEquals(0, replies.build(shared, 0, frame.length, MAX_FRAME, shared, frame.length - 1, 700),
                "overlapping ranges");
        assertEquals(14 + 576, replies.build(shared, 0, frame.length, MAX_FRAME, shared, frame.length, 700),
                "adjacent ranges are fine");
        assertEquals(TooBigReply.MAX_REPLY_LENGTH, new TooBigReply().build(ByteBuffer.wrap(qinqV6()), 0,
                qinqV6().length, 4000 - 1, out, 0, out.capacity()), "MAX_REPLY_LENGTH is reached exactly by QinQ IPv6");
    }

    private static byte[] qinqV6() {
        Packets.V6 packet = new Packets.V6();
        packet.tags = new int[] {0x88A8, 1, 0x8100, 2};
        packet.payload = new byte[4000];
        return packet.build();
    }

    /** Every prefix of several frames: no exception, nothing written outside the output range, sane answers. */
    @ParameterizedTest
    @EnumSource(Packets.Kind.class)
    void truncatedFramesAtEveryLengthNeverThrowNorWriteOutsideTheOutput(Packets.Kind kind) {
        Packets.V4 tagged = new Packets.V4();
        tagged.tags = new int[] {0x8100, 10};
        tagged.options = new byte[] {1, 1, 1, 0};
        Packets.V6 chained = new Packets.V6();
        chained.tags = new int[] {0x88A8, 1, 0x8100, 2};
        chained.nextHeader = 0;
        chained.extensions = Packets.concat(Packets.optionsHeader(44), Packets.fragmentHeader(58, 0, true));
        chained.payload = Packets.icmp(128, 0, new byte[1400]);
        Packets.V4 icmpError = new Packets.V4();
        icmpError.protocol = 1;
        icmpError.payload = Packets.icmp(3, 4, new byte[1400]);
        byte[][] frames = {tagged.build(), chained.build(), icmpError.build(), new Packets.V6().build()};
        int[] wholeTreatments = {TooBigReply.REPLY_IPV4, TooBigReply.REPLY_IPV6, TooBigReply.FRAGMENT,
            TooBigReply.REPLY_IPV6};
        int[] wholeReplyLengths = {18 + 576, 700, 0, 700}; // IPv4 capped at 576, IPv6 by the capacity
        for (int f = 0; f < frames.length; f++) {
            byte[] whole = frames[f];
            // The bytes after the given length stay in the buffer, so only the length may stop the parser.
            ByteBuffer in = Packets.place(kind, whole, 11, 0);
            int capacity = 700;
            ByteBuffer out = kind.allocate(capacity + 40);
            for (int length = 0; length <= whole.length; length++) {
                for (int i = 0; i < out.capacity(); i++) {
                    out.put(i, SENTINEL);
                }
                int treatment = replies.classify(in, 11, length, 1310);
                int written = replies.build(in, 11, length, 1310, out, 20, capacity);
                if (treatment != TooBigReply.REPLY_IPV4 && treatment != TooBigReply.REPLY_IPV6) {
                    assertEquals(0, written, "length " + length);
                }
                if (length < whole.length) {
                    assertEquals(0, written, "a cut packet is never answered, length " + length);
                } else {
                    assertEquals(wholeTreatments[f], treatment, "the whole frame " + f);
                    assertEquals(wholeReplyLengths[f], written, "the whole frame " + f);
                }
                assertOnlyWritten(out, 20, written, "cut at " + length);
            }
        }
    }
}
