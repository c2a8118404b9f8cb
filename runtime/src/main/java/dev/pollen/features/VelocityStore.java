package dev.pollen.features;

/**
 * Per-card velocity counters over sliding windows (see {@link VelocityWindows}), read when scoring a transaction and
 * updated after it is decided. Keys are 64-bit card keys ({@link CardKeys#of(CharSequence)}).
 *
 * <p>Implementations are thread-safe; {@code read} and {@code record} allocate nothing.
 */
public interface VelocityStore extends AutoCloseable {
    /**
     * @param cardKey the card
     * @param nowMillis the reading time
     * @param out receives the card's velocity (zeros for an unknown card)
     */
    void read(long cardKey, long nowMillis, VelocitySnapshot out);

    /**
     * Counts one transaction, atomically with respect to every other writer of the same card, in this process
     * and, for shared stores, in other processes.
     *
     * @param cardKey the card
     * @param nowMillis event time
     * @param amountUsd amount in US dollars
     */
    void record(long cardKey, long nowMillis, double amountUsd);

    /**
     * Reads the card's velocity before this transaction and counts the transaction, in one step where the store can
     * (one lock instead of two).
     *
     * @param cardKey the card
     * @param nowMillis event time
     * @param amountUsd amount in US dollars
     * @param before receives the velocity before this transaction
     */
    default void readAndRecord(long cardKey, long nowMillis, double amountUsd, VelocitySnapshot before) {
        read(cardKey, nowMillis, before);
        record(cardKey, nowMillis, amountUsd);
    }

    /** @return number of cards with a record */
    long size();

    /** Releases the store's resources; idempotent. */
    @Override
    void close();
}
