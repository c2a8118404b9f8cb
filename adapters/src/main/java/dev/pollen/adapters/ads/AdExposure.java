package dev.pollen.adapters.ads;

import dev.pollen.features.FeatureSchema;
import java.time.Duration;

/**
 * The ads domain's exposure schema: impressions served in the last hour (12 × 5 min buckets), day (24 × 1 h) and
 * week (7 × 1 day). One {@link dev.pollen.features.FeatureStore} of this schema holds, under separate keys, a
 * member's impressions of all ads (the model's exposure features), of one ad and of one campaign (the frequency
 * caps), and a campaign's impressions over all members (pacing). {@link AdDecisioner#served} records into it.
 */
public final class AdExposure {
    /** Index of the 1-hour window. */
    public static final int HOUR = 0;
    /** Index of the 1-day window. */
    public static final int DAY = 1;
    /** Index of the 1-week window. */
    public static final int WEEK = 2;
    /** Field: impressions. */
    public static final int IMPRESSIONS = 0;

    /** The schema. */
    public static final FeatureSchema SCHEMA = FeatureSchema.builder("ad-exposure")
            .window("1h", 12, Duration.ofMinutes(5))
            .window("1d", 24, Duration.ofHours(1))
            .window("1w", 7, Duration.ofDays(1))
            .field("impressions")
            .build();

    private AdExposure() {
    }
}
