package dev.pollen.metrics;

/**
 * Meters that read something open (a runtime, a table, a feature store), as registered by a {@code bind*} method of
 * {@link PollenMetrics}. Whoever opened the thing keeps its registration and closes it when the thing closes, so
 * its meters leave the registry instead of reading an object that is gone. Closing is idempotent and thread-safe.
 */
@FunctionalInterface
public interface MetricsRegistration extends AutoCloseable {
    /** Registered nothing; closing it does nothing. */
    MetricsRegistration NONE = () -> {
    };

    /** Unregisters the meters, unless another open thing still reads into the same ones; idempotent. */
    @Override
    void close();
}
