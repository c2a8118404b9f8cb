package dev.pollen.metrics;

import dev.pollen.catalog.ArtifactId;

/**
 * The runtime's metrics binding, supplied by the embedding application. {@link #none()} records nothing;
 * {@code MicrometerMetrics.of(MeterRegistry)} (module {@code pollen-micrometer}) records into the application's own
 * Micrometer registry.
 *
 * <p>Meters that read an open object when scraped (a runtime's, a table's, a feature store's) are registered by the
 * {@code bind*} methods, which return a {@link MetricsRegistration}: the owner of the object closes it when the
 * object closes, and its meters leave the registry. Latency timers and counters are cumulative and stay.
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
     * @param gauges the runtime's state; the registration holds it until closed
     * @return the registration, closed by the runtime when it closes
     */
    MetricsRegistration bindRuntime(RuntimeGauges gauges);

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
     * @param adapter the deciding component, such as {@code ads.decision}; a tag value, lower-case
     * @param outcomes outcome names; tag values, lower-case
     * @param events names of the events {@link DecisionMetrics#counted} counts, such as {@code unknown_ids}; tag
     *     values, lower-case
     * @return where that adapter reports decisions, events and items per decision
     */
    default DecisionMetrics decisions(String adapter, java.util.List<String> outcomes, java.util.List<String> events) {
        return decisions(adapter, outcomes);
    }

    /**
     * Registers meters that read an open table when scraped: unknown ids counted by gathers, rows, mapped bytes.
     *
     * @param id the table version
     * @param gauges its state; the registration holds it until closed
     * @return the registration, closed by the runtime when the table closes
     */
    default MetricsRegistration bindTable(ArtifactId id, TableGauges gauges) {
        return MetricsRegistration.NONE;
    }

    /**
     * Registers meters that read a feature store's counters when scraped: keys, evictions, late drops, refused
     * event times and refused new keys.
     *
     * @param store the store's gauges; the registration holds them until closed, the meters only weakly, so a caller
     *     that drops the registration keeps them reachable while the store is open
     * @return the registration, to close when the store (or its user) closes
     */
    default MetricsRegistration bindFeatureStore(FeatureStoreGauges store) {
        return MetricsRegistration.NONE;
    }

    /**
     * A live handle switched new calls to another set of versions.
     *
     * @param live the handle's name, such as {@code payments.fraud}; a tag value, lower-case
     * @param from the versions that served before, one per part (empty for the first set)
     * @param to the versions serving now
     */
    default void liveSwapped(String live, java.util.List<ArtifactId> from, java.util.List<ArtifactId> to) {
    }

    /**
     * A live handle did not switch to a set of versions.
     *
     * @param live the handle's name; a tag value, lower-case
     * @param stage {@code resolve}, {@code load}, {@code warm} or {@code bind}
     * @param category why
     */
    default void liveFailed(String live, String stage, dev.pollen.ErrorCategory category) {
    }

    /**
     * A shadow version scored a request the serving version answered.
     *
     * @param live the serving handle's name, such as {@code payments.fraud}; a tag value, lower-case
     * @param delta the shadow's score minus the serving version's
     * @param changed whether the shadow's score would have changed the decision
     */
    default void shadowed(String live, double delta, boolean changed) {
    }

    /**
     * A request was not scored by the shadow version: its queue was full.
     *
     * @param live the serving handle's name; a tag value, lower-case
     */
    default void shadowDropped(String live) {
    }

    /** @return a binding that records nothing */
    static PollenMetrics none() {
        return new PollenMetrics() {
            @Override
            public ModelMetrics forModel(ArtifactId id) {
                return ModelMetrics.NONE;
            }

            @Override
            public MetricsRegistration bindRuntime(RuntimeGauges gauges) {
                return MetricsRegistration.NONE;
            }
        };
    }
}
