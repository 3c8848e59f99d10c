package org.tapbridge.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.kenai.jffi.MemoryIO;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import jnr.ffi.Pointer;
import org.junit.jupiter.api.Test;

/** The sockaddr codec against hand-written native bytes, and the primitive endpoint forms. */
class SockAddrTest {
    private static final MemoryIO MEMORY = MemoryIO.getInstance();
    private final Pointer memory = NativeSockets.allocate(SockAddr.STORAGE_SIZE);
    private final long a = memory.address();

    @Test
    void encodesIpv4WithPortAndAddressInNetworkOrder() throws Exception {
        int length = SockAddr.encode(new InetSocketAddress(InetAddress.getByName("198.18.0.1"), 4790), a);
        assertEquals(16, length);
        assertEquals(2, MEMORY.getShort(a), "sin_family is host order");
        assertEquals((byte) 0x12, MEMORY.getByte(a + 2), "4790 = 0x12b6, high byte first");
        assertEquals((byte) 0xb6, MEMORY.getByte(a + 3));
        assertEquals((byte) 198, MEMORY.getByte(a + 4));
        assertEquals((byte) 18, MEMORY.getByte(a + 5));
        assertEquals((byte) 0, MEMORY.getByte(a + 6));
        assertEquals((byte) 1, MEMORY.getByte(a + 7));
        assertEquals(0, MEMORY.getLong(a + 8), "sin_zero");
    }

    @Test
    void encodesIpv6WithScopeIdInHostOrder() throws Exception {
        byte[] ip = InetAddress.getByName("fe80::1:2").getAddress();
        InetSocketAddress address = new InetSocketAddress(Inet6Address.getByAddress(null, ip, 3), 51820);
        assertEquals(28, SockAddr.encode(address, a));
        assertEquals(10, MEMORY.getShort(a));
        assertEquals((byte) 0xca, MEMORY.getByte(a + 2));
        assertEquals((byte) 0x6c, MEMORY.getByte(a + 3));
        assertEquals(0, MEMORY.getInt(a + 4), "flowinfo");
        assertEquals((byte) 0xfe, MEMORY.getByte(a + 8));
        assertEquals((byte) 0x80, MEMORY.getByte(a + 9));
        assertEquals((byte) 0x01, MEMORY.getByte(a + 21));
        assertEquals((byte) 0x02, MEMORY.getByte(a + 23));
        assertEquals(3, MEMORY.getInt(a + 24));
    }

    @Test
    void decodesWhatItEncodedIntoAKeyAndAnAddress() throws Exception {
        for (String text : new String[] {"127.0.0.1", "203.0.113.255", "::1", "2001:db8::7", "fe80::aa:bb%1"}) {
            InetSocketAddress original = new InetSocketAddress(InetAddress.getByName(text), 40000);
            int length = SockAddr.encode(original, a);
            EndpointKey key = new EndpointKey();
            assertTrue(SockAddr.decode(a, length, key), text);
            EncodedEndpoint encoded = EncodedEndpoint.of(original);
            assertTrue(key.sameAs(encoded), text);
            assertTrue(encoded.sameAs(key), text);
            assertEquals(encoded.hash(), key.hash(), text);
            assertTrue(encoded.matches(a), text);
            assertEquals(original, SockAddr.decode(a, length), text);
            assertEquals(original, key.toInetSocketAddress(), text);
            assertEquals(encoded, key.toEncoded(), text);
        }
    }

