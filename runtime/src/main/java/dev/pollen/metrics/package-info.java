/**
 * The metrics SPI: {@link dev.pollen.metrics.PollenMetrics} is what the runtime reports to, with no dependency.
 * {@code dev.pollen.micrometer.MicrometerMetrics} (module {@code pollen-micrometer}) records into the application's
 * Micrometer registry.
 */
package dev.pollen.metrics;
