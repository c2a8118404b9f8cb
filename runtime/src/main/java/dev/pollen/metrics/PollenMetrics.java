package dev.pollen.metrics;

import dev.pollen.catalog.ArtifactId;

/**
 * The runtime's metrics binding, supplied by the embedding application. {@link #none()} records nothing;
 * {@code MicrometerMetrics.of(MeterRegistry)} (module {@code pollen-micrometer}) records into the application's own
 * Micrometer registry.
 */
public interface PollenMetrics {
    /**
     * @param id a loaded model version
     * @return where contexts of that version report; the same object for the same id
     */
    ModelMetrics forModel(ArtifactId id);

    /**
     * Registers gauges that read the runtime's state when scraped.
     *
     * @param gauges the runtime's state
     */
    void bindRuntime(RuntimeGauges gauges);

    /**
     * @param id a model version that failed to load
     * @param category why
     */
    default void loadFailed(ArtifactId id, dev.pollen.ErrorCategory category) {
    }

    /**
     * @param adapter the deciding component, such as {@code payments.fraud}; a tag value, lower-case
     * @param outcomes outcome names, such as {@code approve, review, decline}; tag values, lower-case
     * @return where that adapter reports decisions
     */
    default DecisionMetrics decisions(String adapter, java.util.List<String> outcomes) {
        return DecisionMetrics.NONE;
    }

    /**
     * Registers meters that read an open table when scraped: unknown ids counted by gathers, rows, mapped bytes.
     *
     * @param id the table version
     * @param gauges its state; held weakly by Micrometer, so the caller keeps it reachable while the table is open
     */
    default void bindTable(ArtifactId id, TableGauges gauges) {
    }

    /**
     * Registers meters that read a feature store's counters when scraped: keys, evictions, late drops, refused
     * event times and refused new keys.
     *
     * @param store the store's gauges; held weakly by Micrometer, so the caller keeps them reachable while it is open
     */
    default void bindFeatureStore(FeatureStoreGauges store) {
    }

    /** @return a binding that records nothing */
    static PollenMetrics none() {
        return new PollenMetrics() {
            @Override
            public ModelMetrics forModel(ArtifactId id) {
                return ModelMetrics.NONE;
            }

            @Override
            public void bindRuntime(RuntimeGauges gauges) {
            }
        };
    }
}
