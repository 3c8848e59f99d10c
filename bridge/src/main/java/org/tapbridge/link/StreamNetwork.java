package org.tapbridge.link;

import java.io.IOException;
import java.net.InetSocketAddress;

/** Opens TCP listeners and connections for the TCP transport. */
public interface StreamNetwork {
    StreamListener listen(InetSocketAddress address) throws IOException;

    /** Starts a non-blocking connect; finish it with {@link StreamSocket#finishConnect()} once writable. */
    StreamSocket connect(InetSocketAddress address) throws IOException;
}
