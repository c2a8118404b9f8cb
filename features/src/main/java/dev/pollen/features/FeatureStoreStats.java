package dev.pollen.features;

/**
 * A feature store's counters at one moment, summed over every process that used the store file.
 *
 * @param keys keys held now
 * @param capacity most keys the store holds
 * @param evictions idle keys reclaimed to make room
 * @param lateDrops events dropped from at least one window because its bucket was no longer held
 * @param refusedTimes events refused because their time was outside the accepted skew of the store's clock
 * @param refusedFull new keys refused because the store was full and no key was idle
 */
public record FeatureStoreStats(long keys, long capacity, long evictions, long lateDrops, long refusedTimes,
        long refusedFull) {
}
