/**
 * Metrics binding. {@link dev.pollen.metrics.PollenMetrics} is what the runtime reports to;
 * {@link dev.pollen.metrics.MicrometerMetrics} records into the application's Micrometer registry. This is the only
 * package that imports Micrometer.
 */
package dev.pollen.metrics;
