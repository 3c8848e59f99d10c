package org.tapbridge.link;

import java.io.IOException;
import java.net.InetSocketAddress;

/** Opens TCP listeners and connections for the TCP transport. */
public interface StreamNetwork {
    StreamListener listen(InetSocketAddress address) throws IOException;

    /** Starts a non-blocking connect; finish it with {@link StreamSocket#finishConnect()} once writable. */
    StreamSocket connect(InetSocketAddress address) throws IOException;

    /** A network without TCP (in-memory sites, the warm-up): every call fails with {@code why}. */
    static StreamNetwork unavailable(String why) {
        return new StreamNetwork() {
            @Override
            public StreamListener listen(InetSocketAddress address) throws IOException {
                throw new IOException(why);
            }

            @Override
            public StreamSocket connect(InetSocketAddress address) throws IOException {
                throw new IOException(why);
            }
        };
    }
}
