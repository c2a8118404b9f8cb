package dev.pollen.metrics;

/**
 * Facts about one open feature store that metrics read when scraped, as {@link TableGauges} does for tables. The
 * feature store (module {@code pollen-features}) offers them through {@code FeatureStore.gauges()}.
 */
public interface FeatureStoreGauges {
    /** @return the name of the store's schema, the meters' {@code schema} tag */
    String schema();

    /** @return keys held */
    long keys();

    /** @return idle keys reclaimed to make room, since the store was created */
    long evictions();

    /** @return events dropped from a window that no longer held their bucket */
    long lateDrops();

    /** @return events refused for a time outside the accepted skew */
    long refusedTimes();

    /** @return new keys refused because the store was full */
    long refusedFull();
}
