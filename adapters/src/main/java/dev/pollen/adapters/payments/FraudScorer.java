package dev.pollen.adapters.payments;

import dev.pollen.ErrorCategory;
import dev.pollen.PollenException;
import dev.pollen.catalog.ArtifactId;
import dev.pollen.catalog.ArtifactRef;
import dev.pollen.features.CardKeys;
import dev.pollen.features.VelocitySnapshot;
import dev.pollen.features.VelocityStore;
import dev.pollen.metrics.DecisionMetrics;
import dev.pollen.onnx.ScoringContext;
import dev.pollen.runtime.ModelLease;
import dev.pollen.runtime.PollenRuntime;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Objects;

/**
 * Decides on card transactions: fraud probability from {@code payments/fraud-scorer}, approve / review / decline
 * from thresholds, the top contributing reasons, and the model version that decided.
 *
 * <p>Per transaction: the card's velocity is read from the shared {@link VelocityStore} and the transaction counted
 * in it (one locked step; every valid attempt counts, whatever the decision), the 30 features are encoded straight
 * into the scoring context's input buffer, ONNX Runtime runs once, and probability and contributions are read from
 * the pinned outputs. Invalid transactions cannot reach this class: {@link Transaction} refuses to be built, and
 * the store is never touched for them.
 *
 * <p>Thread-safe: each thread gets its own scoring context (a {@link ThreadLocal}); {@link #score(Transaction,
 * FraudDecision)} allocates nothing once the thread's context exists. Thresholds default to the model's manifest
 * properties {@code threshold.review} and {@code threshold.decline}.
 */
public final class FraudScorer implements AutoCloseable {
    /** Outcome names for metrics, in {@link Decision} order. */
    static final List<String> OUTCOMES = List.of("approve", "review", "decline");

    private final ModelLease lease;
    private final VelocityStore store;
    private final float review;
    private final float decline;
    private final int maxBatch;
    private final DecisionMetrics metrics;
    /** False when metrics go nowhere: then no clock is read. */
    private final boolean timed;
    private final ArtifactId model;
    private final ThreadLocal<Worker> workers;

    private final class Worker {
        final ScoringContext ctx = lease.newContext(maxBatch);
        final FloatBuffer in = ctx.inputFloats(ctx.inputIndex("features"));
        final FloatBuffer probability = ctx.outputFloats(ctx.outputIndex("probability"));
        final FloatBuffer contributions = ctx.outputFloats(ctx.outputIndex("contributions"));
        final VelocitySnapshot velocity = new VelocitySnapshot();
    }

