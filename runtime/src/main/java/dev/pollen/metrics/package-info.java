/**
 * The metrics SPI: {@link dev.pollen.metrics.PollenMetrics} is what the runtime reports to, with no dependency.
 * {@code dev.pollen.micrometer.MicrometerMetrics} (module {@code pollen-micrometer}) records into the application's
 * Micrometer registry. Timers and counters ({@link dev.pollen.metrics.ModelMetrics},
 * {@link dev.pollen.metrics.DecisionMetrics}) record without allocating; gauges read an open object when scraped
 * ({@link dev.pollen.metrics.RuntimeGauges}, {@link dev.pollen.metrics.TableGauges},
 * {@link dev.pollen.metrics.FeatureStoreGauges}) and are bound by a {@link dev.pollen.metrics.MetricsRegistration}
 * that the object's owner closes with it.
 */
package dev.pollen.metrics;
