package dev.pollen.features;

import org.agrona.MutableDirectBuffer;

/**
 * Remembers the answer to each request id for a window, so that a retried request gets the same answer and
 * changes nothing: a payments service that counts a transaction in a feature store must not count it again when
 * the client retries it. Ids are 64-bit hashes ({@link FeatureKeys}); answers are fixed-size byte payloads the
 * caller encodes.
 *
 * <p>{@link #once} holds the id's lock (across processes, for shared logs) while the first answer is computed, so
 * two concurrent copies of one request are answered once. An id recorded longer than {@link #windowMillis()} ago
 * counts as new. The log is bounded: when full, a new id reclaims expired ids; if none has expired, it is refused
 * with {@link dev.pollen.ErrorCategory#RESOURCE_EXHAUSTED}.
 *
 * <p>Thread-safe; {@code once} allocates nothing when the handler allocates nothing. After {@link #close()}
 * (which waits for calls in flight) every call fails with {@link dev.pollen.ErrorCategory#ILLEGAL_STATE}.
 */
public interface IdempotencyLog extends AutoCloseable {
    /**
     * Computes a request's answer the first time its id is seen within the window.
     *
     * @param <A> the handler's argument
     */
    @FunctionalInterface
    interface FirstHandler<A> {
        /**
         * @param arg the argument given to {@link #once}
         * @param answer where to write the answer ({@link #answerBytes()} bytes from 0)
         */
        void onFirst(A arg, MutableDirectBuffer answer);
    }

    /**
     * @param <A> the handler's argument type
     * @param id the request's id
     * @param nowMillis the current time, trusted: it decides which ids have expired and may be reclaimed, so a
     *     time from a client must have been checked against a clock first
     *     ({@link FeatureStore#checkEventTime(long)})
     * @param arg passed to the handler (so it need not capture)
     * @param handler computes the answer when the id is new; if it throws, nothing is recorded
     * @param answer receives the answer: computed now, or the one recorded for the id
     * @return {@code true} when the handler ran (a first request), {@code false} for a repeat
     */
    <A> boolean once(long id, long nowMillis, A arg, FirstHandler<A> handler, MutableDirectBuffer answer);

    /** @return bytes per answer */
    int answerBytes();

    /** @return how long an id's answer is kept */
    long windowMillis();

    /** @return ids held now */
    long size();

    /** Waits for calls in flight, then releases the log; idempotent. */
    @Override
    void close();
}
