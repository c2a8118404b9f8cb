/**
 * Pollen's metrics SPI ({@link dev.pollen.metrics.PollenMetrics}) recorded into a Micrometer registry:
 * {@link dev.pollen.micrometer.MicrometerMetrics}. The only package that imports Micrometer.
 */
package dev.pollen.micrometer;