    @Test
    void keepsIpv4AndIpv6FormsApart() throws Exception {
        EncodedEndpoint v4 = EncodedEndpoint.of(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 1));
        EncodedEndpoint v6 = EncodedEndpoint.of(new InetSocketAddress(InetAddress.getByName("::7f00:1"), 1));
        assertEquals(0x7f000001L, v4.lo());
        assertEquals(0, v4.hi());
        assertEquals(0x7f000001L, v6.lo());
        assertFalse(new EndpointKey().set(v4).sameAs(v6), "same bits, different family");
        SockAddr.encode(v6.toInetSocketAddress(), a);
        assertFalse(v4.matches(a));
    }

    @Test
    void distinguishesPortsAddressesAndScopes() throws Exception {
        InetAddress ip = InetAddress.getByName("fe80::1");
        EncodedEndpoint scope1 = EncodedEndpoint.of(new InetSocketAddress(
                Inet6Address.getByAddress(null, ip.getAddress(), 1), 5));
        EncodedEndpoint scope2 = EncodedEndpoint.of(new InetSocketAddress(
                Inet6Address.getByAddress(null, ip.getAddress(), 2), 5));
        EncodedEndpoint port6 = EncodedEndpoint.of(new InetSocketAddress(
                Inet6Address.getByAddress(null, ip.getAddress(), 1), 6));
        SockAddr.encode(scope1.toInetSocketAddress(), a);
        assertTrue(scope1.matches(a));
        assertFalse(scope2.matches(a));
        assertFalse(port6.matches(a));
        MEMORY.putInt(a + SockAddr.IN6_FLOWINFO_OFFSET, 0x12345);
        assertTrue(scope1.matches(a), "the flow label is not part of the endpoint");
    }

    @Test
    void refusesUnknownFamiliesAndShortLengths() throws Exception {
        EndpointKey key = new EndpointKey().set(SockAddr.AF_INET, 0, 1, 1, 0);
        MEMORY.putShort(a, (short) 1); // AF_UNIX
        assertFalse(SockAddr.decode(a, 28, key));
        assertTrue(key.isEmpty());
        assertNull(SockAddr.decode(a, 28));
        SockAddr.encode(new InetSocketAddress(InetAddress.getByName("::1"), 1), a);
        assertFalse(SockAddr.decode(a, 16, key), "an AF_INET6 name needs 28 bytes");
    }

    @Test
    void formatsAddressesForPeopleWithoutLookups() throws Exception {
        assertEquals("198.18.0.1:4790", EncodedEndpoint.of(new InetSocketAddress("198.18.0.1", 4790)).toString());
        assertEquals("[::1]:7", EncodedEndpoint.of(new InetSocketAddress("::1", 7)).toString());
        assertEquals("[::]:7", EncodedEndpoint.of(new InetSocketAddress("::", 7)).toString());
        assertEquals("[2001:db8::1:0:0:1]:7", EncodedEndpoint.of(new InetSocketAddress("2001:db8:0:0:1:0:0:1", 7))
                .toString(), "the first of two equal zero runs is compressed");
        assertEquals("[1:2:3:4:5:6:7:8]:7", EncodedEndpoint.of(new InetSocketAddress("1:2:3:4:5:6:7:8", 7)).toString());
        assertEquals("[2001:db8::]:7", EncodedEndpoint.of(new InetSocketAddress("2001:db8::", 7)).toString());
        assertEquals("[2001:db8:0:1:1:1:1:1]:7", EncodedEndpoint.of(new InetSocketAddress("2001:db8:0:1:1:1:1:1", 7))
                .toString(), "a single zero group stays");
        assertEquals("[fe80::1%4]:7", EncodedEndpoint.of(new InetSocketAddress(Inet6Address.getByAddress(null,
                InetAddress.getByName("fe80::1").getAddress(), 4), 7)).toString());
    }

    @Test
    void keepsTheOriginalAddressWithoutAllocatingAnother() {
        InetSocketAddress original = new InetSocketAddress("192.0.2.9", 99);
        assertSame(original, EncodedEndpoint.of(original).toInetSocketAddress());
    }

    @Test
    void rejectsUnresolvedAddresses() {
        assertThrows(IllegalArgumentException.class,
                () -> EncodedEndpoint.of(InetSocketAddress.createUnresolved("peer.example", 1)));
    }
}