    private FraudScorer(Builder b) {
        this.lease = b.runtime.model(b.model);
        try {
            this.model = lease.id();
            this.store = b.store;
            this.review = b.review >= 0 ? b.review : threshold("threshold.review");
            this.decline = b.decline >= 0 ? b.decline : threshold("threshold.decline");
            if (!(review <= decline) || review < 0 || decline > 1) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "fraud thresholds must satisfy 0 <= review"
                        + " <= decline <= 1 (found review " + review + ", decline " + decline + ")");
            }
            this.maxBatch = b.maxBatch;
            this.metrics = b.runtimeMetrics.decisions("payments.fraud", OUTCOMES);
            this.timed = metrics != DecisionMetrics.NONE;
            if (lease.signature().input("features") == null || lease.signature().output("probability") == null
                    || lease.signature().output("contributions") == null
                    || !lease.signature().input("features").hasDimension(FraudFeatures.COUNT)) {
                throw new PollenException(ErrorCategory.SIGNATURE_MISMATCH, model + " must take 'features' [batch, "
                        + FraudFeatures.COUNT + "] and give 'probability' and 'contributions' to score fraud (found "
                        + lease.signature() + ")");
            }
            this.workers = ThreadLocal.withInitial(Worker::new);
        } catch (RuntimeException e) {
            lease.close();
            throw e;
        }
    }

    private float threshold(String key) {
        String v = lease.manifest().properties().get(key);
        if (v == null) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, model + " has no property '" + key + "'; set"
                    + " the threshold explicitly on the FraudScorer builder");
        }
        return Float.parseFloat(v);
    }

    /**
     * @param runtime the process's runtime
     * @param store the shared velocity store
     * @return a builder scoring with {@code payments/fraud-scorer@prod}
     */
    public static Builder builder(PollenRuntime runtime, VelocityStore store) {
        return new Builder(runtime, store);
    }

    /** @return the model version deciding */
    public ArtifactId model() {
        return model;
    }

    /** @return probability from which a transaction is reviewed */
    public float reviewThreshold() {
        return review;
    }

    /** @return probability from which a transaction is declined */
    public float declineThreshold() {
        return decline;
    }

    /**
     * Decides on one transaction.
     *
     * @param tx the transaction
     * @param out receives the decision
     */
    public void score(Transaction tx, FraudDecision out) {
        long start = timed ? System.nanoTime() : 0;
        Worker w = workers.get();
        encode(w, tx, 0);
        w.ctx.run(1);
        decide(w, tx, 0, out);
        if (timed) {
            metrics.decided(out.decision().ordinal(), System.nanoTime() - start);
        }
    }

    /**
     * @param tx the transaction
     * @return a new decision (allocates the holder; see {@link #score(Transaction, FraudDecision)})
     */
    public FraudDecision score(Transaction tx) {
        FraudDecision d = new FraudDecision();
        score(tx, d);
        return d;
    }

    /**
     * Decides on many transactions with one ONNX Runtime run per {@code maxBatch} of them. Transactions are counted
     * in the velocity store in list order, so later ones see earlier ones of the same card.
     *
     * @param txs the transactions
     * @param out receives one decision per transaction, at the same index (at least {@code txs.size()} holders)
     */
    public void scoreBatch(List<Transaction> txs, FraudDecision[] out) {
        if (out.length < txs.size()) {
            throw new PollenException(ErrorCategory.INVALID_ARGUMENT, "scoreBatch needs a decision holder per"
                    + " transaction (found " + out.length + " holders for " + txs.size() + " transactions)");
        }
        Worker w = workers.get();
        for (int from = 0; from < txs.size(); from += maxBatch) {
            long start = System.nanoTime();
            int n = Math.min(maxBatch, txs.size() - from);
            for (int r = 0; r < n; r++) {
                encode(w, txs.get(from + r), r);
            }
            w.ctx.run(n);
            long each = (System.nanoTime() - start) / n;
            for (int r = 0; r < n; r++) {
                decide(w, txs.get(from + r), r, out[from + r]);
                metrics.decided(out[from + r].decision().ordinal(), each);
            }
        }
    }

    /** Counts a request refused as invalid (for callers that parse transactions from outside, such as JSON). */
    public void rejected() {
        metrics.rejected();
    }

    private void encode(Worker w, Transaction tx, int row) {
        store.readAndRecord(CardKeys.of(tx.cardId()), tx.timestampMillis(), tx.amountUsd(), w.velocity);
        FraudFeatures.encode(tx, w.velocity, w.in, row * FraudFeatures.COUNT);
    }

    private void decide(Worker w, Transaction tx, int row, FraudDecision out) {
        float p = w.probability.get(row);
        Decision d = p >= decline ? Decision.DECLINE : p >= review ? Decision.REVIEW : Decision.APPROVE;
        out.set(tx.transactionId(), p, d, model);
        out.reasonsFrom(w.contributions, row * FraudFeatures.COUNT, FraudFeatures.COUNT);
    }

    /** Closes the model lease (and every thread's context); the store stays open, it belongs to the caller. */
    @Override
    public void close() {
        lease.close();
    }

    /** Configures a {@link FraudScorer}; {@link #build()} checks every setting. */
    public static final class Builder {
        private final PollenRuntime runtime;
        private final VelocityStore store;
        private ArtifactRef model = ArtifactRef.ofAlias("payments", "fraud-scorer", "prod");
        private float review = -1;
        private float decline = -1;
        private int maxBatch = 64;
        private dev.pollen.metrics.PollenMetrics runtimeMetrics = dev.pollen.metrics.PollenMetrics.none();

        private Builder(PollenRuntime runtime, VelocityStore store) {
            this.runtime = Objects.requireNonNull(runtime, "runtime");
            this.store = Objects.requireNonNull(store, "store");
        }

        /** @param ref the fraud model (default {@code payments/fraud-scorer@prod}) @return this */
        public Builder model(String ref) {
            this.model = ArtifactRef.parse(ref);
            return this;
        }

        /**
         * @param review probability from which to review
         * @param decline probability from which to decline
         * @return this
         */
        public Builder thresholds(float review, float decline) {
            this.review = review;
            this.decline = decline;
            return this;
        }

        /** @param maxBatch transactions per ONNX Runtime run in {@link #scoreBatch} (default 64) @return this */
        public Builder maxBatch(int maxBatch) {
            if (maxBatch < 1 || maxBatch > 4096) {
                throw new PollenException(ErrorCategory.INVALID_ARGUMENT,
                        "max batch must be from 1 to 4096 (found " + maxBatch + ")");
            }
            this.maxBatch = maxBatch;
            return this;
        }

        /** @param metrics where decisions are reported (default: nowhere) @return this */
        public Builder metrics(dev.pollen.metrics.PollenMetrics metrics) {
            this.runtimeMetrics = Objects.requireNonNull(metrics, "metrics");
            return this;
        }

        /** @return the scorer, holding a lease on the model until closed */
        public FraudScorer build() {
            return new FraudScorer(this);
        }
    }
}
