package org.tapbridge.metrics;

/** Takes a {@link SiteSample} of a running site; called by the HTTP threads, once per scrape. */
@FunctionalInterface
public interface SiteSampler {
    /**
     * Returns the sample, or throws when the data path did not answer within its bound (a stuck loop): the
     * scrape then says so instead of waiting for ever.
     */
    SiteSample sample() throws Exception;
}
