package dev.pollen.adapters.payments;

import dev.pollen.features.FeatureSchema;
import java.time.Duration;

/**
 * The card-velocity schema of the payments domain: per card, the number and US-dollar amount of transactions in
 * the last minute (6 × 10 s buckets), hour (12 × 5 min) and day (24 × 1 h). One {@link
 * dev.pollen.features.FeatureStore} of this schema is shared by every fraud scorer on a host; the training rows
 * are computed with the same arithmetic.
 */
public final class CardVelocity {
    /** Index of the 1-minute window. */
    public static final int MINUTE = 0;
    /** Index of the 1-hour window. */
    public static final int HOUR = 1;
    /** Index of the 1-day window. */
    public static final int DAY = 2;
    /** Number of windows. */
    public static final int WINDOWS = 3;
    /** Field: transactions. */
    public static final int COUNT = 0;
    /** Field: amount, US dollars. */
    public static final int AMOUNT = 1;

    /** The schema. */
    public static final FeatureSchema SCHEMA = FeatureSchema.builder("card-velocity")
            .window("1m", 6, Duration.ofSeconds(10))
            .window("1h", 12, Duration.ofMinutes(5))
            .window("1d", 24, Duration.ofHours(1))
            .field("count")
            .field("amount_usd")
            .build();

    private CardVelocity() {
    }
}
