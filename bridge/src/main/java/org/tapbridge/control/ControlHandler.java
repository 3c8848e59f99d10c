package org.tapbridge.control;

/** Answers control requests; implemented by the daemon. Runs on the {@code control} thread. */
public interface ControlHandler {
    /** The reply body: a human table or JSON, ending with a newline. */
    String handle(ControlRequest request) throws Exception;
}
