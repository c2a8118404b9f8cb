package dev.pollen.runtime;

/**
 * How a {@link Live} handle moves from one version to the next, after TensorFlow Serving's version policies.
 */
public enum SwapPolicy {
    /**
     * Load, verify and warm the new version while the old one serves, switch new calls to it, then release the old
     * one once its calls in flight have finished: no call ever finds nothing to serve it, at the cost of holding two
     * versions for the length of the swap. The default.
     */
    AVAILABILITY_PRESERVING,
    /**
     * Stop new calls on the old version, wait for its calls in flight, release it, then load and warm the new one:
     * one version in memory at a time, for models too big to hold twice. Calls in the gap find nothing to serve them
     * ({@link dev.pollen.ErrorCategory#UNAVAILABLE}; adapters answer with their fallback). When the new version
     * fails, the old one is loaded again.
     */
    RESOURCE_PRESERVING
}
