package org.tapbridge.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Pins the errno numbers twice: as the literals measured on x86_64 and by the C library's text for each. */
class ErrnoTest {
    @Test
    void errnoNumbersAreTheAsmGenericValues() {
        int[][] pinned = {
            {Errno.EPERM, 1}, {Errno.ENOENT, 2}, {Errno.EINTR, 4}, {Errno.EIO, 5}, {Errno.EBADF, 9},
            {Errno.EAGAIN, 11}, {Errno.ENOMEM, 12}, {Errno.EACCES, 13}, {Errno.EFAULT, 14}, {Errno.EINVAL, 22},
            {Errno.ENFILE, 23}, {Errno.EMFILE, 24}, {Errno.EPIPE, 32}, {Errno.EPROTO, 71}, {Errno.ENOTSOCK, 88},
            {Errno.EDESTADDRREQ, 89}, {Errno.EMSGSIZE, 90}, {Errno.ENOPROTOOPT, 92}, {Errno.EOPNOTSUPP, 95},
            {Errno.EAFNOSUPPORT, 97}, {Errno.EADDRINUSE, 98}, {Errno.EADDRNOTAVAIL, 99}, {Errno.ENETDOWN, 100},
            {Errno.ENETUNREACH, 101}, {Errno.ECONNABORTED, 103}, {Errno.ECONNRESET, 104}, {Errno.ENOBUFS, 105},
            {Errno.EISCONN, 106}, {Errno.ENOTCONN, 107}, {Errno.ETIMEDOUT, 110}, {Errno.ECONNREFUSED, 111},
            {Errno.EHOSTDOWN, 112}, {Errno.EHOSTUNREACH, 113}, {Errno.EALREADY, 114}, {Errno.EINPROGRESS, 115},
        };
        for (int[] p : pinned) {
            assertEquals(p[1], p[0], Errno.name(p[0]));
        }
    }

    @Test
    void theCLibraryDescribesEachNumberAsExpected() {
        assertEquals("Resource temporarily unavailable", Errno.text(Errno.EAGAIN));
        assertEquals("Message too long", Errno.text(Errno.EMSGSIZE));
        assertEquals("Operation now in progress", Errno.text(Errno.EINPROGRESS));
        assertEquals("Connection refused", Errno.text(Errno.ECONNREFUSED));
        assertEquals("Address already in use", Errno.text(Errno.EADDRINUSE));
        assertEquals("Network is unreachable", Errno.text(Errno.ENETUNREACH));
        assertEquals("No route to host", Errno.text(Errno.EHOSTUNREACH));
        assertEquals("Broken pipe", Errno.text(Errno.EPIPE));
        assertEquals("Connection reset by peer", Errno.text(Errno.ECONNRESET));
        assertEquals("Transport endpoint is not connected", Errno.text(Errno.ENOTCONN));
        assertEquals("Bad file descriptor", Errno.text(Errno.EBADF));
        assertEquals("Socket operation on non-socket", Errno.text(Errno.ENOTSOCK));
        assertEquals("Cannot assign requested address", Errno.text(Errno.EADDRNOTAVAIL));
        assertEquals("No buffer space available", Errno.text(Errno.ENOBUFS));
        assertEquals("Software caused connection abort", Errno.text(Errno.ECONNABORTED));
    }

    @Test
    void namesEveryListedErrnoAndNumbersTheRest() {
        assertEquals("EMSGSIZE", Errno.name(90));
        assertEquals("EINPROGRESS", Errno.name(115));
        assertEquals("errno 999", Errno.name(999));
    }

    @Test
    void onlyDescriptorLevelErrorsStopABatch() {
        assertTrue(Errno.isDescriptorFailure(Errno.EBADF));
        assertTrue(Errno.isDescriptorFailure(Errno.ENOTSOCK));
        assertFalse(Errno.isDescriptorFailure(Errno.EMSGSIZE));
        assertFalse(Errno.isDescriptorFailure(Errno.ECONNREFUSED));
        assertFalse(Errno.isDescriptorFailure(Errno.ENETUNREACH));
        assertFalse(Errno.isDescriptorFailure(Errno.EAGAIN));
    }

    @Test
    void exceptionsNameTheCallTheAddressAndTheErrno() {
        NativeIoException e = new NativeIoException("bind", "198.18.0.1:4790", Errno.EADDRINUSE);
        assertEquals("bind(198.18.0.1:4790): EADDRINUSE Address already in use", e.getMessage());
        assertEquals("bind", e.call());
        assertEquals("198.18.0.1:4790", e.context());
        assertEquals(98, e.errno());
        assertEquals("EADDRINUSE", e.errnoName());
        assertEquals("recvmmsg(127.0.0.1:1): the socket was closed",
                new NativeIoException("recvmmsg", "127.0.0.1:1", 0, "the socket was closed").getMessage());
        assertEquals("poll: EINVAL Invalid argument; too many", new NativeIoException("poll", null, 22, "too many")
                .getMessage());
    }
}
