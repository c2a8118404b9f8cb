package dev.pollen.features;

import dev.pollen.metrics.FeatureStoreGauges;

/**
 * Keyed, windowed counters and sums declared by a {@link FeatureSchema}: small, mutable, per-entity online state
 * (card velocity, ad frequency caps), read when a decision is made and updated by the event being decided.
 * Keys are 64-bit hashes ({@link FeatureKeys}).
 *
 * <p><b>Event times are untrusted.</b> An event is accepted only within the store's {@link EventTimePolicy} of its
 * clock (default 5 minutes ahead, 7 days behind); others are refused with {@link dev.pollen.ErrorCategory#INVALID_ARGUMENT}
 * and counted. Accepted late and out-of-order events land in the bucket they belong to while that bucket is held,
 * and are dropped (and counted) from windows that no longer hold it; no event ever resets a newer bucket
 * ({@link WindowedRecord}).
 *
 * <p><b>Bounded.</b> A store holds at most {@link #capacity()} keys. When it is full, a new key first reclaims
 * the keys idle for longer than the longest window plus the accepted lateness (their buckets can never be read
 * again: reclaiming them loses nothing), then, if none, keys idle for longer than the longest window; if
 * none is idle either, the new key is refused with {@link dev.pollen.ErrorCategory#RESOURCE_EXHAUSTED} while
 * existing keys keep working.
 *
 * <p>Implementations are thread-safe; {@code read} and {@code readAndRecord} allocate nothing on success. After
 * {@link #close()} (which waits for calls in flight) every call fails with
 * {@link dev.pollen.ErrorCategory#ILLEGAL_STATE}.
 */
public interface FeatureStore extends AutoCloseable {
    /** @return what the store keeps per key */
    FeatureSchema schema();

    /**
     * @param key a key
     * @param atMillis the reading time (any time: reads are not checked against the clock)
     * @param out receives the key's windows at {@code atMillis} (zeros for an unknown key)
     */
    void read(long key, long atMillis, FeatureSnapshot out);

    /**
     * Reads the key's windows as they were before this event into {@code before} (when not {@code null}) and
     * counts the event, in one step under the key's lock (also across processes, for shared stores).
     *
     * @param key a key
     * @param eventMillis the event's time, checked against the store's clock
     * @param values what the event adds to each field, one finite value per field, each at most
     *     {@link #MAX_VALUE} in magnitude
     * @param before receives the windows before the event, or {@code null}
     * @return a bit per window that dropped the event as too late (bit {@code w} for window {@code w}), 0 when
     *     it was counted in every window
     * @throws dev.pollen.PollenException {@code INVALID_ARGUMENT} for an event time outside the accepted skew or a
     *     value that is not finite or too large; {@code RESOURCE_EXHAUSTED} when the store is full; the key's
     *     state is unchanged then
     */
    int readAndRecord(long key, long eventMillis, double[] values, FeatureSnapshot before);

    /**
     * Counts an event without reading; see {@link #readAndRecord}.
     *
     * @param key a key
     * @param eventMillis the event's time
     * @param values what the event adds to each field
     * @return the windows that dropped the event as too late
     */
    default int record(long key, long eventMillis, double[] values) {
        return readAndRecord(key, eventMillis, values, null);
    }

    /**
     * Checks an event time against the store's clock and accepted skew, as {@link #readAndRecord} does (a refusal
     * is counted the same way), for callers that must trust the time before they touch other state with it.
     *
     * @param eventMillis the event's time
     * @return the clock's time it was checked against
     * @throws dev.pollen.PollenException {@code INVALID_ARGUMENT} outside the accepted skew
     */
    long checkEventTime(long eventMillis);

    /** Largest magnitude of a value an event may add: sums stay exact to far below a cent. */
    double MAX_VALUE = 1e12;

    /** @return keys held now */
    long size();

    /** @return most keys the store holds */
    long capacity();

    /** @return the store's counters (evictions, late drops, refusals), shared by every process using the store */
    FeatureStoreStats stats();

    /** @return how event times are checked */
    EventTimePolicy eventTimes();

    /**
     * @return a view of {@link #stats()} for {@link dev.pollen.metrics.PollenMetrics#bindFeatureStore}; keep it
     *     reachable while the store is bound (meter registries hold it weakly)
     */
    default FeatureStoreGauges gauges() {
        FeatureStore store = this;
        return new FeatureStoreGauges() {
            @Override
            public String schema() {
                return store.schema().name();
            }

            @Override
            public long keys() {
                return store.stats().keys();
            }

            @Override
            public long evictions() {
                return store.stats().evictions();
            }

            @Override
            public long lateDrops() {
                return store.stats().lateDrops();
            }

            @Override
            public long refusedTimes() {
                return store.stats().refusedTimes();
            }

            @Override
            public long refusedFull() {
                return store.stats().refusedFull();
            }
        };
    }

    /** Waits for calls in flight, then releases the store; idempotent. Later calls fail cleanly. */
    @Override
    void close();
}
