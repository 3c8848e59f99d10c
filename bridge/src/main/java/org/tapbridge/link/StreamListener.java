package org.tapbridge.link;

import java.io.IOException;

/** A non-blocking TCP listener. Owned by the data-path loop thread. */
public interface StreamListener extends AutoCloseable {
    int fd();

    /** The next pending connection, or null when none waits. */
    StreamSocket accept() throws IOException;

    @Override
    void close();
}
