package dev.pollen.metrics;

import dev.pollen.ErrorCategory;

/**
 * Where a scoring context reports each call for one model version. Resolved once when a context is built, so the
 * hot path makes no tag lookups. Implementations must be thread-safe and must not allocate in
 * {@link #scored(long)}.
 */
public interface ModelMetrics {
    /** Records nothing. */
    ModelMetrics NONE = new ModelMetrics() {
        @Override
        public void scored(long nanos) {
        }

        @Override
        public void failed(ErrorCategory category) {
        }
    };

    /**
     * @param nanos wall time of one successful {@code run}, in nanoseconds
     */
    void scored(long nanos);

    /**
     * Called when ONNX Runtime fails a run (not for caller errors caught before it, such as a bad batch size).
     *
     * @param category why the call failed
     */
    void failed(ErrorCategory category);

    /**
     * Called when a call with a deadline missed it, instead of {@link #scored(long)} or {@link #failed}; must not
     * allocate.
     *
     * @param started {@code false} when the deadline had passed before the run (it was not started), {@code true}
     *     when it passed during the run (terminated, or its result discarded)
     */
    default void missedDeadline(boolean started) {
    }
}
