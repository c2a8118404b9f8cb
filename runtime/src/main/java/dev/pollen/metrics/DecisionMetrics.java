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

    /**
     * Counts an adapter event, such as an unknown id or a frequency cap applied.
     *
     * @param event index of the event in the names given when these metrics were created
     * @param amount how many
     */
    default void counted(int event, long amount) {
    }

    /**
     * Records how many items one decision considered, such as the candidates of an ad request.
     *
     * @param items the count
     */
    default void items(int items) {
    }
}
