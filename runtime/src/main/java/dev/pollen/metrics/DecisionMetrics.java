package dev.pollen.metrics;

/**
 * Where a domain adapter reports its decisions: latency and outcome of each decision, and rejected (invalid)
 * requests. Outcomes are indices into the outcome names given when it was created, so recording makes no lookups.
 * Implementations are thread-safe and allocate nothing per call.
 */
public interface DecisionMetrics {
    /** Records nothing. */
    DecisionMetrics NONE = new DecisionMetrics() {
        @Override
        public void decided(int outcome, long nanos) {
        }

        @Override
        public void rejected() {
        }
    };

    /**
     * @param outcome index of the outcome
     * @param nanos time the decision took
     */
    void decided(int outcome, long nanos);

    /** Counts one request refused as invalid before any decision. */
    void rejected();
}
